import { expect } from '@esm-bundle/chai';
import { createEventBus, type EventBus } from '../../../src/core/events/bus.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';
import { createStaging } from '../../../src/core/staging/staging.js';
import type { StageResult, Staging } from '../../../src/core/staging/types.js';
import { createIdbStagingStore } from '../../../src/core/storage/idb.js';
import type { StagingStore } from '../../../src/core/storage/types.js';

const AWS = 'AKIA' + 'IOSFODNN7EXAMPLE';
let n = 0;
const freshName = () => `scp-staging-test-${Date.now()}-${++n}`;

function readRaw(dbName: string, storeName: string): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName);
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const get = db.transaction(storeName).objectStore(storeName).getAll();
      get.onsuccess = () => {
        db.close();
        resolve(get.result);
      };
      get.onerror = () => {
        db.close();
        reject(get.error);
      };
    };
  });
}

function stagedId(r: StageResult): string {
  if (!r.staged) throw new Error(`not staged: ${r.reason}`);
  return r.snapshot.snapshot_id;
}

describe('staging on IndexedDB', () => {
  const opened: { store: StagingStore; bus: EventBus }[] = [];
  const ledger = createMemoryLedger();
  function tab(dbName: string, channel: string | false = false): Staging {
    const store = createIdbStagingStore({ dbName });
    const bus = createEventBus({ channel });
    opened.push({ store, bus });
    return createStaging({ store, ledger, bus, redactor: createRedactor(), actor: () => 'ana' });
  }
  afterEach(async () => {
    for (const { store, bus } of opened.splice(0)) {
      bus.close();
      await store.close();
    }
  });

  it('stores only redacted data: the raw database never holds the secret', async () => {
    const dbName = freshName();
    const staging = tab(dbName);
    await staging.stage('env', { AWS_KEY: AWS, db: { password: 'hunter2' } }, { summary: `key ${AWS}` });
    const raw = JSON.stringify([await readRaw(dbName, 'snapshots'), await readRaw(dbName, 'snapshot_meta')]);
    expect(raw).to.not.contain(AWS);
    expect(raw).to.not.contain('hunter2');
    expect(raw).to.contain('[REDACTED:aws_access_key]');
  });

  it('keeps pending snapshots across a reload, and saves them from the new page', async () => {
    const dbName = freshName();
    const first = tab(dbName);
    const id = stagedId(await first.stage('security', { issues: [1, 2] }));
    await opened[0]!.store.close();
    const second = tab(dbName);
    expect((await second.list()).map((m) => m.snapshot_id)).to.deep.equal([id]);
    expect((await second.get(id)).data).to.deep.equal({ issues: [1, 2] });
    const res = await second.save([id]);
    expect(res.saved).to.deep.equal([id]);
    expect({ ...(await second.counts()) }).to.deep.equal({});
    expect((await ledger.getAudit(id))!.saved_by).to.equal('ana');
  });

  it('skips an unchanged scan after a reload, from the last-saved record in IndexedDB', async () => {
    const dbName = freshName();
    const first = tab(dbName);
    const id = stagedId(await first.stage('dns', { records: ['a', 'b', 'c'] }));
    await first.save([id]);
    const second = tab(dbName);
    expect(await second.stage('dns', { records: ['a', 'b', 'c'] })).to.deep.equal({
      staged: false,
      reason: 'unchanged',
      card_key: 'dns',
    });
  });

  it('tells another tab about pending, saved and discarded audits', async () => {
    const dbName = freshName();
    const channel = `scp-staging-test-${Date.now()}`;
    const a = tab(dbName, channel);
    tab(dbName, channel);
    const seen: { name: string; id: unknown; remote: boolean }[] = [];
    opened[1]!.bus.onAny((name, payload, meta) =>
      seen.push({ name, id: (payload as { snapshot_id?: string }).snapshot_id, remote: meta.remote }),
    );
    const one = stagedId(await a.stage('git', { n: 1 }));
    const two = stagedId(await a.stage('k8s', { n: 1 }));
    await a.save([one]);
    await a.discard([two]);
    const deadline = Date.now() + 2000;
    while (seen.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(seen).to.deep.equal([
      { name: 'audit:pending', id: one, remote: true },
      { name: 'audit:pending', id: two, remote: true },
      { name: 'audit:saved', id: one, remote: true },
      { name: 'audit:discarded', id: two, remote: true },
    ]);
  });

  it('two tabs saving the same audit at once write it to the ledger once (Web Lock)', async () => {
    const dbName = freshName();
    const a = tab(dbName);
    const b = tab(dbName);
    const id = stagedId(await a.stage('pages', { site: 'up' }));
    const before = ledger.log().length;
    const results = await Promise.allSettled([a.save([id]), b.save([id])]);
    expect(results.map((r) => r.status).sort()).to.deep.equal(['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(failed.reason.code).to.equal('not_found');
    expect(failed.reason.message).to.contain('may have been saved or discarded in another tab');
    expect(ledger.log().length - before).to.equal(1);
  });

  it('stages a batch of 200 with stageMany and lists them all', async () => {
    const store = createIdbStagingStore({ dbName: freshName() });
    const bus = createEventBus({ channel: false });
    opened.push({ store, bus });
    const staging = createStaging({ store, ledger, bus, redactor: createRedactor(), policy: 'all' });
    const results = await staging.stageMany(
      Array.from({ length: 200 }, (_, i) => ({ card_key: 'security', result: { i, token: 't' } })),
    );
    expect(results.every((r) => r.staged)).to.equal(true);
    expect((await staging.counts()).security).to.equal(200);
  });
});
