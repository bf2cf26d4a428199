import { expect, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import { ScpOpenManagerEvent } from '../../../../src/elements/events/open-manager-event.js';
import { closeClients, mount, memoryClient, until } from '../internal/fixtures.js';
import { q, rows, stageAll } from './helpers.js';

// The dialog is a part (<scp-audit-manager-body>) loaded on the first open; the element itself
// (properties, attributes, public methods) is defined from the start.
describe('<scp-audit-manager> before its dialog has loaded', () => {
  afterEach(closeClients);

  it('takes properties and attributes while detached, and renders them once attached', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const el = document.createElement('scp-audit-manager');
    expect(el).to.be.instanceOf(customElements.get('scp-audit-manager')!);
    el.setAttribute('card', 'security');
    el.setAttribute('no-listen', '');
    el.toggleAttribute('open', true);
    el.client = client;
    expect([el.card, el.noListen, el.open]).to.deep.equal(['security', true, true]);
    expect(el.shadowRoot).to.equal(null);
    expect(el.view).to.deep.equal([]);
    const wrapper = await mount<HTMLDivElement>(html`<div></div>`);
    wrapper.append(el);
    expect(el.shadowRoot!.querySelector('dialog')).to.equal(null);
    await until(() => rows(el).length === 1, 'the security row');
    await el.settled();
    const dialog = q<HTMLDialogElement>(el, 'dialog')!;
    expect(dialog.open).to.equal(true);
    expect(dialog.matches(':modal')).to.equal(true);
    expect(q(el, 'h2')!.textContent).to.equal('Pending audits · Security Posture');
    expect(rows(el).map((r) => r.querySelector('.card')!.textContent)).to.deep.equal(['Security Posture']);
    // The dialog's styles were adopted with it: the host takes no box and rows have their fixed height.
    expect(getComputedStyle(el).display).to.equal('contents');
    expect(rows(el)[0]!.getBoundingClientRect().height).to.equal(52);
    // no-listen was taken too: a badge's request does not change the filter.
    document.body.dispatchEvent(new ScpOpenManagerEvent({ card: 'testing' }));
    await new Promise((r) => setTimeout(r, 20));
    expect(el.card).to.equal('security');
    el.close();
    await el.updateComplete;
    expect(dialog.open).to.equal(false);
  });

  it('opens on the first scp-open-manager even when it arrives before the dialog has loaded, and gives focus back on close', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const wrapper = await mount<HTMLDivElement>(html`<div><button id="opener">open</button></div>`);
    const opener = wrapper.querySelector<HTMLButtonElement>('#opener')!;
    const el = document.createElement('scp-audit-manager');
    el.client = client;
    wrapper.append(el);
    opener.focus();
    expect(el.shadowRoot!.querySelector('dialog')).to.equal(null);
    opener.dispatchEvent(new ScpOpenManagerEvent({ card: 'testing' }));
    await until(() => el.open, 'opened by the first request');
    await el.settled();
    const dialog = q<HTMLDialogElement>(el, 'dialog')!;
    expect(dialog.open).to.equal(true);
    expect(rows(el).map((r) => r.querySelector('.card')!.textContent)).to.deep.equal(['Testing']);
    expect(dialog.contains(el.shadowRoot!.activeElement)).to.equal(true);
    await sendKeys({ press: 'Escape' });
    await until(() => !el.open, 'closed by Escape');
    await el.updateComplete;
    expect(dialog.open).to.equal(false);
    expect(document.activeElement).to.equal(opener);
  });
});
