// In a browser, the default wiring (pending on IndexedDB, the git ledger in a Worker) settles on
// open the audits a closed tab committed but never cleared from pending: they leave pending, count
// as saved, and stay in the ledger.
import { expect } from '@esm-bundle/chai';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import type { BusEventMap } from '../../../src/core/schemas/events.js';
import { createIdbStagingStore } from '../../../src/core/storage/idb.js';
import { until } from '../../helpers/until.js';

describe('staging: recovery when the client opens (IndexedDB + Worker git ledger)', () => {
  const ledgerName = `reconcile-${crypto.randomUUID()}`;
  const dbName = `scp-reconcile-${crypto.randomUUID()}`;
  const clients: ScpClient[] = [];
  after(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await deleteBrowserGitLedger(ledgerName).catch(() => undefined);
    indexedDB.deleteDatabase(dbName);
  });

  it('audits in the ledger and still pending leave pending when the client opens, counted as saved', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(120_000);
    // The state a tab closed between the ledger commit and clearing pending leaves, made in two
    // steps: scans staged on IndexedDB (by a client whose ledger is elsewhere, so it cannot settle
    // them itself), then the same audits written to the git ledger as a save writes them.
    const stager = createScp({
      channel: false,
      actor: 'ana',
      staging: createIdbStagingStore({ dbName }),
      ledger: createMemoryLedger(),
    });
    const ids: string[] = [];
    for (const card of ['dns', 'tls']) {
      const r = await stager.staging.stage(card, { card, ok: true });
      if (r.staged) ids.push(r.snapshot.snapshot_id);
    }
    expect(ids).to.have.length(2);
    const snapshots = await Promise.all(ids.map((id) => stager.staging.get(id)));
    await stager.close();
    const ledger = await createWorkerGitLedger({ name: ledgerName });
    await ledger.write({
      audits: snapshots.map((s) => ({ ...s, saved_at: new Date().toISOString(), saved_by: 'ana' })),
      actor: 'ana',
    });
    await ledger.close?.();

    const client = createScp({
      channel: false,
      actor: 'ana',
      staging: createIdbStagingStore({ dbName }),
      ledger: () => createWorkerGitLedger({ name: ledgerName }),
    });
    clients.push(client);
    const saved: BusEventMap['audit:saved'][] = [];
    client.bus.on('audit:saved', (e) => saved.push(e));
    await until(
      async () => saved.length === ids.length && (await client.staging.list()).length === 0,
      'the pending audits the ledger holds to leave pending, each as saved',
      60_000,
    );
    expect(saved.map((e) => e.snapshot_id).sort()).to.deep.equal([...ids].sort());
    for (const id of ids) expect((await client.ledger.getAudit(id))?.snapshot_id).to.equal(id);
  });
});
