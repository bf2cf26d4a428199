import { AuditMeta, AuditSnapshot } from '../schemas/audit.js';
import { RunRecord } from '../schemas/run.js';
import { IdbConnection, META, RUNS, SNAPSHOT_META, SNAPSHOTS } from './idb-connection.js';
import { metaOf, newestFirst, storedAs } from './shared.js';
import type { StagingStore } from './types.js';

/** A damaged record's id for the error, if it still has one, else its place in the list. */
function keyOf(record: unknown, field: string, index: number): string {
  const id = record && typeof record === 'object' ? (record as Record<string, unknown>)[field] : undefined;
  return typeof id === 'string' ? id : `#${index}`;
}

/** The schema this code creates. A newer release raises it (and other tabs then close for it). */
export const IDB_SCHEMA_VERSION = 1;

export interface IdbStagingStoreOptions {
  /** Database name (one per host app). Default `scp-ledger`. */
  dbName?: string;
  /**
   * Transaction durability. `relaxed` lets the browser acknowledge a write before it is flushed
   * to disk (survives a tab crash, not a power cut) and is about twice as fast. Default `default`.
   */
  durability?: 'relaxed' | 'default';
  /** How long to wait for other tabs to let go of an older version before StorageBlockedError. Default 5000 ms. */
  blockedTimeoutMs?: number;
  /** The schema version to open. Default IDB_SCHEMA_VERSION; only a newer schema raises it. */
  version?: number;
}

/**
 * An IndexedDB StagingStore. One connection per store; every call is one transaction, and
 * `writeSnapshots` puts and removes any number of snapshots in a single transaction.
 *
 * Other tabs: when a newer schema version is opened elsewhere we close our connection at once
 * (so that tab is never blocked by us) and the next call reopens; if the database is now newer
 * than this code, calls fail with StorageClosedError asking for a reload. When WE are the newer
 * version and an old tab will not let go, calls fail with StorageBlockedError after
 * `blockedTimeoutMs` instead of waiting forever (the open stays queued and succeeds once the old
 * tab closes).
 */
export function createIdbStagingStore(options: IdbStagingStoreOptions = {}): StagingStore {
  const c = new IdbConnection({
    dbName: options.dbName ?? 'scp-ledger',
    durability: options.durability ?? 'default',
    blockedTimeoutMs: options.blockedTimeoutMs ?? 5000,
    version: options.version ?? IDB_SCHEMA_VERSION,
  });
  return {
    writeSnapshots({ put = [], remove = [] }) {
      return c.transact([SNAPSHOTS, SNAPSHOT_META], 'readwrite', async (tx) => {
        const full = tx.objectStore(SNAPSHOTS);
        const meta = tx.objectStore(SNAPSHOT_META);
        const requests: Promise<unknown>[] = [];
        // If a later put throws (uncloneable value), the earlier requests reject on abort: handled.
        const track = (p: Promise<unknown>) => {
          p.catch(() => undefined);
          requests.push(p);
        };
        for (const id of remove) {
          track(full.delete(id));
          track(meta.delete(id));
        }
        for (const s of put) {
          track(full.put(s));
          track(meta.put(metaOf(s)));
        }
        await Promise.all(requests);
      });
    },
    async getSnapshot(id) {
      const found: unknown = await c.transact([SNAPSHOTS], 'readonly', (tx) => tx.objectStore(SNAPSHOTS).get(id));
      return found === undefined ? undefined : storedAs(AuditSnapshot, found, `${SNAPSHOTS}/${id}`);
    },
    async listSnapshots() {
      const all: unknown[] = await c.transact([SNAPSHOT_META], 'readonly', (tx) =>
        tx.objectStore(SNAPSHOT_META).getAll(),
      );
      return all
        .map((m, i) => storedAs(AuditMeta, m, `${SNAPSHOT_META}/${keyOf(m, 'snapshot_id', i)}`))
        .sort(newestFirst);
    },
    async putRun(live) {
      await c.transact([RUNS], 'readwrite', (tx) => tx.objectStore(RUNS).put(live));
    },
    async getRun(id) {
      const found: unknown = await c.transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).get(id));
      return found === undefined ? undefined : storedAs(RunRecord, found, `${RUNS}/${id}`);
    },
    async listRuns() {
      const all: unknown[] = await c.transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).getAll());
      return all.map((r, i) => storedAs(RunRecord, r, `${RUNS}/${keyOf((r as { run?: unknown })?.run, 'run_id', i)}`));
    },
    async removeRun(id) {
      await c.transact([RUNS], 'readwrite', (tx) => tx.objectStore(RUNS).delete(id));
    },
    getMeta<T = unknown>(key: string) {
      return c.transact([META], 'readonly', (tx) => tx.objectStore(META).get(key) as Promise<T | undefined>);
    },
    async setMeta(key, value) {
      await c.transact([META], 'readwrite', (tx) => tx.objectStore(META).put(value, key));
    },
    async close() {
      c.close();
    },
  };
}
