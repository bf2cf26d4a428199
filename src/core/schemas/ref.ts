import * as z from 'zod/mini';

/** One `@kind:id` found in text (with the optional `{label · detail · status}` extension). */
export const Ref = z.object({
  kind: z.string(),
  id: z.string(),
  /** The exact text matched, e.g. `@run:run_2026...{Deploy · k8s · ok}`. */
  raw: z.string(),
  /** Offset of `raw` in the text. */
  index: z.number(),
  label: z.optional(z.string()),
  detail: z.optional(z.string()),
  status: z.optional(z.string()),
});
export type Ref = z.infer<typeof Ref>;

/** What a ref resolves to (the origin's resolve response). `exists: false` for a missing entity. */
export const Preview = z.looseObject({
  type: z.string(),
  id: z.string(),
  exists: z.boolean(),
  /** Where it was found: `ledger` | `pending` | `live` | a host's word. */
  source: z.optional(z.string()),
  summary: z.optional(z.string()),
  status: z.optional(z.string()),
  label: z.optional(z.string()),
  // audit
  card_key: z.optional(z.string()),
  iso: z.optional(z.string()),
  // run
  run_type: z.optional(z.string()),
  subtype: z.optional(z.string()),
  started_at: z.optional(z.string()),
  ended_at: z.optional(z.nullable(z.string())),
  duration_ms: z.optional(z.nullable(z.number())),
  code_ref: z.optional(z.string()),
});
export type Preview = z.infer<typeof Preview>;

export const SuggestionSection = z.enum(['kinds', 'saved', 'unsaved', 'log', 'runs']);
export type SuggestionSection = z.infer<typeof SuggestionSection>;

export const Suggestion = z.looseObject({
  /** Text to insert, e.g. `@audit:security_20260217_204500_k3x9` (or `@audit:` for a kind). */
  ref: z.string(),
  label: z.string(),
  detail: z.string(),
  icon: z.string(),
  section: SuggestionSection,
  status: z.optional(z.string()),
  /** ISO time the relative time in `detail` was computed from. */
  time: z.optional(z.string()),
});
export type Suggestion = z.infer<typeof Suggestion>;
