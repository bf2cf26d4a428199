import type { SavedAudit } from '../schemas/audit.js';
import type { EntryMeta, LedgerPage, LedgerProgress, LedgerQuery } from '../schemas/ledger.js';
import type { RunRecord } from '../schemas/run.js';

export interface LedgerBatch {
  audits?: SavedAudit[];
  runs?: RunRecord[];
  /** Overrides the default commit message. */
  message?: string;
  /** Who is writing (commit author). */
  actor?: string;
}

export interface WriteResult {
  /** The commit (or adapter's version id) that holds the whole batch. */
  commit: string;
  ids: string[];
}

export interface VerifyReport {
  ok: boolean;
  /** Machine-readable reason when not ok: `corrupt_object`, `hash_mismatch`, `path_mismatch`, `history_edited`, `rewrite`, `rollback`, ... */
  reason?: string;
  message?: string;
  /** The first bad commit and/or entry, where known. */
  commit?: string;
  entry?: string;
  head?: string;
  checked: { commits: number; entries: number };
}

export interface SyncResult {
  head: string;
  /** Commits that came from the remote and are new here (each counted once, however many attempts it took). */
  fetched: number;
  /** Commits of ours the remote took. */
  pushed: number;
}

/** Called as a long operation moves along (see LedgerProgress). */
export type ProgressListener = (p: LedgerProgress) => void;

export interface SyncOptions {
  /** Remote URL for this sync (default: the ledger's remote, or the one it last synced with). */
  remote?: string;
  progress?: ProgressListener;
}

export interface VerifyCallOptions {
  progress?: ProgressListener;
}

/**
 * The ledger: an append-only store of saved audits and finished runs.
 * Every adapter passes `test/contract/ledger.ts`.
 */
export interface Ledger {
  /** Write the whole batch atomically (one commit) or nothing; throws LedgerWriteError/ConflictError. */
  write(batch: LedgerBatch): Promise<WriteResult>;
  getAudit(id: string): Promise<SavedAudit | undefined>;
  getRun(id: string): Promise<RunRecord | undefined>;
  /** Newest first, filtered, cursor-paginated. */
  list(query?: LedgerQuery): Promise<LedgerPage>;
  /** Remove a saved audit with an explicit delete commit. Throws NotFoundError if absent. */
  deleteAudit(id: string, options?: { actor?: string; reason?: string }): Promise<WriteResult>;
  /** The current head (commit id), or `undefined` for an empty ledger. */
  head(): Promise<string | undefined>;
  verify?(options?: VerifyCallOptions): Promise<VerifyReport>;
  sync?(options?: SyncOptions): Promise<SyncResult>;
  close?(): Promise<void>;
}
