import * as z from 'zod/mini';
import {
  AlreadySavedError,
  ConflictError,
  DiskFullError,
  EmptySelectionError,
  HttpError,
  InvalidIdError,
  LedgerWriteError,
  NotFoundError,
  RunFinishedError,
  SnapshotTooLargeError,
  UnknownRefKindError,
  ValidationError,
  ValueTooLargeError,
} from '../errors/index.js';
import { own } from '../own.js';
import { checkWith } from '../schemas/parse.js';

/** The JSON body of every error response: `{error: <code>, message, field?, data?}`. */
export interface WireError {
  error: string;
  message: string;
  field?: string;
  data?: unknown;
}

const WireErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  field: z.optional(z.string()),
  data: z.optional(z.unknown()),
});

/** The HTTP status a server answers for an ScpError code. */
export function statusForCode(code: string): number {
  switch (code) {
    case 'validation':
    case 'invalid_id':
    case 'empty_selection':
    case 'invalid_json':
      return 400;
    case 'unauthorized':
      return 401;
    case 'forbidden':
      return 403;
    case 'not_found':
    case 'unknown_ref_kind':
      return 404;
    case 'conflict':
    case 'run_finished':
    case 'already_saved':
      return 409;
    case 'too_large':
    case 'value_too_large':
    case 'body_too_large':
      return 413;
    case 'disk_full':
      return 507;
    default:
      return 500;
  }
}

const ids = z.array(z.string());
const Issues = z.array(z.object({ path: z.string(), message: z.string() }));
const Limit = z.enum(['maxDepth', 'maxKeys', 'maxArrayLength', 'maxStringLength', 'maxNodes']);

/**
 * Each code a host answers that a local call throws too: the typed error, built from the answer's
 * `data` once that matches the error's data, field by field.
 */
const TYPED = {
  validation: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ what: z.string(), issues: Issues }),
      data,
      (d) => new ValidationError(m, { data: d, cause }),
    ),
  invalid_id: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ id: z.string(), reason: z.string() }),
      data,
      (d) => new InvalidIdError(m, { data: d, cause }),
    ),
  not_found: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ kind: z.string(), id: z.string() }),
      data,
      (d) => new NotFoundError(m, { data: d, cause }),
    ),
  empty_selection: (m: string, cause: unknown, data: unknown) =>
    fromData(z.looseObject({ action: z.string() }), data, (d) => new EmptySelectionError(m, { data: d, cause })),
  too_large: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ card_key: z.string(), bytes: z.number(), limit: z.number() }),
      data,
      (d) => new SnapshotTooLargeError(m, { data: d, cause }),
    ),
  value_too_large: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ limit: Limit, max: z.number(), path: z.string(), what: z.string(), actual: z.number() }),
      data,
      (d) => new ValueTooLargeError(m, { data: d, cause }),
    ),
  conflict: (m: string, cause: unknown, data: unknown) =>
    fromData(z._default(z.record(z.string(), z.unknown()), {}), data, (d) => new ConflictError(m, { data: d, cause })),
  disk_full: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ path: z.string(), op: z.string() }),
      data,
      (d) => new DiskFullError(m, { data: d, cause }),
    ),
  already_saved: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ ids, commits: z.record(z.string(), z.string()) }),
      data,
      (d) => new AlreadySavedError(m, { data: d, cause }),
    ),
  ledger_write_failed: (m: string, cause: unknown, data: unknown) =>
    fromData(z.looseObject({ ids }), data, (d) => new LedgerWriteError(m, { data: d, cause })),
  unknown_ref_kind: (m: string, cause: unknown, data: unknown) =>
    fromData(z.looseObject({ kind: z.string() }), data, (d) => new UnknownRefKindError(m, { data: d, cause })),
  run_finished: (m: string, cause: unknown, data: unknown) =>
    fromData(
      z.looseObject({ run_id: z.string(), status: z.string() }),
      data,
      (d) => new RunFinishedError(m, { data: d, cause }),
    ),
} satisfies Record<string, (message: string, cause: unknown, data: unknown) => Error | undefined>;

function fromData<S extends z.ZodMiniType>(
  schema: S,
  data: unknown,
  make: (d: z.infer<S>) => Error,
): Error | undefined {
  const r = checkWith(schema, data);
  return r.ok ? make(r.data) : undefined;
}

/**
 * Turns an HttpError whose body names one of our error codes back into that typed error (the HTTP
 * error kept as `cause`), so a host-backed client fails exactly like a local one. The error's data
 * comes from the answer and is checked against what that error carries; an answer without it (a
 * host that sends none) stays the HttpError, its body in `data.body`, rather than a typed error
 * with made-up data. A validation answer that names only its field says that much as its one issue.
 */
export function typedFromHttp(e: unknown): unknown {
  if (!(e instanceof HttpError)) return e;
  const body = checkWith(WireErrorBody, e.data.body);
  if (!body.ok) return e;
  const { error: code, message, field, data } = body.data;
  const make = own(TYPED, code);
  if (!make) return e;
  const given =
    data === undefined && code === 'validation' && field !== undefined
      ? { what: 'request', issues: [{ path: field, message }] }
      : data;
  return make(message, e, given) ?? e;
}
