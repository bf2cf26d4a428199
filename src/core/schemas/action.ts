import * as z from 'zod/mini';

/**
 * What an action entry records: `discard` (pending audits thrown away) or `delete` (a saved audit
 * removed from the ledger). Saves and runs are entries of their own; these are the state changes
 * that would otherwise leave nothing behind.
 */
export const ActionName = z.enum(['discard', 'delete']);
export type ActionName = z.infer<typeof ActionName>;

/** One audit an action applied to: its id, card and content hash only (a discard keeps no data). */
export const ActionTarget = z.object({
  id: z.string(),
  card_key: z.optional(z.string()),
  content_hash: z.optional(z.string()),
});
export type ActionTarget = z.infer<typeof ActionTarget>;

/** A discard or delete as the ledger stores it (`actions/<aa>/<b>/<action_id>.json` in git). */
export const ActionEntry = z.looseObject({
  action_id: z.string(),
  action: ActionName,
  /** ISO-8601 UTC, when it happened. */
  at: z.string(),
  /** Who did it (from the auth hook in host mode). */
  actor: z.string(),
  targets: z.array(ActionTarget),
  /** Why; required for a delete. */
  reason: z.optional(z.string()),
  /** The request / trace id it happened under (`traceparent` trace-id or `X-Request-Id`). */
  correlation_id: z.optional(z.string()),
  /** SHA-256 over the entry's canonical JSON (RFC 8785) without this field. */
  sha256: z.optional(z.string()),
});
export type ActionEntry = z.infer<typeof ActionEntry>;
