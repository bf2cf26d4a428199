// An adopter's own cards, declared once in createScp({ cards }): labels, manager tabs, the run
// badge's mapping and the log's card filter all follow them, and no origin card name appears.
import { expect, fixture, html } from '@open-wc/testing';
import type { ScpClient } from '../../../src/core/client.js';
import type { RunRecord } from '../../../src/core/schemas/run.js';
import '../../../src/elements/audit-badge/scp-audit-badge.js';
import type { ScpAuditLog } from '../../../src/elements/audit-log/audit-log.js';
import '../../../src/elements/audit-log/scp-audit-log.js';
import type { ScpAuditManager } from '../../../src/elements/audit-manager/audit-manager.js';
import '../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpRunBadge } from '../../../src/elements/run-badge/run-badge.js';
import '../../../src/elements/run-badge/scp-run-badge.js';
import { closeClients, runsClient, until } from './internal/fixtures.js';

afterEach(closeClients);

const ADOPTER = [
  { key: 'api', label: 'Public API', category: 'Backend' },
  { key: 'db', label: 'Database', category: 'Backend', runs: ['migrate:*'] },
  { key: 'web', label: 'Web app', category: 'Frontend' },
];

function run(subtype: string, minute: number, summary: string): RunRecord {
  return {
    run: {
      run_id: `run_20261123T10${String(minute).padStart(2, '0')}00Z_${subtype.split(':')[0]}_ab12`,
      type: subtype.split(':')[0]!,
      subtype,
      status: 'ok',
      user: 'ana',
      code_ref: 'abc123',
      started_at: new Date(Date.UTC(2026, 10, 23, 10, minute)).toISOString(),
      ended_at: new Date(Date.UTC(2026, 10, 23, 10, minute, 2)).toISOString(),
      duration_ms: 1500,
      summary,
    },
    events: [],
  };
}

const shadowText = (el: Element, sel: string) =>
  [...el.shadowRoot!.querySelectorAll(sel)].map((n) => n.textContent!.trim());

async function runBadge(c: ScpClient, card: string): Promise<ScpRunBadge> {
  const el = await fixture<ScpRunBadge>(html`<scp-run-badge .client=${c} card=${card}></scp-run-badge>`);
  await el.settled();
  return el;
}

describe('host-declared cards', () => {
  it("shows an adopter's deploy:api run on its api card, and a migrate:* run on the card that declared it", async () => {
    const c = runsClient({ cards: ADOPTER });
    await c.ledger.write({
      runs: [
        run('deploy:api', 1, 'api v2 live'),
        run('migrate:schema', 2, 'schema 42 applied'),
        run('deploy:web', 3, 'web shipped'),
      ],
    });
    const api = await runBadge(c, 'api');
    expect(shadowText(api, '[part="label"]')[0]).to.contain('api v2 live');
    expect(api.shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-label')).to.match(/^Public API: /);
    expect(shadowText(await runBadge(c, 'db'), '[part="label"]')[0]).to.contain('schema 42 applied');
    expect(shadowText(await runBadge(c, 'web'), '[part="label"]')[0]).to.contain('web shipped');

    // A live run spins on its card.
    const handle = await c.runs.start({ type: 'deploy', subtype: 'deploy:api', summary: 'rolling out api v3' });
    await until(
      () => api.shadowRoot!.querySelector('[part="base"]')!.getAttribute('data-state') === 'running',
      'the api badge spins',
    );
    await handle.finish({ status: 'ok', summary: 'api v3 live' });
  });

  it('gives the manager one tab per declared category and the host labels on rows', async () => {
    const c = runsClient({ cards: ADOPTER, policy: 'all', skipUnchanged: false });
    await c.staging.stage('api', { p95: 120 }, { summary: 'p95 120 ms' });
    await c.staging.stage('web', { lcp: 2.1 }, { summary: 'LCP 2.1 s' });
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${c}></scp-audit-manager>`);
    el.show();
    await el.settled();
    await until(() => el.shadowRoot!.querySelectorAll('.row').length === 2, 'two rows');
    expect(shadowText(el, '[role="tab"] .tab-name')).to.deep.equal(['All', 'Backend', 'Frontend', 'Saved']);
    expect(shadowText(el, '[role="tab"] .count')).to.deep.equal(['2', '1', '1']);
    expect(shadowText(el, '.row .card').sort()).to.deep.equal(['Public API', 'Web app']);
    el.shadowRoot!.querySelector<HTMLButtonElement>('[role="tab"][data-tab="category:Frontend"]')!.click();
    await el.updateComplete;
    expect(shadowText(el, '.row .card')).to.deep.equal(['Web app']);
    await expect(el).to.be.accessible();
  });

  it("lists the host's cards in the audit log's card filter, labelled as the host said", async () => {
    const c = runsClient({ cards: ADOPTER });
    const el = await fixture<ScpAuditLog>(html`<scp-audit-log .client=${c}></scp-audit-log>`);
    await el.settled();
    const options = [...el.shadowRoot!.querySelectorAll<HTMLOptionElement>('select[name="card"] option')];
    expect(options.slice(1).map((o) => [o.value, o.textContent!.trim()])).to.deep.equal([
      ['api', 'Public API'],
      ['db', 'Database'],
      ['web', 'Web app'],
    ]);
  });

  it('shows no label the host never gave: without cards, keys show as themselves and the manager has no category tabs', async () => {
    const c = runsClient({ cards: [], policy: 'all', skipUnchanged: false });
    await c.staging.stage('security', { n: 1 }, { summary: 'scan' });
    const badge = await fixture<HTMLElement & { settled(): Promise<void> }>(
      html`<scp-audit-badge .client=${c} card="security"></scp-audit-badge>`,
    );
    await badge.settled();
    expect(badge.shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-label'))
      .to.contain('security')
      .and.not.contain('Security Posture');
    expect((await runBadge(c, 'k8s')).shadowRoot!.querySelector('[part="base"]')!.getAttribute('aria-label')).to.match(
      /^k8s: /,
    );
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${c}></scp-audit-manager>`);
    el.show();
    await el.settled();
    await until(() => el.shadowRoot!.querySelectorAll('.row').length === 1, 'one row');
    expect(shadowText(el, '[role="tab"] .tab-name')).to.deep.equal(['All', 'Saved']);
    expect(shadowText(el, '.row .card')).to.deep.equal(['security']);
    const log = await fixture<ScpAuditLog>(html`<scp-audit-log .client=${c}></scp-audit-log>`);
    await log.settled();
    expect(log.shadowRoot!.querySelectorAll('select[name="card"] option')).to.have.length(1);
  });
});
