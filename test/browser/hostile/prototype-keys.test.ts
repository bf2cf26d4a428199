// Card keys named like Object.prototype members, end to end through the real elements in
// Chromium: stage → badge → manager → save → audit log → export.
import type { CardSpec } from '../../../src/core/cards.js';
import { expect, html } from '@open-wc/testing';
import '../../../src/elements/audit-badge/scp-audit-badge.js';
import '../../../src/elements/audit-log/scp-audit-log.js';
import '../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpAuditBadge } from '../../../src/elements/audit-badge/audit-badge.js';
import type { ScpAuditLog } from '../../../src/elements/audit-log/audit-log.js';
import type { ScpAuditManager } from '../../../src/elements/audit-manager/audit-manager.js';
import { closeClients, memoryClient, mount, until } from '../elements/internal/fixtures.js';

const KEYS = [
  'constructor',
  '__proto__',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'isPrototypeOf',
  '__defineGetter__',
  'propertyIsEnumerable',
];

const rowsOf = (el: ScpAuditManager) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('.row')];

describe('hostile input: card keys named like Object.prototype members', () => {
  afterEach(closeClients);

  for (const key of KEYS) {
    it(`"${key}" is counted, labelled, saved, logged and exported like any card`, async () => {
      const client = memoryClient();
      await client.staging.stage(key, { n: 1 }, { summary: `${key} first` });
      await client.staging.stage(key, { n: 2 }, { summary: `${key} second` });
      await client.staging.stage('security', { n: 3 }, { summary: 'security scan' });
      expect(client.cardLabel(key)).to.equal(key);

      const wrapper = await mount<HTMLDivElement>(html`<div>
        <scp-audit-badge card=${key} .client=${client}></scp-audit-badge>
        <scp-audit-badge .client=${client}></scp-audit-badge>
        <scp-audit-badge card="security" .client=${client}></scp-audit-badge>
        <scp-audit-badge card="nothing-here" .client=${client}></scp-audit-badge>
      </div>`);
      const [own, all, other, none] = [...wrapper.querySelectorAll<ScpAuditBadge>('scp-audit-badge')];
      for (const b of [own!, all!, other!, none!]) await b.settled();
      expect([own!.count, all!.count, other!.count, none!.count]).to.deep.equal([2, 3, 1, 0]);
      expect(own!.shadowRoot!.querySelector('[part="count"]')!.textContent).to.equal('2');
      expect(own!.shadowRoot!.querySelector('button')!.getAttribute('aria-label')).to.contain(key);

      // The manager, opened on that card: its rows carry the key as their label.
      const manager = await mount<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
      manager.show(key);
      await manager.settled();
      const rows = rowsOf(manager);
      expect(rows).to.have.length(2);
      expect(rows.map((r) => r.querySelector('.card')!.textContent)).to.deep.equal([key, key]);
      expect(manager.shadowRoot!.querySelector('#title, h2')!.textContent).to.contain(key);

      // Save both through the manager's own controls.
      const selectAll = manager.shadowRoot!.querySelector<HTMLInputElement>('label input[type="checkbox"]')!;
      if (!selectAll.checked) {
        selectAll.click();
        await manager.updateComplete;
      }
      manager.shadowRoot!.querySelector<HTMLButtonElement>('footer button.primary')!.click();
      await until(async () => (await client.ledger.list({ kind: 'audit' })).entries.length === 2, 'saved');
      await own!.settled();
      await all!.settled();
      expect([own!.count, all!.count]).to.deep.equal([0, 1]);
      const saved = (await client.ledger.list({ kind: 'audit', card: key })).entries;
      expect(saved.map((e) => e.card_key)).to.deep.equal([key, key]);

      // The audit log, filtered to the card, and its export in both dialects.
      const log = await mount<ScpAuditLog>(html`<scp-audit-log card=${key} .client=${client}></scp-audit-log>`);
      await log.settled();
      const logRows = [...log.shadowRoot!.querySelectorAll('tr[part="row"]')];
      expect(logRows).to.have.length(2);
      for (const r of logRows) expect(r.querySelectorAll('td')[3]!.textContent!.trim()).to.equal(key);
      for (const separator of [',', ';'] as const) {
        log.csvSeparator = separator;
        const lines = (await log.exportText('csv')).trim().split('\r\n');
        expect(lines).to.have.length(3);
        for (const line of lines.slice(1)) {
          const cells = line.split(separator);
          expect(cells[5], line).to.equal(key); // target
          expect(cells[6], line).to.equal(key); // card
        }
      }
      const jsonl = (await log.exportText('jsonl'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { card_key: string });
      expect(jsonl.map((e) => e.card_key)).to.deep.equal([key, key]);
    });
  }

  it('host-given labels apply only to their own keys', async () => {
    const client = memoryClient({ cards: [{ key: 'security', label: 'Sec' }] });
    expect(KEYS.map((k) => client.cardLabel(k))).to.deep.equal(KEYS);
    expect(client.cardLabel('security')).to.equal('Sec');
    const labelled = memoryClient({
      cards: JSON.parse(
        '[{"key":"__proto__","label":"Proto card"},{"key":"constructor","label":"Ctor card","__proto__":{"label":"x"}}]',
      ) as CardSpec[],
    });
    expect(labelled.cardLabel('__proto__')).to.equal('Proto card');
    expect(labelled.cardLabel('constructor')).to.equal('Ctor card');
    expect(labelled.cardLabel('toString')).to.equal('toString');
  });
});
