/**
 * A git ledger whose remote is the ledger of record, for several host instances writing one
 * ledger: every write is committed locally, then synced (fetch, replay on the remote's head,
 * compare-and-swap push, never forced) before it is answered, so a write's result names the
 * commit the remote holds. A write whose push fails is taken back out of the local branch and
 * fails; nothing is answered as saved that the remote does not have.
 */
import { LedgerWriteError } from '../../errors/index.js';
import type { LedgerBatch, WriteResult } from '../types.js';
import type { GitLedger } from './git-ledger.js';

export interface RemoteOfRecordOptions {
  /** Reads fetch first when the last sync is older than this (default 1000 ms; 0 = every read). */
  readFreshMs?: number;
  now?: () => number;
}

export function remoteOfRecord(ledger: GitLedger, options: RemoteOfRecordOptions = {}): GitLedger {
  const freshMs = options.readFreshMs ?? 1000;
  const now = options.now ?? Date.now;
  let lastSync = -Infinity;
  let tail: Promise<unknown> = Promise.resolve();
  // One change at a time: after a change's sync, the branch tip is that change's commit.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };

  async function published(ids: string[], change: () => Promise<WriteResult>): Promise<WriteResult> {
    return serial(async () => {
      const local = await change();
      try {
        const synced = await ledger.sync();
        lastSync = now();
        return { commit: synced.head, ids: local.ids };
      } catch (e) {
        await ledger.dropUnpushed().catch(() => undefined);
        throw new LedgerWriteError(`The ledger's remote did not take the change (${(e as Error).message}); nothing was saved: try again`, { data: { ids }, cause: e });
      }
    });
  }

  let refreshing: Promise<void> | undefined;
  async function fresh(): Promise<void> {
    if (now() - lastSync < freshMs) return;
    // A failed fetch leaves reads on what this instance has (the remote may be briefly away).
    refreshing ??= serial(async () => { await ledger.sync(); lastSync = now(); }).catch(() => undefined).finally(() => { refreshing = undefined; });
    await refreshing;
  }

  return {
    ...ledger,
    async write(batch: LedgerBatch) {
      const ids = [...(batch.audits ?? []).map((a) => a.snapshot_id), ...(batch.runs ?? []).map((r) => r.run.run_id)];
      return published(ids, () => ledger.write(batch));
    },
    async deleteAudit(id, o) { return published([id], () => ledger.deleteAudit(id, o)); },
    async getAudit(id) { await fresh(); return ledger.getAudit(id); },
    async getRun(id) { await fresh(); return ledger.getRun(id); },
    async list(q) { await fresh(); return ledger.list(q); },
    async head() { await fresh(); return ledger.head(); },
    async sync(o) { return serial(async () => { const r = await ledger.sync(o); lastSync = now(); return r; }); },
  };
}
