import type { AuditMeta, AuditSnapshot } from '../schemas/audit.js';

export interface StageOptions {
  /** The scan's status; only `ok` is staged unless `stageErrors` is set on the client. */
  status?: string;
  duration_s?: number;
  summary?: string;
  /** When the scan finished (default now). */
  computed_at?: Date;
}

export type StageResult =
  | { staged: true; snapshot: AuditMeta; replaced: string[] }
  | { staged: false; reason: 'unchanged' | 'not_ok'; card_key: string };

/** One scan for `stageMany`. */
export interface StageItem {
  card_key: string;
  result: unknown;
  options?: StageOptions;
}

export interface SaveResult {
  saved: string[];
  commit: string;
}

export interface SaveOptions {
  actor?: string;
  message?: string;
  /** The request / trace id the save happens under (stored on each saved audit). */
  correlation_id?: string;
}

export interface DiscardOptions {
  /** Who discards (default the client's actor). */
  actor?: string;
  /** Why (optional for a discard; kept in the ledger's record). */
  reason?: string;
  correlation_id?: string;
}

export interface DiscardResult {
  discarded: string[];
  /** The ledger's record of the discard (absent when the host answered with ids only). */
  action_id?: string;
  commit?: string;
}

export interface Staging {
  stage(cardKey: string, result: unknown, options?: StageOptions): Promise<StageResult>;
  /**
   * Stage several scans, much faster than one `stage` call each (few store transactions, CPU work
   * overlapped with storage). Results, `audit:pending` events and what is stored are those of the
   * same `stage` calls made one after another; if one throws, the scans before it are staged and
   * none after it, and its error is thrown.
   */
  stageMany(items: StageItem[]): Promise<StageResult[]>;
  /** Pending metadata (no data), newest first, optionally for one card or audit type. */
  list(filter?: { card_key?: string; audit_type?: 'devops' | 'project' }): Promise<AuditMeta[]>;
  /** One pending snapshot with its data; throws NotFoundError. */
  get(id: string): Promise<AuditSnapshot>;
  /** Pending count per card key. */
  /** Pending snapshots per card key (a null-prototype record: read it with own-property checks). */
  counts(): Promise<Record<string, number>>;
  /** Save the given ids (or the explicit word `all`) as ONE ledger write. */
  save(ids: string[] | 'all', options?: SaveOptions): Promise<SaveResult>;
  /**
   * Remove pending audits. The ledger first records the discard (an action entry: who, when, why,
   * and each audit's id, card and hash, never its data); if that fails nothing is discarded.
   */
  discard(ids: string[] | 'all', options?: DiscardOptions): Promise<DiscardResult>;
  /**
   * Pending audits the ledger already holds (the process stopped between the commit and their
   * removal from pending) leave pending and count as saved (`audit:saved`). Returns their ids.
   * `createScp` runs it when it opens; absent where a host does it on its side.
   */
  reconcile?(): Promise<string[]>;
}

/** What `createStaging` is wired with (by `createScp`). */
export interface StagingDeps {
  store: import('../storage/types.js').StagingStore;
  ledger: import('../ledger/types.js').Ledger;
  bus: import('../events/bus.js').EventBus;
  redactor: import('../redact/types.js').Redactor;
  /** `latest` keeps one pending snapshot per card (default); `all` keeps every one. */
  policy?: 'latest' | 'all';
  /** Skip a scan whose content hash equals the last saved snapshot of that card (default true). */
  skipUnchanged?: boolean;
  /** Also stage scans whose status is not `ok` (default false, as the origin). */
  stageErrors?: boolean;
  /** Largest snapshot accepted, in bytes of JSON after redaction (default 1 MiB). */
  maxSnapshotBytes?: number;
  /** Structural limits on a scan result, checked before redaction (defaults: DEFAULT_VALUE_LIMITS). */
  limits?: import('../limits.js').ValueLimits;
  /** Default actor for saves. */
  actor?: () => string;
  now?: () => Date;
}
