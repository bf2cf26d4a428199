// Runs inside Chromium for bench/ref-preview-scale.bench.ts: <scp-ref-preview> given a text with
// 50, 1,000 or 10,000 refs. Time until the cards settle, the longest main-thread task on the way,
// the heap afterwards, and a keystroke's cost with the refs in place; the baseline is the core
// alone (parse the text, resolve the refs that get a card) in the same page.
import { createScp, type ScpClient } from '../src/core/client.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../src/core/storage/memory.js';
import '../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpRefPreview } from '../src/elements/ref-preview/ref-preview.js';

const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function client(): ScpClient {
  return createScp({
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
  });
}

/** The longest gap between turns of a 0 ms timer loop while `work` runs: the longest task, roughly. */
async function longestTask<T>(work: () => Promise<T>): Promise<{ value: T; longestMs: number }> {
  let longest = 0;
  let running = true;
  let last = performance.now();
  const tick = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  const value = await work();
  running = false;
  await new Promise((r) => setTimeout(r, 0));
  return { value, longestMs: longest };
}

const heapMb = () =>
  ((performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? Number.NaN) /
  2 ** 20;

async function scale(c: ScpClient, real: string[], n: number, rounds: number) {
  const settleMs: number[] = [];
  const longestMs: number[] = [];
  const keyMs: number[] = [];
  const baselineMs: number[] = [];
  const textareaMs: number[] = [];
  const textareaKeyMs: number[] = [];
  const aloneMs: number[] = [];
  const aloneKeyMs: number[] = [];
  const applyMs: number[] = [];
  let cards = 0;
  let more = '';
  let heap = 0;
  for (let round = 0; round < rounds; round++) {
    // Distinct ids per round, so nothing is answered from a previous round's cache.
    const refs = Array.from({ length: n }, (_, i) =>
      i < real.length && i % 2 === 0
        ? `@audit:${real[i]}`
        : `@audit:missing_${round}_20260101_000000_${i.toString(36)}`,
    );
    const text = `Please look at ${refs.join(', ')}.`;

    let t = performance.now();
    const parsed = c.refs.parse(text);
    await Promise.all(parsed.slice(0, 50).map((r) => c.refs.resolve(r)));
    baselineMs.push(performance.now() - t);

    // The textarea alone holding the same text (no preview): what the browser spends on it anyway.
    const bare = document.createElement('textarea');
    document.body.append(bare);
    await frame();
    const b = await longestTask(async () => {
      bare.value = text;
      bare.dispatchEvent(new Event('input', { bubbles: true }));
      await frame();
      await frame();
      return 0;
    });
    textareaMs.push(b.longestMs);
    const bk = await longestTask(async () => {
      bare.value = `${text} x`;
      bare.dispatchEvent(new Event('input', { bubbles: true }));
      await frame();
      await frame();
      return 0;
    });
    textareaKeyMs.push(bk.longestMs);
    bare.remove();

    const host = document.createElement('div');
    const textarea = document.createElement('textarea');
    textarea.id = `compose-${n}-${round}`;
    const el = document.createElement('scp-ref-preview') as ScpRefPreview;
    el.htmlFor = textarea.id;
    el.debounce = 0;
    el.showMissing = true;
    el.client = c;
    host.append(textarea, el);
    document.body.append(host);
    await el.updateComplete;
    await frame();

    const r = await longestTask(async () => {
      t = performance.now();
      textarea.value = text;
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
      await el.settled();
      await frame();
      return performance.now() - t;
    });
    settleMs.push(r.value);
    longestMs.push(r.longestMs);
    cards = el.shadowRoot!.querySelectorAll('li[part~="card"]').length;
    more = el.shadowRoot!.querySelector('[part="more"]')?.textContent?.trim() ?? '';
    heap = heapMb();

    // One more character typed at the end: the handler, the re-parse and the render.
    const k = await longestTask(async () => {
      t = performance.now();
      textarea.value = `${text} x`;
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
      await el.settled();
      await frame();
      return performance.now() - t;
    });
    keyMs.push(k.longestMs);
    // The element's own work for one scan of the text (parse, pick the shown refs, queue lookups).
    t = performance.now();
    (el as unknown as { apply(): void }).apply(); // private: timed alone here
    applyMs.push(performance.now() - t);
    await el.settled();
    host.remove();

    // The element alone (its `text` property, no textarea; a new element, so an empty cache): what
    // it spends itself on the same text.
    const alone = document.createElement('scp-ref-preview') as ScpRefPreview;
    alone.debounce = 0;
    alone.showMissing = true;
    alone.client = c;
    document.body.append(alone);
    await alone.updateComplete;
    await frame();
    const at = await longestTask(async () => {
      alone.text = text;
      await alone.settled();
      await frame();
      return 0;
    });
    aloneMs.push(at.longestMs);
    const ak = await longestTask(async () => {
      alone.text = `${alone.text} x`;
      await alone.settled();
      await frame();
      return 0;
    });
    aloneKeyMs.push(ak.longestMs);
    alone.remove();
  }
  return {
    refs: n,
    rounds,
    cards,
    more,
    settleMs: median(settleMs),
    longestTaskMs: median(longestMs),
    keystrokeLongestTaskMs: median(keyMs),
    heapMb: heap,
    baselineMs: median(baselineMs),
    ratioSettleVsCore: median(settleMs) / median(baselineMs),
    textareaAloneLongestTaskMs: median(textareaMs),
    textareaAloneKeystrokeMs: median(textareaKeyMs),
    applyMs: median(applyMs),
    elementAloneLongestTaskMs: median(aloneMs),
    elementAloneKeystrokeMs: median(aloneKeyMs),
  };
}

(globalThis as Record<string, unknown>).runRefScaleBenchInPage = async (counts: number[], rounds: number) => {
  const c = client();
  const real: string[] = [];
  for (let i = 0; i < 100; i++) {
    const r = await c.staging.stage(`card${i % 7}`, { i }, { summary: `scan ${i}` });
    if (r.staged) real.push(r.snapshot.snapshot_id);
  }
  const out = [];
  for (const n of counts) out.push(await scale(c, real, n, rounds));
  await c.close();
  return out;
};
