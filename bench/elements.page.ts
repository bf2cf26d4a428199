// Runs inside Chromium for bench/elements.bench.ts: first render of the audit manager with 10,000
// pending snapshots and a ref preview with 20 refs, each against a baseline measured here too.
import { html, LitElement, render } from 'lit';
import { createScp, type ScpClient } from '../src/core/client.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../src/core/storage/memory.js';
import '../src/elements/audit-manager/scp-audit-manager.js';
import '../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpAuditManager } from '../src/elements/audit-manager/audit-manager.js';
import type { ScpRefPreview } from '../src/elements/ref-preview/ref-preview.js';

const CARDS = [
  'security',
  'testing',
  'quality',
  'packages',
  'env',
  'docs',
  'k8s',
  'terraform',
  'dns',
  'audit:scores',
  'audit:l2:risks',
];
const frame = () => new Promise<void>((r) => requestAnimationFrame(() => setTimeout(r, 0)));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// A memory ledger: this page is one bundled file (no Worker file beside it), and the figures are
// about rendering, not git.
function client(): ScpClient {
  return createScp({
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
    runs: { groupCommitMs: 0 },
  });
}

/** The baseline: the same rows rendered without windowing (what a plain list would do). */
class NaiveList extends LitElement {
  static override properties = { rows: { attribute: false } };
  declare rows: Array<{ snapshot_id: string; card_key: string; summary: string; iso: string }>;
  protected override render() {
    return html`<div role="list">${this.rows.map(
      (r) => html`<div role="listitem" class="row">
      <input type="checkbox" checked aria-label=${`Select ${r.card_key}`}>
      <span>${r.card_key}</span><span>${r.summary}</span><time>${r.iso}</time>
      <span><button>Data</button><button>Save</button><button>Discard</button></span></div>`,
    )}</div>`;
  }
}
customElements.define('bench-naive-list', NaiveList);

async function managerBench(count: number, rounds: number) {
  const c = client();
  await c.staging.stageMany(
    Array.from({ length: count }, (_, i) => ({
      card_key: CARDS[i % CARDS.length]!,
      result: { i, findings: [i, i + 1] },
      options: { summary: `${i % 7} issues · Score: ${50 + (i % 50)}` },
    })),
  );
  const listMs: number[] = [];
  const firstRenderMs: number[] = [];
  const firstRenderDomMs: number[] = [];
  const scrollMs: number[] = [];
  const naiveMs: number[] = [];
  let rowsInDom = 0;
  let nodesInDom = 0;
  let naiveNodes = 0;
  for (let round = 0; round < rounds; round++) {
    let t = performance.now();
    const rows = await c.staging.list();
    listMs.push(performance.now() - t);

    const el = document.createElement('scp-audit-manager') as ScpAuditManager;
    el.client = c;
    document.body.append(el);
    await el.updateComplete;
    t = performance.now();
    el.show();
    await el.settled();
    firstRenderDomMs.push(performance.now() - t);
    await frame();
    firstRenderMs.push(performance.now() - t);
    rowsInDom = el.shadowRoot!.querySelectorAll('.row').length;
    nodesInDom = el.shadowRoot!.querySelectorAll('*').length;
    if (el.shadowRoot!.querySelector('[role="tab"] .count')!.textContent !== new Intl.NumberFormat().format(count))
      throw new Error('count not shown');

    const viewport = el.shadowRoot!.querySelector<HTMLElement>('.viewport')!;
    t = performance.now();
    viewport.scrollTop = viewport.scrollHeight / 2;
    viewport.dispatchEvent(new Event('scroll'));
    await el.updateComplete;
    await frame();
    scrollMs.push(performance.now() - t);
    el.close();
    el.remove();

    const host = document.createElement('div');
    document.body.append(host);
    t = performance.now();
    render(html`<bench-naive-list .rows=${rows}></bench-naive-list>`, host);
    const naive = host.querySelector<NaiveList>('bench-naive-list')!;
    await naive.updateComplete;
    await frame();
    naiveMs.push(performance.now() - t);
    naiveNodes = naive.shadowRoot!.querySelectorAll('*').length;
    host.remove();
  }
  await c.close();
  return {
    count,
    rounds,
    listMs: median(listMs),
    firstRenderDomMs: median(firstRenderDomMs),
    firstRenderMs: median(firstRenderMs),
    scrollMs: median(scrollMs),
    naiveMs: median(naiveMs),
    rowsInDom,
    nodesInDom,
    naiveNodes,
    ratioNaiveVsManager: median(naiveMs) / median(firstRenderMs),
  };
}

async function refPreviewBench(refCount: number, rounds: number) {
  const c = client();
  const ids: string[] = [];
  for (let i = 0; i < refCount / 2; i++) {
    const r = await c.staging.stage(CARDS[i % CARDS.length]!, { i }, { summary: `scan ${i}` });
    if (r.staged) ids.push(`@audit:${r.snapshot.snapshot_id}`);
  }
  const saved = ids.slice(0, Math.floor(ids.length / 2)).map((r) => r.slice('@audit:'.length));
  await c.staging.save(saved);
  for (let i = 0; i < refCount / 2; i++) {
    const run = await c.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: `rollout ${i}` });
    await run.finish({ status: i % 3 ? 'ok' : 'failed' });
    ids.push(`@run:${run.id}`);
  }
  await c.runs.flush();
  const text = `Please check ${ids.join(' and ')}.`;

  const calls = new Map<string, number>();
  const resolve = c.refs.resolve.bind(c.refs);
  c.refs.resolve = (ref, o) => {
    const key = typeof ref === 'string' ? ref : `@${ref.kind}:${ref.id}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return resolve(ref, o);
  };

  const coldMs: number[] = [];
  const coldDomMs: number[] = [];
  const warmMs: number[] = [];
  const baselineMs: number[] = [];
  let cards = 0;
  let maxResolvesPerRef = 0;
  for (let round = 0; round < rounds; round++) {
    // Baseline: the core resolving the same refs one after another, no element.
    let t = performance.now();
    for (const ref of ids) await resolve(ref);
    baselineMs.push(performance.now() - t);

    calls.clear();
    const host = document.createElement('div');
    const textarea = document.createElement('textarea');
    textarea.id = `compose-${round}`;
    const el = document.createElement('scp-ref-preview') as ScpRefPreview;
    el.htmlFor = textarea.id;
    el.debounce = 0;
    el.client = c;
    host.append(textarea, el);
    document.body.append(host);
    await el.updateComplete;
    const shown = () => el.shadowRoot!.querySelectorAll('li[data-state="ready"]').length;
    t = performance.now();
    textarea.value = text;
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await el.settled();
    coldDomMs.push(performance.now() - t);
    await frame();
    coldMs.push(performance.now() - t);
    if (shown() !== refCount) throw new Error(`${shown()} cards shown, expected ${refCount}`);
    cards = shown();
    maxResolvesPerRef = Math.max(...calls.values());
    if (calls.size !== refCount) throw new Error(`resolved ${calls.size} refs, expected ${refCount}`);

    // Same text again (e.g. after an edit elsewhere in the message): answered from the cache.
    const before = [...calls.values()].reduce((a, b) => a + b, 0);
    t = performance.now();
    textarea.value = `${text} `;
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await el.settled();
    await frame();
    warmMs.push(performance.now() - t);
    if ([...calls.values()].reduce((a, b) => a + b, 0) !== before) throw new Error('cache missed');
    host.remove();
  }
  await c.close();
  return {
    refCount,
    rounds,
    cards,
    maxResolvesPerRef,
    coldMs: median(coldMs),
    coldDomMs: median(coldDomMs),
    warmMs: median(warmMs),
    baselineMs: median(baselineMs),
    ratioElementVsCore: median(coldDomMs) / median(baselineMs),
  };
}

(globalThis as Record<string, unknown>).runElementsBenchInPage = async (
  count: number,
  refs: number,
  rounds: number,
) => ({
  manager: await managerBench(count, rounds),
  refPreview: await refPreviewBench(refs, rounds),
});
