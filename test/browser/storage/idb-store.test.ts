import { expect } from '@esm-bundle/chai';
import { makeSnapshot, stagingStoreContract } from '../../contract/staging-store.js';
import { createIdbStagingStore } from '../../../src/core/storage/idb.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import type { StagingStore } from '../../../src/core/storage/types.js';

let n = 0;
const freshName = () => `scp-test-${Date.now()}-${++n}-${Math.random().toString(36).slice(2, 8)}`;

stagingStoreContract('memory (Chromium)', () => createMemoryStagingStore());
stagingStoreContract('indexeddb', () => createIdbStagingStore({ dbName: freshName() }));
stagingStoreContract('indexeddb, relaxed durability', () =>
  createIdbStagingStore({ dbName: freshName(), durability: 'relaxed' }),
);

async function rejection(p: Promise<unknown>): Promise<{ code?: string; message?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string };
  }
  throw new Error('expected a rejection, the call succeeded');
}

function rawOpen(
  name: string,
  version: number,
  onVersionChange?: () => void,
): Promise<{ db: IDBDatabase; blocked: boolean }> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    let blocked = false;
    req.onblocked = () => {
      blocked = true;
    };
    req.onupgradeneeded = () => {
      /* an older or newer app's schema: no stores needed for these tests */
    };
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      db.onversionchange = onVersionChange ?? null;
      resolve({ db, blocked });
    };
  });
}

/** Counts IDBDatabase.transaction calls (and the stores each one opens) while `fn` runs. */
async function countTransactions<T>(fn: () => Promise<T>): Promise<{ result: T; stores: string[][] }> {
  const original = IDBDatabase.prototype.transaction;
  const stores: string[][] = [];
  IDBDatabase.prototype.transaction = function (
    this: IDBDatabase,
    names: string | Iterable<string>,
    ...rest: unknown[]
  ) {
    stores.push(typeof names === 'string' ? [names] : [...names]);
    return (original as (...a: unknown[]) => IDBTransaction).call(this, names, ...rest);
  } as typeof original;
  try {
    return { result: await fn(), stores };
  } finally {
    IDBDatabase.prototype.transaction = original;
  }
}

describe('IndexedDB staging store', () => {
  let store: StagingStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('keeps pending snapshots, runs and meta across close and reopen (a page reload)', async () => {
    const dbName = freshName();
    store = createIdbStagingStore({ dbName });
    const s = makeSnapshot({ extra_field: 'kept' });
    await store.writeSnapshots({ put: [s] });
    await store.setMeta('last_saved:security', { content_hash: 'c'.repeat(64) });
    await store.close();
    store = createIdbStagingStore({ dbName });
    expect(await store.getSnapshot(s.snapshot_id)).to.deep.equal(s);
    expect(await store.getMeta('last_saved:security')).to.deep.equal({ content_hash: 'c'.repeat(64) });
  });

  it('writes any number of snapshots, and the removals, in ONE transaction', async () => {
    store = createIdbStagingStore({ dbName: freshName() });
    await store.listSnapshots(); // open the connection outside the count
    const old = makeSnapshot();
    await store.writeSnapshots({ put: [old] });
    const many = Array.from({ length: 200 }, () => makeSnapshot());
    const { stores } = await countTransactions(() => store!.writeSnapshots({ put: many, remove: [old.snapshot_id] }));
    expect(stores.length).to.equal(1);
    expect((await store.listSnapshots()).length).to.equal(200);
  });

  it('lists pending metadata without opening the store that holds data blobs', async () => {
    store = createIdbStagingStore({ dbName: freshName() });
    await store.writeSnapshots({ put: [makeSnapshot({ data: { blob: 'x'.repeat(50_000) } })] });
    const { result, stores } = await countTransactions(() => store!.listSnapshots());
    expect(stores).to.deep.equal([['snapshot_meta']]);
    expect(result.length).to.equal(1);
    expect(result[0]).to.not.have.property('data');
  });

  it('reports a record another release or a hand edit damaged as CorruptEntryError naming it, and keeps it', async () => {
    const dbName = freshName();
    store = createIdbStagingStore({ dbName });
    const good = makeSnapshot();
    await store.writeSnapshots({ put: [good] });
    await store.putRun({
      run: {
        run_id: 'run_ok',
        type: 'build',
        subtype: 'build',
        status: 'running',
        user: 'u',
        code_ref: '',
        summary: '',
        started_at: '2026-12-05T08:00:00.000Z',
      },
      events: [],
    });
    await store.close();
    // Written past the store, as another release or devtools would: a wrong type in each store.
    const { db } = await rawOpen(dbName, 1);
    const tx = db.transaction(['snapshots', 'snapshot_meta', 'runs'], 'readwrite');
    tx.objectStore('snapshots').put({ ...makeSnapshot(), snapshot_id: 'snap_bad', computed_at: 'yesterday' });
    tx.objectStore('snapshot_meta').put({ snapshot_id: 'snap_bad', card_key: 7 });
    tx.objectStore('runs').put({ run: { run_id: 'run_bad', status: 'running' }, events: 'none' });
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
    });
    db.close();

    store = createIdbStagingStore({ dbName });
    const list = await rejection(store.listSnapshots());
    expect(list.code).to.equal('corrupt_entry');
    expect((list as { data?: { path?: string } }).data?.path).to.equal('snapshot_meta/snap_bad');
    const one = await rejection(store.getSnapshot('snap_bad'));
    expect(one.code).to.equal('corrupt_entry');
    expect(one.message).to.contain('snapshots/snap_bad').and.contain('computed_at');
    expect((await rejection(store.getRun('run_bad'))).code).to.equal('corrupt_entry');
    const runs = await rejection(store.listRuns());
    expect((runs as { data?: { path?: string } }).data?.path).to.equal('runs/run_bad');
    // Good records still read, and the damaged ones are left as they were.
    expect(await store.getSnapshot(good.snapshot_id)).to.deep.equal(good);
    expect((await store.getRun('run_ok'))?.run.run_id).to.equal('run_ok');
    await store.writeSnapshots({ remove: ['snap_bad'] });
    expect((await store.listSnapshots()).map((m) => m.snapshot_id)).to.deep.equal([good.snapshot_id]);
  });

  it('closes itself when another tab opens a newer schema version, so that tab is not blocked', async () => {
    const dbName = freshName();
    store = createIdbStagingStore({ dbName });
    await store.writeSnapshots({ put: [makeSnapshot()] });
    const newer = await rawOpen(dbName, 2);
    expect(newer.blocked).to.equal(false);
    expect(newer.db.version).to.equal(2);
    // This code only knows version 1: it must say so rather than hang or corrupt.
    const err = await rejection(store.listSnapshots());
    expect(err.code).to.equal('storage_closed');
    expect(err.message).to.match(/newer version/);
    newer.db.close();
  });

  it('reopens on the next call after giving way to another tab that deleted the database', async () => {
    const dbName = freshName();
    store = createIdbStagingStore({ dbName });
    await store.writeSnapshots({ put: [makeSnapshot()] });
    await new Promise<void>((resolve, reject) => {
      const req = indexedDB.deleteDatabase(dbName);
      req.onblocked = () => reject(new Error('delete was blocked by our open connection'));
      req.onsuccess = () => resolve();
      req.onerror = () => reject(req.error);
    });
    expect(await store.listSnapshots()).to.deep.equal([]);
    const s = makeSnapshot();
    await store.writeSnapshots({ put: [s] });
    expect((await store.getSnapshot(s.snapshot_id))!.snapshot_id).to.equal(s.snapshot_id);
  });

  it('fails with StorageBlockedError after the timeout when an old tab will not let go, then recovers', async () => {
    const dbName = freshName();
    const old = await rawOpen(dbName, 1, () => {
      /* an old tab that ignores versionchange */
    });
    store = createIdbStagingStore({ dbName, version: 2, blockedTimeoutMs: 150 });
    const started = performance.now();
    const err = await rejection(store.listSnapshots());
    expect(err.code).to.equal('storage_blocked');
    expect(performance.now() - started).to.be.below(3000);
    expect((await rejection(store.getMeta('x'))).code).to.equal('storage_blocked');
    old.db.close();
    expect(await store.listSnapshots()).to.deep.equal([]);
  });

  it('turns QuotaExceededError into QuotaError and stores none of the batch', async () => {
    store = createIdbStagingStore({ dbName: freshName() });
    const keep = makeSnapshot();
    await store.writeSnapshots({ put: [keep] });
    const original = IDBObjectStore.prototype.put;
    let calls = 0;
    // The browser refusing the third put, as it does when the origin's quota is used up.
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...args: unknown[]) {
      if (++calls === 3) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return (original as (...a: unknown[]) => IDBRequest).apply(this, args);
    } as typeof original;
    let err: { code?: string };
    try {
      err = await rejection(
        store.writeSnapshots({ put: [makeSnapshot(), makeSnapshot()], remove: [keep.snapshot_id] }),
      );
    } finally {
      IDBObjectStore.prototype.put = original;
    }
    expect(err.code).to.equal('quota_exceeded');
    expect((await store.listSnapshots()).map((m) => m.snapshot_id)).to.deep.equal([keep.snapshot_id]);
  });
});
