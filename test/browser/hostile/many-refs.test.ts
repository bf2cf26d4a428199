// Thousands of refs in one text through the real <scp-ref-preview> in Chromium: a bounded number
// of cards, lookups and renders, and a bounded cache. (Times are measured by bench/ref-preview-scale.bench.ts.)
import { expect, html } from '@open-wc/testing';
import type { ScpClient } from '../../../src/core/client.js';
import '../../../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpRefPreview } from '../../../src/elements/ref-preview/ref-preview.js';
import { closeClients, memoryClient, mount, until } from '../elements/internal/fixtures.js';

/** Counts the core's resolve calls (they still go to the real client). */
function countResolves(client: ScpClient): { calls: number } {
  const counter = { calls: 0 };
  const resolve = client.refs.resolve.bind(client.refs);
  client.refs.resolve = (ref, options) => {
    counter.calls++;
    return resolve(ref, options);
  };
  return counter;
}

/** Counts the element's render passes. */
function countUpdates(el: ScpRefPreview): { updates: number } {
  const counter = { updates: 0 };
  const proto = Object.getPrototypeOf(el) as { update(changed: unknown): void };
  const update = proto.update;
  (el as unknown as { update(changed: unknown): void }).update = function (this: ScpRefPreview, changed: unknown) {
    counter.updates++;
    update.call(this, changed);
  };
  return counter;
}

async function compose(client: ScpClient, max?: number) {
  const wrapper = await mount<HTMLDivElement>(html`<div>
    <textarea id="compose" aria-label="Message"></textarea>
    <scp-ref-preview for="compose" debounce="0" show-missing .client=${client} .max=${max ?? 50}></scp-ref-preview>
  </div>`);
  return { textarea: wrapper.querySelector('textarea')!, el: wrapper.querySelector<ScpRefPreview>('scp-ref-preview')! };
}

function type(textarea: HTMLTextAreaElement, text: string) {
  textarea.value = text;
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
}

const refsText = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `@audit:${tag}_20260101_000000_${i.toString(36).padStart(4, '0')}`).join(' ');
const cards = (el: ScpRefPreview) => el.shadowRoot!.querySelectorAll('li[part~="card"]');

describe('hostile input: thousands of refs in one text', () => {
  afterEach(closeClients);

  it('previews the first 50 of 2,000 refs, says how many more, and resolves and renders in batches', async () => {
    const client = memoryClient();
    const resolves = countResolves(client);
    const { textarea, el } = await compose(client);
    await el.settled();
    const renders = countUpdates(el);
    type(textarea, refsText(2000, 'many'));
    await el.settled();
    expect(el.refs).to.have.length(50);
    expect(el.refCount).to.equal(2000);
    expect(cards(el)).to.have.length(50);
    expect(el.shadowRoot!.querySelector('[part="more"]')!.textContent!.trim()).to.equal('+1,950 more references');
    expect(resolves.calls).to.equal(50);
    // 50 lookups in batches of 25: a handful of renders, not one per ref.
    expect(renders.updates).to.be.at.most(5);
  });

  it('the cap is configurable and a smaller text shows no summary', async () => {
    const client = memoryClient();
    const resolves = countResolves(client);
    const { textarea, el } = await compose(client, 5);
    type(textarea, refsText(12, 'cap'));
    await el.settled();
    expect(cards(el)).to.have.length(5);
    expect(el.shadowRoot!.querySelector('[part="more"]')!.textContent!.trim()).to.equal('+7 more references');
    expect(resolves.calls).to.equal(5);
    el.max = 20;
    await el.settled();
    expect(cards(el)).to.have.length(12);
    expect(el.shadowRoot!.querySelector('[part="more"]')).to.equal(null);
  });

  it('a scan of 10,000 refs reads only the first max before returning; the rest are counted in slices', async () => {
    const client = memoryClient();
    const steps = { sync: -1, total: 0, armed: false };
    const scan = client.refs.scan.bind(client.refs);
    client.refs.scan = (text) => {
      const it = scan(text);
      if (steps.armed) {
        // What the scan read in the turn it was made in (the debounce timer's task).
        steps.armed = false;
        const start = steps.total;
        queueMicrotask(() => {
          steps.sync = steps.total - start;
        });
      }
      return {
        next: () => {
          steps.total++;
          return it.next();
        },
      };
    };
    const { textarea, el } = await compose(client);
    await el.settled();
    const before = steps.total;
    steps.armed = true;
    type(textarea, refsText(10_000, 'big'));
    await until(() => steps.sync >= 0, 'the scan of the new text');
    expect(steps.sync).to.equal(50);
    expect(el.refs).to.have.length(50);
    await el.settled();
    expect(el.refCount).to.equal(10_000);
    // Each ref read once, and the end of the text once.
    expect(steps.total - before).to.equal(10_001);
    expect(el.shadowRoot!.querySelector('[part="more"]')!.textContent!.trim()).to.equal('+9,950 more references');
  });

  it('a keystroke after the shown refs keeps the cards as they are; a new text cancels an unfinished count', async () => {
    const client = memoryClient();
    const { textarea, el } = await compose(client, 5);
    const text = refsText(10_000, 'keys');
    type(textarea, text);
    await el.settled();
    const before = el.refs;
    const renders = countUpdates(el);
    type(textarea, `${text} and @audit:keys_20260101_000000_zzzz`);
    await el.settled();
    expect(el.refs).to.equal(before);
    expect(el.refCount).to.equal(10_001);
    // Only the count changed: one render for it.
    expect(renders.updates).to.equal(1);

    // A long text, then at once a short one: the long count is dropped, the short one stands.
    type(textarea, refsText(10_000, 'long'));
    await new Promise((r) => setTimeout(r, 0));
    type(textarea, refsText(12, 'short'));
    await el.settled();
    expect(el.refCount).to.equal(12);
    expect(el.shadowRoot!.querySelector('[part="more"]')!.textContent!.trim()).to.equal('+7 more references');
  });

  it('keeps its cache bounded while text after text of new refs is typed', async () => {
    const client = memoryClient();
    const { textarea, el } = await compose(client);
    // 12 texts of 200 new refs: 600 answers looked up in all, more than the cache keeps.
    for (let round = 0; round < 12; round++) {
      type(textarea, refsText(200, `r${round}`));
      await el.settled();
    }
    expect(cards(el)).to.have.length(50);
    // The cache holds only refs typed here: how many of them it still knows is its size.
    let cached = 0;
    for (let round = 0; round < 12; round++) {
      for (const raw of refsText(200, `r${round}`).split(' ')) {
        if (el.isCached({ kind: 'audit', id: raw.slice('@audit:'.length) })) cached++;
      }
    }
    expect(cached).to.be.at.most(500);
  });
});
