import { expect, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../../src/elements/json-tree/scp-json-tree.js';
import { closeClients, mount, until } from '../internal/fixtures.js';

// The tree (templates, handlers, styles) is a part (<scp-json-tree-body>) loaded on the element's
// first connection; the element itself (properties, attributes) is defined from the start.
describe('<scp-json-tree> before its tree has loaded', () => {
  afterEach(closeClients);

  const items = (ul: Element | null | undefined) => [...(ul?.querySelectorAll(':scope > li') ?? [])];

  it('takes properties and attributes while detached, and renders them once attached', async () => {
    const el = document.createElement('scp-json-tree');
    expect(el).to.be.instanceOf(customElements.get('scp-json-tree')!);
    el.value = { list: ['a', 'b', 'c', 'd', 'e'], name: 'x' };
    el.setAttribute('label', 'Snapshot data');
    el.setAttribute('page-size', '2');
    expect([el.label, el.pageSize]).to.deep.equal(['Snapshot data', 2]);
    expect(el.shadowRoot).to.equal(null);

    const wrapper = await mount<HTMLDivElement>(html`<div></div>`);
    wrapper.append(el);
    // The host holds its place (its own style) while the tree is still loading.
    expect(el.shadowRoot!.querySelector('[part="base"]')).to.equal(null);
    expect(getComputedStyle(el).display).to.equal('block');
    expect(getComputedStyle(el).fontSize).to.equal('13px');
    await el.updateComplete;

    const base = el.shadowRoot!.querySelector('[part="base"]')!;
    expect(base.getAttribute('aria-label')).to.equal('Snapshot data');
    const root = items(base.querySelector(':scope > details > ul'));
    expect(root.map((li) => li.querySelector('[part="key"]')!.textContent)).to.deep.equal(['list', 'name']);
    // The tree's styles were adopted with it: nested lists have no bullets.
    expect(getComputedStyle(base.querySelector('ul')!).listStyleType).to.equal('none');

    // Keyboard: Enter on a branch's summary expands it, page-size children at a time.
    const list = root[0]!.querySelector('details')!;
    expect(list.open).to.equal(false);
    list.querySelector('summary')!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => items(list.querySelector(':scope > ul')).length === 2, 'the first page of 2');
    const more = list.querySelector<HTMLButtonElement>(':scope > button[part="more"]')!;
    more.focus();
    await sendKeys({ press: 'Enter' });
    await el.updateComplete;
    expect(items(list.querySelector(':scope > ul')).map((li) => li.textContent!.trim())).to.deep.equal([
      '0: "a"',
      '1: "b"',
      '2: "c"',
      '3: "d"',
    ]);
  });
});
