import * as z from 'zod/mini';

/** `devops` for dashboard cards, `project` for `audit:*` cards (the origin's rule). */
export const AuditType = z.enum(['devops', 'project']);
export type AuditType = z.infer<typeof AuditType>;

const auditFields = {
  snapshot_id: z.string(),
  card_key: z.string(),
  audit_type: AuditType,
  /** Unix seconds (float), when the scan finished. */
  computed_at: z.number(),
  /** ISO-8601 UTC of `computed_at`. */
  iso: z.string(),
  /** The scan's own status: `ok` | `error` (only `ok` scans are staged by default). */
  status: z.string(),
  duration_s: z.number(),
  summary: z.string(),
  /** SHA-256 (hex) of the canonical JSON of `data`: drives skip-unchanged. */
  content_hash: z.optional(z.string()),
  /** Names of redaction rules that fired at capture. */
  redacted: z.optional(z.array(z.string())),
};

/** A pending snapshot's metadata (what lists show; no `data`). Unknown fields are kept. */
export const AuditMeta = z.looseObject(auditFields);
export type AuditMeta = z.infer<typeof AuditMeta>;

/** A pending audit snapshot, with the card's full computed result in `data`. */
export const AuditSnapshot = z.looseObject({ ...auditFields, data: z.unknown() });
export type AuditSnapshot = z.infer<typeof AuditSnapshot>;

/** A snapshot saved to the ledger: the same fields plus who saved it and when. */
export const SavedAudit = z.looseObject({
  ...auditFields,
  data: z.unknown(),
  saved_at: z.optional(z.string()),
  saved_by: z.optional(z.string()),
  /** SHA-256 over the entry's canonical JSON (RFC 8785) without this field. */
  sha256: z.optional(z.string()),
});
export type SavedAudit = z.infer<typeof SavedAudit>;
