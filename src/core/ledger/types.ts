import type { ActionEntry } from '../schemas/action.js';
import type { SavedAudit } from '../schemas/audit.js';
import type { LedgerPage, LedgerProgress, LedgerQuery } from '../schemas/ledger.js';
import type { RunRecord } from '../schemas/run.js';

export interface LedgerBatch {
  audits?: SavedAudit[];
  runs?: RunRecord[];
  /** Discards and deletes (a delete is written by `deleteAudit`, in the same commit as the removal). */
  actions?: ActionEntry[];
  /** Overrides the default commit message. */
  message?: string;
  /** Who is writing (commit author). */
  actor?: string;
}

export interface WriteResult {
  /** The commit (or adapter's version id) that holds the whole batch. */
  commit: string;
  ids: string[];
  /** The action entry a delete recorded (`deleteAudit` only). */
  action_id?: string;
}

/** What `deleteAudit` records besides the removal: who, why (required), and under which request. */
export interface DeleteOptions {
  actor?: string;
  /** Why the audit is removed; required (a ValidationError without it). */
  reason?: string;
  correlation_id?: string;
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
  checked: { commits: number; entries: number; signatures?: number };
  /** A shallow clone: the boundary commits whose parents were not fetched (history below them is unchecked). */
  shallow?: string[];
  /**
   * What verify looked at and did not fail on, but a reader should know: files outside the
   * ledger's areas, tags no entry backs, runs written before events were hashed, ...
   */
  notes?: VerifyNote[];
  /** Every ledger branch verify checked (the local branch and remote-tracking copies). */
  refs?: string[];
  /** True when only the commits after the last verified head were checked. */
  incremental?: boolean;
  /** A signed statement of what was verified, for a second party to keep (see checkpoint.ts). */
  checkpoint?: string;
}

export interface VerifyNote {
  /** `outside_ledger_areas`, `unbacked_tag`, `tag_mismatch`, `legacy_run_events`, ... */
  reason: string;
  message: string;
  /** How many paths/tags/entries the note stands for (the message names the first few). */
  count: number;
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
  /** A discard or delete entry by id. */
  getAction?(id: string): Promise<ActionEntry | undefined>;
  /** Newest first, filtered, cursor-paginated. */
  list(query?: LedgerQuery): Promise<LedgerPage>;
  /**
   * Remove a saved audit with an explicit delete commit that also records a `delete` action entry
   * (who, why, when). Throws NotFoundError if absent, ValidationError without a reason.
   */
  deleteAudit(id: string, options?: DeleteOptions): Promise<WriteResult>;
  /** The current head (commit id), or `undefined` for an empty ledger. */
  head(): Promise<string | undefined>;
  /** Checks what came after the last verified head; `{ full: true }` re-checks everything. */
  verify?(options?: { full?: boolean } & VerifyCallOptions): Promise<VerifyReport>;
  sync?(options?: SyncOptions): Promise<SyncResult>;
  /** Ledgers with signed commits (git): the enrolled keys, git's allowed_signers format, as at the head. */
  allowedSigners?(): Promise<string | undefined>;
  /** Replace the enrolled keys in one commit (signed by this ledger's key once signing is on). */
  setAllowedSigners?(text: string, options?: { actor?: string }): Promise<WriteResult>;
  /** The public key (`ssh-ed25519 ...`) this ledger signs with, if it signs. */
  signingKey?(): Promise<string | undefined>;
  close?(): Promise<void>;
}
