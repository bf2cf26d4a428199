import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { QuotaError, ScpError, StorageBlockedError, StorageClosedError } from '../errors/index.js';
import type { AuditMeta, AuditSnapshot } from '../schemas/audit.js';
import { metaOf, newestFirst, notStorable } from './shared.js';
import type { LiveRun, StagingStore } from './types.js';

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

// Full snapshots (with `data`) and their metadata live in separate stores, so listing 10,000
// pending snapshots reads only the small records and never a data blob.
const SNAPSHOTS = 'snapshots';
const SNAPSHOT_META = 'snapshot_meta';
const RUNS = 'runs';
const META = 'meta';
type StoreName = typeof SNAPSHOTS | typeof SNAPSHOT_META | typeof RUNS | typeof META;

function createStores(db: IDBPDatabase): void {
  for (const name of [SNAPSHOTS, SNAPSHOT_META]) {
    if (db.objectStoreNames.contains(name)) continue;
    const s = db.createObjectStore(name, { keyPath: 'snapshot_id' });
    s.createIndex('card_key', 'card_key');
    s.createIndex('computed_at', 'computed_at');
  }
  if (!db.objectStoreNames.contains(RUNS)) db.createObjectStore(RUNS, { keyPath: 'run.run_id' });
  if (!db.objectStoreNames.contains(META)) db.createObjectStore(META);
}

function errorName(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'name' in e ? String((e as { name: unknown }).name) : undefined;
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
  const dbName = options.dbName ?? 'scp-ledger';
  const durability = options.durability ?? 'default';
  const blockedTimeoutMs = options.blockedTimeoutMs ?? 5000;
  const version = options.version ?? IDB_SCHEMA_VERSION;
  const where = { data: { store: `indexeddb:${dbName}` } };

  let db: IDBPDatabase | undefined;
  let opening: Opening | undefined;
  let closed = false;
  let replacedBy: number | undefined;

  const closedError = (why: string, cause?: unknown) =>
    new StorageClosedError(`The pending-audit database "${dbName}" is closed: ${why}`, {
      ...where,
      ...(cause !== undefined && { cause }),
    });

  function mapError(e: unknown): unknown {
    if (e instanceof ScpError) return e;
    switch (errorName(e)) {
      case 'QuotaExceededError':
        return new QuotaError(
          `The browser refused to store more pending audits in "${dbName}" (storage quota exceeded). Save or discard pending audits, or free this site's storage, then try again.`,
          { ...where, cause: e },
        );
      case 'DataCloneError':
        return notStorable('a pending record', e);
      case 'VersionError':
        return closedError('another tab opened a newer version of this app. Reload this page to continue.', e);
      case 'InvalidStateError':
      case 'AbortError':
        return closedError(
          replacedBy
            ? 'another tab is upgrading it. Reload this page to continue.'
            : 'the connection was closed while in use. Try again.',
          e,
        );
      default:
        return e;
    }
  }

  interface Opening {
    ready: Promise<IDBPDatabase>;
    blocked: boolean;
    onBlocked: Set<() => void>;
    db?: IDBPDatabase;
  }

  /** Forget a connection (closed by us for another tab, or by the browser); the next call reopens. */
  function drop(attempt: Opening): void {
    if (opening === attempt) opening = undefined;
    if (attempt.db && db === attempt.db) db = undefined;
  }

  function open(): Opening {
    const attempt: Opening = { blocked: false, onBlocked: new Set(), ready: undefined as never };
    attempt.ready = openDB(dbName, version, {
      upgrade: (d) => createStores(d),
      blocked: () => {
        attempt.blocked = true;
        for (const fn of attempt.onBlocked) fn();
      },
      // A newer version wants in: get out of its way now, reopen on the next call.
      blocking: (_current, newer) => {
        replacedBy = newer ?? undefined;
        drop(attempt);
        attempt.db?.close();
      },
      terminated: () => drop(attempt),
    }).then(
      (d) => {
        attempt.db = d;
        if (closed) {
          d.close();
          throw closedError('close() was called.');
        }
        if (opening === attempt) db = d;
        return d;
      },
      (e) => {
        if (opening === attempt) opening = undefined;
        throw mapError(e);
      },
    );
    attempt.ready.catch(() => undefined);
    return attempt;
  }

  async function connection(): Promise<IDBPDatabase> {
    if (closed) throw closedError('close() was called. Create a new store to keep using it.');
    if (db) return db;
    opening ??= open();
    const attempt = opening;
    // Each call waits at most blockedTimeoutMs once the open is blocked; the open itself stays
    // queued, so a later call succeeds as soon as the old tab lets go.
    return new Promise<IDBPDatabase>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const startTimer = () => {
        timer = setTimeout(
          () =>
            reject(
              new StorageBlockedError(
                `The pending-audit database "${dbName}" cannot be upgraded to version ${version}: another tab still has an older version open. Close or reload the other tabs of this app.`,
                where,
              ),
            ),
          blockedTimeoutMs,
        );
      };
      if (attempt.blocked) startTimer();
      else attempt.onBlocked.add(startTimer);
      attempt.ready.then(resolve, reject).finally(() => {
        attempt.onBlocked.delete(startTimer);
        clearTimeout(timer);
      });
    });
  }

  async function transact<T, M extends IDBTransactionMode>(
    stores: StoreName[],
    mode: M,
    body: (tx: IDBPTransaction<unknown, StoreName[], M>) => Promise<T>,
  ): Promise<T> {
    const d = await connection();
    let tx: IDBPTransaction<unknown, StoreName[], M>;
    try {
      tx = d.transaction(stores, mode, { durability });
    } catch (e) {
      throw mapError(e);
    }
    tx.done.catch(() => undefined);
    try {
      const result = await body(tx);
      await tx.done;
      return result;
    } catch (e) {
      // A quota failure surfaces as the transaction's error, the requests only see AbortError.
      const txError = tx.error;
      try {
        tx.abort();
      } catch {
        /* already finished or aborted */
      }
      throw mapError(txError ?? e);
    }
  }

  return {
    writeSnapshots({ put = [], remove = [] }) {
      return transact([SNAPSHOTS, SNAPSHOT_META], 'readwrite', async (tx) => {
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
    getSnapshot(id) {
      return transact(
        [SNAPSHOTS],
        'readonly',
        (tx) => tx.objectStore(SNAPSHOTS).get(id) as Promise<AuditSnapshot | undefined>,
      );
    },
    async listSnapshots() {
      const all = await transact(
        [SNAPSHOT_META],
        'readonly',
        (tx) => tx.objectStore(SNAPSHOT_META).getAll() as Promise<AuditMeta[]>,
      );
      return all.sort(newestFirst);
    },
    async putRun(live) {
      await transact([RUNS], 'readwrite', (tx) => tx.objectStore(RUNS).put(live));
    },
    getRun(id) {
      return transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).get(id) as Promise<LiveRun | undefined>);
    },
    listRuns() {
      return transact([RUNS], 'readonly', (tx) => tx.objectStore(RUNS).getAll() as Promise<LiveRun[]>);
    },
    async removeRun(id) {
      await transact([RUNS], 'readwrite', (tx) => tx.objectStore(RUNS).delete(id));
    },
    getMeta<T = unknown>(key: string) {
      return transact([META], 'readonly', (tx) => tx.objectStore(META).get(key) as Promise<T | undefined>);
    },
    async setMeta(key, value) {
      await transact([META], 'readwrite', (tx) => tx.objectStore(META).put(value, key));
    },
    async close() {
      closed = true;
      const d = db;
      db = undefined;
      opening = undefined;
      d?.close();
    },
  };
}
