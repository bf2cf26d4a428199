import { expect, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ScpClient } from '../../../../src/core/client.js';
import type { ScpRefAutocomplete } from '../../../../src/elements/ref-autocomplete/ref-autocomplete.js';
import '../../../../src/elements/ref-autocomplete/scp-ref-autocomplete.js';
import { attach, closeClients, runsClient } from '../internal/fixtures.js';

// The field wiring, lookups and the list are a part (<scp-ref-autocomplete-popup>) loaded on the
// element's first connection; the element itself (properties, attributes, public methods) is
// defined from the start, and what is typed or called before the part is in still counts.
const client = runsClient;
const mount = attach;
afterEach(closeClients);

const listbox = (el: ScpRefAutocomplete) => el.querySelector<HTMLElement>('[role="listbox"]')!;
const options = (el: ScpRefAutocomplete) => [...el.querySelectorAll<HTMLElement>('[role="option"]')];
const labels = (el: ScpRefAutocomplete) => options(el).map((o) => o.querySelector('.label')!.textContent);

async function seed(c: ScpClient): Promise<string> {
  const a = await c.staging.stage('security', { findings: 3 }, { summary: '3 issues · Score: 78' });
  const saved = a.staged ? a.snapshot.snapshot_id : '';
  await c.staging.save([saved]);
  await c.staging.stage('k8s', { pods: 4 }, { summary: '4 pods healthy' });
  return saved;
}

/** A focused textarea and its autocomplete, just attached: the part cannot be in yet. */
function compose(c: ScpClient, id: string) {
  const wrap = mount<HTMLElement>(html`<div><label for=${id}>Message</label><textarea id=${id}></textarea>
    <scp-ref-autocomplete for=${id} .client=${c}></scp-ref-autocomplete></div>`);
  const field = wrap.querySelector('textarea')!;
  const el = wrap.querySelector('scp-ref-autocomplete')!;
  field.focus();
  return { field, el };
}

/** Keystrokes in the same task as the attach, so certainly before the part's module is there. */
function typeNow(field: HTMLTextAreaElement, text: string): void {
  for (const ch of text) {
    field.value += ch;
    field.setSelectionRange(field.value.length, field.value.length);
    field.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertText', data: ch }));
  }
}

describe('<scp-ref-autocomplete> before its part has loaded', () => {
  it('close() called while the part loads keeps what was typed meanwhile closed; the next key opens the list', async () => {
    const { field, el } = compose(client(), 'closing');
    typeNow(field, 'see @au');
    expect(el.querySelector('scp-ref-autocomplete-popup')).to.equal(null);
    // Nothing is suggested yet, so there is nothing to pick: the text stays as typed.
    el.pick(0);
    el.close();
    await el.settled();
    expect(field.value).to.equal('see @au');
    expect(field.getAttribute('aria-controls')).to.equal(listbox(el).id);
    expect(el.open).to.equal(false);
    expect(el.querySelector<HTMLElement>('.scp-ref-ac-popup')!.hidden).to.equal(true);
    expect(field.hasAttribute('aria-activedescendant')).to.equal(false);
    // Typing goes on as usual.
    await sendKeys({ type: 'd' });
    await el.settled();
    expect(el.open).to.equal(true);
    expect(labels(el)).to.deep.equal(['Audit']);
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(el)[0]!.id);
  });

  it('is defined and takes properties and attributes while detached, and renders them once its part is in', async () => {
    const c = client();
    const el = document.createElement('scp-ref-autocomplete');
    expect(el).to.be.instanceOf(customElements.get('scp-ref-autocomplete')!);
    el.setAttribute('for', 'early-field');
    el.setAttribute('debounce', '0');
    el.setAttribute('limit', '5');
    el.placement = 'above';
    el.client = c;
    expect([el.htmlFor, el.debounce, el.limit, el.open, typeof el.pick, typeof el.close]).to.deep.equal([
      'early-field',
      0,
      5,
      false,
      'function',
      'function',
    ]);
    const wrap = mount<HTMLElement>(
      html`<div><label for="early-field">Message</label><input id="early-field" type="text"></div>`,
    );
    const field = wrap.querySelector('input')!;
    wrap.append(el);
    expect(el.hasUpdated).to.equal(false);
    expect(el.querySelector('[role="listbox"]')).to.equal(null);
    await el.updateComplete;
    expect(el.getAttribute('placement')).to.equal('above');
    expect(field.getAttribute('role')).to.equal('combobox');
    expect(field.getAttribute('aria-controls')).to.equal(el.querySelector('[role="listbox"]')!.id);
    field.focus();
    await sendKeys({ type: '@' });
    await el.settled();
    expect(labels(el)).to.deep.equal(['Audit', 'Run']);
    // The list's light-DOM styles came with the part: the popup opens above the element.
    const popup = el.querySelector<HTMLElement>('.scp-ref-ac-popup')!;
    expect(getComputedStyle(popup).position).to.equal('absolute');
    expect(popup.getBoundingClientRect().bottom).to.be.at.most(el.getBoundingClientRect().top);
  });

  it('does not miss `@audit:` typed right after it was attached: settled() waits for the part and the list opens', async () => {
    const c = client();
    const saved = await seed(c);
    const { field, el } = compose(c, 'quick');
    typeNow(field, 'see @audit:');
    expect(el.hasUpdated).to.equal(false);
    expect(field.hasAttribute('aria-controls')).to.equal(false);
    await el.settled();
    expect(listbox(el).hidden).to.equal(false);
    expect([...el.querySelectorAll('.group-label')].map((g) => g.textContent)).to.deep.equal([
      'Saved',
      'Not saved yet',
    ]);
    expect(options(el)[0]!.textContent).to.contain('3 issues');
    expect(field.getAttribute('aria-activedescendant')).to.equal(options(el)[0]!.id);
    await sendKeys({ press: 'Enter' });
    expect(field.value).to.equal(`see @audit:${saved} `);
  });

  it('watches its field again after being moved (disconnected and connected)', async () => {
    const { field, el } = compose(client(), 'moved');
    await el.updateComplete;
    const parent = el.parentElement!;
    el.remove();
    expect(field.hasAttribute('aria-controls')).to.equal(false);
    parent.append(el);
    await el.updateComplete;
    expect(field.getAttribute('aria-controls')).to.equal(listbox(el).id);
    field.focus();
    await sendKeys({ type: '@r' });
    await el.settled();
    expect(labels(el)).to.deep.equal(['Run']);
  });
});
