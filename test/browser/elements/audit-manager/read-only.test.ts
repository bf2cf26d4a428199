// A viewer sees what is pending but cannot save or discard it: the manager disables those
// controls and says why in their accessible description (the client's capabilities decide).
import { expect, fixture, html } from '@open-wc/testing';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';
import { closeClients, memoryClient } from '../internal/fixtures.js';
import { buttonByText, q, qa, rows, stageAll } from './helpers.js';

async function open(role: 'viewer' | 'operator' | 'admin') {
  const client = memoryClient({ role });
  await stageAll(client, [
    ['security', '3 issues'],
    ['k8s', '2 pods down'],
  ]);
  const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
  el.show();
  await el.settled();
  return el;
}

/** The accessible description of a control: the text of the elements its aria-describedby names. */
const description = (el: ScpAuditManager, b: HTMLElement) =>
  (b.getAttribute('aria-describedby') ?? '')
    .split(/\s+/)
    .filter(Boolean)
    .map((id) => el.shadowRoot!.getElementById(id)?.textContent?.trim() ?? '')
    .join(' ');

describe("<scp-audit-manager> read-only state from the client's capabilities", () => {
  afterEach(closeClients);

  it('a viewer: rows listed, every save and discard control disabled with the reason as its description', async () => {
    const el = await open('viewer');
    expect(rows(el)).to.have.length(2);
    const controls = [
      ...qa<HTMLButtonElement>(el, '[data-control="save"], [data-control="discard"]'),
      buttonByText(el, 'Save selected')!,
      buttonByText(el, 'Discard selected')!,
    ];
    expect(controls).to.have.length(6);
    for (const b of controls) {
      expect(b.disabled, b.textContent!).to.equal(true);
      expect(description(el, b)).to.equal('Read-only: your role (viewer) cannot save or discard audits.');
    }
    expect(q(el, '[part="role-note"]')!.textContent).to.contain('viewer');
    await expect(el).shadowDom.to.be.accessible();
  });

  it('an operator and an admin may save and discard: no note, controls enabled', async () => {
    for (const role of ['operator', 'admin'] as const) {
      const el = await open(role);
      expect(q(el, '[part="role-note"]')).to.equal(null);
      for (const b of qa<HTMLButtonElement>(el, '[data-control="save"], [data-control="discard"]')) {
        expect(b.disabled).to.equal(false);
        expect(b.hasAttribute('aria-describedby')).to.equal(false);
      }
      el.remove();
    }
  });
});
