import { expect, fixture, html } from '@open-wc/testing';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';
import { closeClients, memoryClient } from '../internal/fixtures.js';
import { q, stageAll } from './helpers.js';

// show() is a public method: called at any moment (while the view loads, right after a close,
// between saves and discards on a busy page) the manager must end up open.
const dialogOf = (el: ScpAuditManager) => q<HTMLDialogElement>(el, 'dialog')!;
const nextTask = () => new Promise((r) => setTimeout(r, 0));
/** Holds the main thread like a slow device would. */
const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* busy */
  }
};

describe('<scp-audit-manager> show()', () => {
  afterEach(closeClients);

  it('stays open when show() comes right after a close, before the dialog has fired its close event', async () => {
    const client = memoryClient();
    await stageAll(client, [['security', '3 issues']]);
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    el.show();
    await el.settled();
    expect(dialogOf(el).open).to.equal(true);
    el.close();
    await el.updateComplete; // the native dialog is closed; its close event is still queued
    el.show();
    await el.settled();
    await nextTask();
    await nextTask();
    await el.settled();
    expect(el.open, 'the host property').to.equal(true);
    expect(dialogOf(el).open, 'the native dialog').to.equal(true);
  });

  it('opens every time over 200 show()/close() cycles with stages, saves and discards in between on a slow main thread', async () => {
    const client = memoryClient();
    const cards = ['security', 'k8s', 'dns', 'api', 'ssl', 'backup', 'deps', 'cost', 'logs', 'perf', 'net', 'auth'];
    await stageAll(
      client,
      cards.map((c, i) => [c, `${i} findings`] as [string, string]),
    );
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const failures: string[] = [];
    const background: Promise<unknown>[] = [];
    for (let i = 0; i < 200; i++) {
      const card = rand(3) === 0 ? undefined : cards[rand(cards.length)];
      // Work the page does meanwhile, not awaited: a new scan, a save, a discard.
      const work = rand(4);
      if (work === 0)
        background.push(client.staging.stage(cards[rand(cards.length)]!, { n: i }, { summary: `scan ${i}` }));
      if (work === 1 || work === 2) {
        const pending = await client.staging.list();
        const id = pending[rand(Math.max(1, pending.length))]?.snapshot_id;
        if (id)
          background.push(
            (work === 1 ? client.staging.save([id]) : client.staging.discard([id])).catch(() => undefined),
          );
      }
      el.show(card);
      spin(rand(6));
      for (let t = rand(3); t > 0; t--) await nextTask();
      await el.settled();
      await nextTask();
      await el.settled();
      if (!el.open || !dialogOf(el).open) failures.push(`cycle ${i}: open ${el.open}, dialog ${dialogOf(el).open}`);
      el.close();
      if (rand(2)) await el.updateComplete;
    }
    await Promise.all(background);
    expect(failures).to.deep.equal([]);
  });
});
