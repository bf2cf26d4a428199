// The IndexedDB staging store's connection: opening (and reopening after another tab's upgrade),
// a bounded wait while an older tab blocks an upgrade, one transaction per call, and the browser's
// errors said as ScpErrors.
import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { QuotaError, ScpError, StorageBlockedError, StorageClosedError } from '../errors/index.js';
import { notStorable } from './shared.js';

// Full snapshots (with `data`) and their metadata live in separate stores, so listing 10,000
// pending snapshots reads only the small records and never a data blob.
export const SNAPSHOTS = 'snapshots';
export const SNAPSHOT_META = 'snapshot_meta';
export const RUNS = 'runs';
export const META = 'meta';
export type StoreName = typeof SNAPSHOTS | typeof SNAPSHOT_META | typeof RUNS | typeof META;

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

interface Opening {
  ready: Promise<IDBPDatabase>;
  blocked: boolean;
  onBlocked: Set<() => void>;
  db?: IDBPDatabase;
}

export interface IdbConnectionOptions {
  dbName: string;
  version: number;
  durability: 'relaxed' | 'default';
  blockedTimeoutMs: number;
}

export class IdbConnection {
  private db: IDBPDatabase | undefined;
  private opening: Opening | undefined;
  private closed = false;
  private replacedBy: number | undefined;
  private readonly where: { data: { store: string } };

  constructor(private readonly o: IdbConnectionOptions) {
    this.where = { data: { store: `indexeddb:${o.dbName}` } };
  }

  private closedError(why: string, cause?: unknown): StorageClosedError {
    return new StorageClosedError(`The pending-audit database "${this.o.dbName}" is closed: ${why}`, {
      ...this.where,
      ...(cause !== undefined && { cause }),
    });
  }

  private mapError(e: unknown): unknown {
    if (e instanceof ScpError) return e;
    switch (errorName(e)) {
      case 'QuotaExceededError':
        return new QuotaError(
          `The browser refused to store more pending audits in "${this.o.dbName}" (storage quota exceeded). Save or discard pending audits, or free this site's storage, then try again.`,
          { ...this.where, cause: e },
        );
      case 'DataCloneError':
        return notStorable('a pending record', e);
      case 'VersionError':
        return this.closedError('another tab opened a newer version of this app. Reload this page to continue.', e);
      case 'InvalidStateError':
      case 'AbortError':
        return this.closedError(
          this.replacedBy
            ? 'another tab is upgrading it. Reload this page to continue.'
            : 'the connection was closed while in use. Try again.',
          e,
        );
      default:
        return e;
    }
  }

  /** Forget a connection (closed by us for another tab, or by the browser); the next call reopens. */
  private drop(attempt: Opening): void {
    if (this.opening === attempt) this.opening = undefined;
    if (attempt.db && this.db === attempt.db) this.db = undefined;
  }

  private open(): Opening {
    const attempt: Opening = { blocked: false, onBlocked: new Set(), ready: undefined as never };
    attempt.ready = openDB(this.o.dbName, this.o.version, {
      upgrade: (d) => createStores(d),
      blocked: () => {
        attempt.blocked = true;
        for (const fn of attempt.onBlocked) fn();
      },
      // A newer version wants in: get out of its way now, reopen on the next call.
      blocking: (_current, newer) => {
        this.replacedBy = newer ?? undefined;
        this.drop(attempt);
        attempt.db?.close();
      },
      terminated: () => this.drop(attempt),
    }).then(
      (d) => {
        attempt.db = d;
        if (this.closed) {
          d.close();
          throw this.closedError('close() was called.');
        }
        if (this.opening === attempt) this.db = d;
        return d;
      },
      (e) => {
        if (this.opening === attempt) this.opening = undefined;
        throw this.mapError(e);
      },
    );
    attempt.ready.catch(() => undefined);
    return attempt;
  }

  private async connection(): Promise<IDBPDatabase> {
    if (this.closed) throw this.closedError('close() was called. Create a new store to keep using it.');
    if (this.db) return this.db;
    this.opening ??= this.open();
    const attempt = this.opening;
    // Each call waits at most blockedTimeoutMs once the open is blocked; the open itself stays
    // queued, so a later call succeeds as soon as the old tab lets go.
    return new Promise<IDBPDatabase>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const startTimer = () => {
        timer = setTimeout(
          () =>
            reject(
              new StorageBlockedError(
                `The pending-audit database "${this.o.dbName}" cannot be upgraded to version ${this.o.version}: another tab still has an older version open. Close or reload the other tabs of this app.`,
                this.where,
              ),
            ),
          this.o.blockedTimeoutMs,
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

  /** Runs `body` in one transaction over `stores`; the browser's errors come out as ScpErrors. */
  async transact<T, M extends IDBTransactionMode>(
    stores: StoreName[],
    mode: M,
    body: (tx: IDBPTransaction<unknown, StoreName[], M>) => Promise<T>,
  ): Promise<T> {
    const d = await this.connection();
    let tx: IDBPTransaction<unknown, StoreName[], M>;
    try {
      tx = d.transaction(stores, mode, { durability: this.o.durability });
    } catch (e) {
      throw this.mapError(e);
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
      throw this.mapError(txError ?? e);
    }
  }

  close(): void {
    this.closed = true;
    const d = this.db;
    this.db = undefined;
    this.opening = undefined;
    d?.close();
  }
}
