/**
 * A git ledger whose remote is the ledger of record, for several host instances writing one
 * ledger: a write is committed locally and pushed (compare-and-swap, never forced) before it is
 * answered, so its result names a commit the remote holds. A push that fails takes the local
 * commits back out and fails their writes; nothing is answered as saved that the remote lacks.
 *
 * Writes arriving while a push is under way go out together with the next one (each keeps its
 * own commit), so the remote's round trips are shared instead of queued one per write.
 */
import { LedgerWriteError } from '../../errors/index.js';
import type { LedgerBatch, WriteResult } from '../types.js';
import type { GitLedger } from './git-ledger.js';

export interface RemoteOfRecordOptions {
  /** Reads start a fetch when the last sync is older than this (default 1000 ms). */
  readFreshMs?: number;
  /**
   * A lock shared by every instance writing the remote (PostgreSQL gives an advisory lock): held
   * from the fetch before the local commits to their push, so instances take turns instead of
   * racing the branch. Without it, a push that lost the race is replayed on the remote's head.
   */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Most writes pushed together (default 64). */
  maxGroup?: number;
  now?: () => number;
}

interface Waiting {
  ids: string[];
  change: () => Promise<WriteResult>;
  resolve: (r: WriteResult) => void;
  reject: (e: unknown) => void;
}

export function remoteOfRecord(ledger: GitLedger, options: RemoteOfRecordOptions = {}): GitLedger {
  const freshMs = options.readFreshMs ?? 1000;
  const maxGroup = options.maxGroup ?? 64;
  const now = options.now ?? Date.now;
  const locked = options.lock ?? (<T>(fn: () => Promise<T>) => fn());
  let lastSync = -Infinity;
  let tail: Promise<unknown> = Promise.resolve();
  // One group (or fetch) at a time in this process.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  const waiting: Waiting[] = [];
  let pumping = false;

  async function pushGroup(group: Waiting[]): Promise<void> {
    await locked(async () => {
      // Start from the remote's head, so (with the shared lock) the push needs no replay and
      // every write keeps the commit it was given.
      try {
        await ledger.sync();
      } catch {
        /* the push below tells whether the remote is there */
      }
      const done: { w: Waiting; r: WriteResult }[] = [];
      for (const w of group) {
        try {
          done.push({ w, r: await w.change() });
        } catch (e) {
          w.reject(e);
        }
      }
      if (done.length === 0) return;
      try {
        const synced = await ledger.sync();
        lastSync = now();
        everSynced = true;
        // Replayed (someone pushed without the lock): the head holds every write of the group.
        const kept = synced.head === done.at(-1)!.r.commit;
        for (const { w, r } of done) w.resolve({ commit: kept ? r.commit : synced.head, ids: r.ids });
      } catch (e) {
        await ledger.dropUnpushed().catch(() => undefined);
        for (const { w } of done) {
          w.reject(
            new LedgerWriteError(
              `The ledger's remote did not take the change (${(e as Error).message}); nothing was saved: try again`,
              { data: { ids: w.ids }, cause: e },
            ),
          );
        }
      }
    });
  }

  function pump(): void {
    if (pumping) return;
    pumping = true;
    void serial(async () => {
      while (waiting.length) {
        const group = waiting.splice(0, maxGroup);
        try {
          await pushGroup(group);
        } catch (e) {
          for (const w of group) w.reject(e);
        }
      }
    }).finally(() => {
      pumping = false;
      if (waiting.length) pump();
    });
  }

  function published(ids: string[], change: () => Promise<WriteResult>): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      waiting.push({ ids, change, resolve, reject });
      pump();
    });
  }

  // Reads never queue behind pushes: a stale clone starts a fetch in the background and answers
  // from what it has (only the very first read waits for one). A failed fetch leaves reads on
  // what this instance has (the remote may be briefly away).
  let refreshing: Promise<void> | undefined;
  let everSynced = false;
  async function fresh(): Promise<void> {
    if (now() - lastSync < freshMs) return;
    refreshing ??= serial(async () => {
      await ledger.sync();
      lastSync = now();
      everSynced = true;
    })
      .catch(() => undefined)
      .finally(() => {
        refreshing = undefined;
      });
    if (!everSynced) await refreshing;
  }

  return {
    ...ledger,
    async write(batch: LedgerBatch) {
      const ids = [...(batch.audits ?? []).map((a) => a.snapshot_id), ...(batch.runs ?? []).map((r) => r.run.run_id)];
      return published(ids, () => ledger.write(batch));
    },
    async deleteAudit(id, o) {
      return published([id], () => ledger.deleteAudit(id, o));
    },
    async getAudit(id) {
      await fresh();
      return ledger.getAudit(id);
    },
    async getRun(id) {
      await fresh();
      return ledger.getRun(id);
    },
    async list(q) {
      await fresh();
      return ledger.list(q);
    },
    async head() {
      await fresh();
      return ledger.head();
    },
    async sync(o) {
      return serial(async () => {
        const r = await ledger.sync(o);
        lastSync = now();
        return r;
      });
    },
  };
}
