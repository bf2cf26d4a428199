import { expect, html } from '@open-wc/testing';
import '../../../../src/elements/ref-preview/scp-ref-preview.js';
import { closeClients, memoryClient, mount, until } from '../internal/fixtures.js';
import { cards, countResolves, savedAndPending, type } from './helpers.js';

// The cards (templates, styles, remove and retry) are a part (<scp-ref-preview-cards>) loaded on the
// element's first connection; the element itself (properties, attributes, public methods, the
// watching, parsing and lookups) is defined from the start.
describe('<scp-ref-preview> before its cards have loaded', () => {
  afterEach(closeClients);

  // First in this file: only here has no test loaded the part yet.
  it('takes clear() called before the cards have loaded, and settled() waits for the cards', async () => {
    expect(customElements.get('scp-ref-preview-cards')).to.equal(undefined);
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const missing = 'dns_20200101_000000_abcd';
    const el = document.createElement('scp-ref-preview');
    el.debounce = 0;
    el.showMissing = true;
    el.client = client;
    el.text = `@audit:${saved} @audit:${missing}`;
    const container = await mount<HTMLDivElement>(html`<div></div>`);
    container.append(el);
    // The text was scanned on connection: its refs are known and being looked up before any card can show.
    expect(el.refs.map((r) => r.id)).to.deep.equal([saved, missing]);
    expect(el.isCached({ kind: 'audit', id: saved })).to.equal(true);
    expect(customElements.get('scp-ref-preview-cards')).to.equal(undefined);

    // The message was sent before the cards arrived: they never show.
    el.clear();
    await el.settled();
    const part = el.shadowRoot!.querySelector('scp-ref-preview-cards')!;
    expect(part).to.be.instanceOf(customElements.get('scp-ref-preview-cards')!);
    expect([el.text, el.refs.length, el.refCount, cards(el).length]).to.deep.equal(['', 0, 0, 0]);
    // settled() covered the part's first render: its live region is there (empty: no cards).
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('');
    // The cache was kept (clear() drops the cards only).
    expect(el.isCached({ kind: 'audit', id: saved })).to.equal(true);

    el.text = `@audit:${saved}`;
    await el.settled();
    expect(cards(el).map((c) => c.dataset.state)).to.deep.equal(['ready']);
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('1 reference');
  });

  it('is defined and takes properties and attributes while detached, and renders them with the card styles once its cards are in', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const el = document.createElement('scp-ref-preview');
    expect(el).to.be.instanceOf(customElements.get('scp-ref-preview')!);
    el.setAttribute('debounce', '0');
    el.setAttribute('show-missing', '');
    el.client = client;
    el.text = `@audit:${saved}`;
    expect([el.debounce, el.showMissing, typeof el.clear, typeof el.settled]).to.deep.equal([
      0,
      true,
      'function',
      'function',
    ]);
    const container = await mount<HTMLDivElement>(html`<div></div>`);
    container.append(el);
    // Nothing is rendered in the task that attached it: the element updates asynchronously.
    expect(el.hasUpdated).to.equal(false);
    expect(el.shadowRoot!.querySelector('ul')).to.equal(null);
    el.text = `@audit:${saved} @audit:dns_20200101_000000_abcd`;
    await el.updateComplete;
    await el.settled();
    expect(cards(el).map((c) => c.dataset.state)).to.deep.equal(['ready', 'missing']);
    expect(getComputedStyle(el.shadowRoot!.querySelector('ul')!).display).to.equal('flex');
    expect(getComputedStyle(cards(el)[0]!).display).to.equal('grid');
  });

  it('previews refs already in the text box and typed before its first update', async () => {
    const client = memoryClient();
    const { saved, pending } = await savedAndPending(client);
    const calls = countResolves(client);
    const container = await mount<HTMLDivElement>(
      html`<div><textarea id="early" aria-label="Message" .value=${`see @audit:${saved}`}></textarea></div>`,
    );
    const textarea = container.querySelector('textarea')!;
    const el = document.createElement('scp-ref-preview');
    el.htmlFor = 'early';
    el.debounce = 0;
    el.client = client;
    container.append(el);
    expect(el.hasUpdated).to.equal(false);
    type(textarea, `see @audit:${saved} and @audit:${pending}`);
    expect(el.hasUpdated).to.equal(false);
    await until(() => cards(el).length === 2 && cards(el).every((c) => c.dataset.state === 'ready'), 'two ready cards');
    expect(cards(el).map((c) => c.querySelector('[part="id"]')!.textContent)).to.deep.equal([
      `@audit:${saved}`,
      `@audit:${pending}`,
    ]);
    expect([...calls.values()]).to.deep.equal([1, 1]);
  });
});
