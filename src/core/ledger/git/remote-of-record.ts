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

/** The state of one remote-of-record ledger: the writes waiting for a push, and when it last synced. */
class Publisher {
  private readonly freshMs: number;
  private readonly maxGroup: number;
  private readonly now: () => number;
  private readonly locked: <T>(fn: () => Promise<T>) => Promise<T>;
  private lastSync = -Infinity;
  private everSynced = false;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly waiting: Waiting[] = [];
  private pumping = false;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly ledger: GitLedger,
    options: RemoteOfRecordOptions,
  ) {
    this.freshMs = options.readFreshMs ?? 1000;
    this.maxGroup = options.maxGroup ?? 64;
    this.now = options.now ?? Date.now;
    this.locked = options.lock ?? (<T>(fn: () => Promise<T>) => fn());
  }

  /** One group (or fetch) at a time in this process. */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  synced(): void {
    this.lastSync = this.now();
    this.everSynced = true;
  }

  /** After a sync the caller asked for itself (it does not count as the first sync reads wait for). */
  syncedByCaller(): void {
    this.lastSync = this.now();
  }

  /** Runs `change` (a local commit) in the next group and answers once the remote holds it. */
  published(ids: string[], change: () => Promise<WriteResult>): Promise<WriteResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ ids, change, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    void this.serial(async () => {
      while (this.waiting.length) {
        const group = this.waiting.splice(0, this.maxGroup);
        try {
          await this.pushGroup(group);
        } catch (e) {
          for (const w of group) w.reject(e);
        }
      }
    }).finally(() => {
      this.pumping = false;
      if (this.waiting.length) this.pump();
    });
  }

  private async pushGroup(group: Waiting[]): Promise<void> {
    const { ledger } = this;
    await this.locked(async () => {
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
        this.synced();
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

  // Reads never queue behind pushes: a stale clone starts a fetch in the background and answers
  // from what it has (only the very first read waits for one). A failed fetch leaves reads on
  // what this instance has (the remote may be briefly away).
  async fresh(): Promise<void> {
    if (this.now() - this.lastSync < this.freshMs) return;
    this.refreshing ??= this.serial(async () => {
      await this.ledger.sync();
      this.synced();
    })
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = undefined;
      });
    if (!this.everSynced) await this.refreshing;
  }
}

export function remoteOfRecord(ledger: GitLedger, options: RemoteOfRecordOptions = {}): GitLedger {
  const pub = new Publisher(ledger, options);
  return {
    ...ledger,
    async write(batch: LedgerBatch) {
      const ids = [...(batch.audits ?? []).map((a) => a.snapshot_id), ...(batch.runs ?? []).map((r) => r.run.run_id)];
      return pub.published(ids, () => ledger.write(batch));
    },
    async deleteAudit(id, o) {
      return pub.published([id], () => ledger.deleteAudit(id, o));
    },
    async getAudit(id) {
      await pub.fresh();
      return ledger.getAudit(id);
    },
    async getRun(id) {
      await pub.fresh();
      return ledger.getRun(id);
    },
    async list(q) {
      await pub.fresh();
      return ledger.list(q);
    },
    async head() {
      await pub.fresh();
      return ledger.head();
    },
    async sync(o) {
      return pub.serial(async () => {
        const r = await ledger.sync(o);
        pub.syncedByCaller();
        return r;
      });
    },
  };
}
