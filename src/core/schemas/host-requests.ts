import * as z from 'zod/mini';
import type { Role } from '../host/roles.js';
import { AuditType } from './audit.js';
import { LedgerQuery } from './ledger.js';

// The host API's request bodies and query parameters (docs/host-api.md). The Node request handler
// checks every one of them with parseWith; a failure is a 400 naming the first bad field.

/** A string of at most `max` characters. */
const text = (max: number) =>
  z.string({ error: 'expected a string' }).check(z.maxLength(max, `at most ${max} characters`));

/** A whole-number query parameter between `min` and `max`. */
const wholeNumber = (min: number, max: number) =>
  z.pipe(
    z.string().check(z.regex(/^\d+$/, 'expected a whole number')),
    z.pipe(
      z.transform((v: string) => Number(v)),
      z
        .number()
        .check(z.gte(min, `must be between ${min} and ${max}`), z.lte(max, `must be between ${min} and ${max}`)),
    ),
  );
/** `wholeNumber`, `fallback` when absent. */
const queryInt = (fallback: number, min: number, max: number) => z._default(wholeNumber(min, max), fallback);

const isoDate = (v: string) => !Number.isNaN(Date.parse(v));

/** One scan to stage: the body of `POST /api/audits/stage`, or one of its `items`. */
export const StageBody = z.object({
  card_key: z.string().check(z.minLength(1), z.maxLength(200)),
  result: z.unknown(),
  options: z.optional(
    z.object({
      status: z.optional(z.string()),
      duration_s: z.optional(z.number()),
      summary: z.optional(z.string()),
      computed_at: z.optional(z.string().check(z.refine(isoDate, 'expected an ISO-8601 date'))),
    }),
  ),
});
export type StageBody = z.infer<typeof StageBody>;

/** Several scans at once: `POST /api/audits/stage` with `items`. */
export const StageManyBody = z.object({
  items: z
    .array(StageBody, { error: 'expected 1 to 1000 scans' })
    .check(z.minLength(1, 'expected 1 to 1000 scans'), z.maxLength(1000, 'expected 1 to 1000 scans')),
});

// The ids of a save or discard are checked by the one selection rule (src/core/selection.ts).
/** `POST /api/audits/save`. */
export const SaveBody = z.object({
  snapshot_ids: z.unknown(),
  message: z.optional(z.string({ error: 'expected a string' })),
});

/** `POST /api/audits/discard`. */
export const DiscardBody = z.object({
  snapshot_ids: z.unknown(),
  reason: z.optional(
    z
      .string({ error: 'expected a string of at most 2000 characters' })
      .check(z.maxLength(2000, 'expected a string of at most 2000 characters')),
  ),
});

/** `POST /api/runs`: a run spec, checked field by field by the runs module itself. */
export const RunStartBody = z.record(z.string(), z.unknown(), {
  error: 'expected a run spec object {type, subtype?, summary?, target?, reason?}',
});

/** `POST /api/runs/<id>/events`. */
export const RunEventBody = z.looseObject(
  { type: z.string({ error: 'an event type string is required' }) },
  { error: 'expected a JSON object' },
);

/** `POST /api/runs/<id>/artifacts`: the artifact, checked by the run handle. */
export const RunArtifactBody = z.record(z.string(), z.unknown(), { error: 'expected a JSON object' });

/** `POST /api/runs/<id>/finish`. */
export const RunFinishBody = z.object(
  {
    status: z.optional(
      z.enum(['ok', 'failed', 'partial', 'cancelled'], { error: 'expected ok, failed, partial or cancelled' }),
    ),
    summary: z.optional(z.string({ error: 'expected a string' })),
    result: z.optional(z.unknown()),
    error: z.optional(z.string({ error: 'expected the error message as a string' })),
  },
  { error: 'expected a JSON object' },
);

/** `POST /api/ledger/write`: the entries are checked by the ledger's own batch validation. */
export const LedgerWriteBody = z.object(
  {
    audits: z.optional(z.array(z.unknown(), { error: 'expected a list' })),
    runs: z.optional(z.array(z.unknown(), { error: 'expected a list' })),
    actions: z.optional(z.array(z.unknown(), { error: 'expected a list' })),
    message: z.optional(z.string({ error: 'expected a string' })),
  },
  { error: 'expected {audits?, runs?, actions?, message?}' },
);

const ROLE_NAMES = ['viewer', 'operator', 'admin'] as const satisfies readonly Role[];
// Every role is listed (a role added to roles.ts and not here fails to type-check).
const everyRole: Exclude<Role, (typeof ROLE_NAMES)[number]> extends never ? true : never = true;
void everyRole;

/**
 * A tenant's settings, as `PUT /api/settings` takes them and the staging store keeps them. Unknown
 * fields are refused, so a typo is not silently kept; `null` goes back to the host's default.
 */
export const HostSettingsBody = z.strictObject(
  {
    default_role: z.optional(
      z.nullable(
        z.enum(ROLE_NAMES, { error: `expected one of ${ROLE_NAMES.join(', ')} (or null for the host's default)` }),
      ),
    ),
  },
  { error: 'expected a JSON object, e.g. {"default_role": "viewer"}' },
);

/** What an admin may change per tenant (kept in the staging store, so every instance on a shared store sees it). */
export const HostSettings = z.object({ default_role: z.optional(z.enum(ROLE_NAMES)) });
export type HostSettings = z.infer<typeof HostSettings>;

/** The largest allowed_signers text accepted. */
export const MAX_SIGNERS_CHARS = 64 * 1024;
const signersHint = 'expected {"signers": "<allowed_signers text>"}: one "<principal> ssh-ed25519 <key>" per line';

/** `PUT /api/ledger/signers` (each key line is then checked by the signing code). */
export const SignersBody = z.object(
  {
    signers: z
      .string({ error: signersHint })
      .check(z.maxLength(MAX_SIGNERS_CHARS, `at most ${MAX_SIGNERS_CHARS} characters`)),
  },
  { error: signersHint },
);

/** `GET /api/audits/pending`. */
export const PendingQuery = z.object({
  card_key: z.optional(text(500)),
  audit_type: z.optional(z.enum(AuditType.options, { error: 'expected "devops" or "project"' })),
});

/** `GET /api/audits/saved`. */
export const SavedQuery = z.object({
  card_key: z.optional(text(500)),
  cursor: z.optional(text(2000)),
  limit: queryInt(200, 1, 500),
});

/** `DELETE /api/audits/saved/<id>`: the reason is required (checked by the route, which says why). */
export const DeleteQuery = z.object({ reason: z.optional(text(2000)) });

/** `GET /api/runs/recent`. */
export const RecentRunsQuery = z.object({
  limit: queryInt(20, 1, 200),
  status: z.optional(text(20)),
  type: z.optional(text(100)),
  cursor: z.optional(text(2000)),
});

/** `GET /api/chat/refs/resolve`. */
export const ResolveQuery = z.object({
  ref: z.string({ error: 'required, e.g. ?ref=@audit:<id>' }).check(z.maxLength(300, 'at most 300 characters')),
});

/** `GET /api/chat/refs/autocomplete`. */
export const AutocompleteQuery = z.object({ prefix: z._default(text(200), ''), limit: queryInt(50, 1, 50) });

/** `GET /api/events/history`; `before` defaults to after the newest event. */
export const HistoryQuery = z.object({
  before: z.optional(wholeNumber(1, Number.MAX_SAFE_INTEGER)),
  limit: queryInt(50, 1, 500),
});

/**
 * `GET /api/ledger/entries`: LedgerQuery's fields as strings of at most 2000 characters; the
 * handler turns `limit` into a number and checks the whole with LedgerQuery, the schema the
 * ledger itself checks, so HTTP callers get the answer a local caller gets.
 */
export const LedgerQueryParams = z.partial(
  z.object(
    Object.fromEntries(Object.keys(LedgerQuery.shape).map((k) => [k, text(2000)])) as Record<
      keyof LedgerQuery,
      ReturnType<typeof text>
    >,
  ),
);
