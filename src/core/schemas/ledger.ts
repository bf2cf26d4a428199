import * as z from 'zod/mini';

/** `action`: a discard or delete (see schemas/action.ts). */
export const EntryKind = z.enum(['audit', 'run', 'action']);
export type EntryKind = z.infer<typeof EntryKind>;

/**
 * One ledger entry as lists, filters, autocomplete and the audit log see it (no `data`, no events).
 * Audits: `status` is the scan's, `actor` who saved it, `time` when it was computed.
 * Runs: `status` the run's, `actor` its `user`, `time` its `started_at`.
 * Actions: `status` `discarded` | `deleted`, `type` `audit:discarded` | `audit:deleted`, `actor` who,
 * `time` when, `target` the audit ids it applied to, `reason` why.
 */
export const EntryMeta = z.object({
  kind: EntryKind,
  id: z.string(),
  /** ISO-8601 UTC. */
  time: z.string(),
  status: z.string(),
  summary: z.string(),
  actor: z.optional(z.string()),
  card_key: z.optional(z.string()),
  audit_type: z.optional(z.string()),
  type: z.optional(z.string()),
  subtype: z.optional(z.string()),
  target: z.optional(z.string()),
  reason: z.optional(z.string()),
  duration_ms: z.optional(z.nullable(z.number())),
  content_hash: z.optional(z.string()),
  /** The ledger commit that added it, where the adapter knows it. */
  commit: z.optional(z.string()),
  /** Artifacts a run references, as `<ref_type>:<ref_value>` (commit, branch, pr, patch, file, tag). */
  artifacts: z.optional(z.array(z.string())),
  /** Repositories a run touched (artifacts' and repo-change summaries' `repo`). */
  repos: z.optional(z.array(z.string())),
  /** The distinct `type`s of a run's events. */
  event_types: z.optional(z.array(z.string())),
  /** The request / trace id the entry was written under. */
  correlation_id: z.optional(z.string()),
});
export type EntryMeta = z.infer<typeof EntryMeta>;

export const LedgerQuery = z.object({
  kind: z.optional(EntryKind),
  card: z.optional(z.string()),
  status: z.optional(z.string()),
  actor: z.optional(z.string()),
  /** Run type (`deploy`) or subtype (`deploy:k8s`). */
  action: z.optional(z.string()),
  /** ISO lower bound (inclusive) on `time`. */
  since: z.optional(z.string()),
  /** ISO upper bound (exclusive) on `time`. */
  until: z.optional(z.string()),
  /** Case-insensitive substring of id, card, summary, subtype, actor or target. */
  text: z.optional(z.string()),
  /**
   * Runs referencing an artifact `<ref_type>:<ref_value>` (commits match by sha prefix, 4+ chars),
   * or any artifact of a type when given the type alone (`pr`).
   */
  artifact: z.optional(z.string()),
  /** Runs that touched this repository (exact). */
  repo: z.optional(z.string()),
  /** Runs with at least one event of this type. */
  event: z.optional(z.string()),
  /** Entries written under this correlation id (exact). */
  correlation: z.optional(z.string()),
  /** Prefix of the id. */
  idPrefix: z.optional(z.string()),
  limit: z.optional(z.number()),
  /** Opaque, from the previous page's `cursor`. */
  cursor: z.optional(z.string()),
});
export type LedgerQuery = z.infer<typeof LedgerQuery>;

export interface LedgerPage {
  entries: EntryMeta[];
  /** Present when there are more entries after this page. */
  cursor?: string;
  /**
   * Present while the ledger's read index is still catching up (a first sync, a large incremental
   * one): the page answers from the rows indexed so far, and more are on the way.
   */
  indexing?: { indexed: number; total: number };
}

/**
 * What a long ledger operation is doing, for `progress` options and the client's bus
 * (`ledger:progress`). `loaded` counts objects (sync), rows (index) or commits (verify).
 */
export const LedgerProgress = z.object({
  op: z.enum(['sync', 'index', 'verify']),
  /**
   * sync: `connect`, git's own phases while fetching (`Receiving objects`, `Resolving deltas`, ...),
   * `push`, `done`; index: `indexing`, `done`; verify: `start`, `done`.
   */
  phase: z.string(),
  loaded: z.number(),
  total: z.optional(z.number()),
  /** Bytes received (fetching) or sent (pushing) so far. */
  bytes: z.optional(z.number()),
});
export type LedgerProgress = z.infer<typeof LedgerProgress>;
