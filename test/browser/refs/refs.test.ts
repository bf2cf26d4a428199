// Refs in Chromium with the browser defaults: IndexedDB staging (real), the memory ledger, and
// cross-module wiring by createScp. Pending audits resolve and autocomplete from IndexedDB.
import { expect } from '@esm-bundle/chai';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createIdbStagingStore } from '../../../src/core/storage/idb.js';

describe('refs in Chromium (IndexedDB staging)', () => {
  let scp: ScpClient;
  const dbName = `scp-refs-test-${Math.random().toString(36).slice(2)}`;

  beforeEach(() => {
    scp = createScp({
      staging: createIdbStagingStore({ dbName }),
      ledger: createMemoryLedger(),
      channel: false,
      actor: 'alice',
    });
  });
  afterEach(async () => {
    await scp.close();
    await new Promise((resolve) => {
      const r = indexedDB.deleteDatabase(dbName);
      r.onsuccess = r.onerror = r.onblocked = resolve;
    });
  });

  it('resolves a pending audit from IndexedDB, then from the ledger once saved', async () => {
    const staged = await scp.staging.stage('security', { findings: 3 }, { summary: '3 issues' });
    if (!staged.staged) throw new Error('not staged');
    const id = staged.snapshot.snapshot_id;
    const pending = await scp.refs.resolve(`@audit:${id}`);
    expect({ exists: pending.exists, source: pending.source, summary: pending.summary }).to.deep.equal({
      exists: true,
      source: 'pending',
      summary: '3 issues',
    });
    const [suggestion] = await scp.refs.autocomplete('@audit:sec');
    expect(suggestion).to.include({ ref: `@audit:${id}`, section: 'unsaved', label: 'security — 3 issues' });
    await scp.staging.save([id]);
    expect((await scp.refs.resolve(`@audit:${id}`)).source).to.equal('ledger');
    expect((await scp.refs.autocomplete('@audit:sec')).map((s) => s.section)).to.deep.equal(['saved']);
  });

  it('resolves a live run kept in IndexedDB as running, and parses refs typed in a message', async () => {
    const h = await scp.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: 'Rolling out' });
    const text = `Deploying now: @run:${h.id}. Last scan @audit:../etc is not a ref.`;
    const refs = scp.refs.parse(text);
    expect(refs.map((r) => r.raw)).to.deep.equal([`@run:${h.id}`]);
    const live = await scp.refs.resolve(refs[0]!);
    expect({ source: live.source, status: live.status, subtype: live.subtype }).to.deep.equal({
      source: 'live',
      status: 'running',
      subtype: 'deploy:k8s',
    });
    await h.finish({ status: 'ok' });
  });
});
