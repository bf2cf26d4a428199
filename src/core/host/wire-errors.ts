import { own } from '../own.js';
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
  type ScpError,
  SnapshotTooLargeError,
  UnknownRefKindError,
  ValidationError,
  ValueTooLargeError,
} from '../errors/index.js';

/** The JSON body of every error response: `{error: <code>, message, field?, data?}`. */
export interface WireError {
  error: string;
  message: string;
  field?: string;
  data?: unknown;
}

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

type Ctor = new (message: string, o: { data?: never; cause?: unknown }) => ScpError;
const CLASSES: Record<string, Ctor> = {
  validation: ValidationError as unknown as Ctor,
  invalid_id: InvalidIdError as unknown as Ctor,
  not_found: NotFoundError as unknown as Ctor,
  empty_selection: EmptySelectionError as unknown as Ctor,
  too_large: SnapshotTooLargeError as unknown as Ctor,
  value_too_large: ValueTooLargeError as unknown as Ctor,
  conflict: ConflictError as unknown as Ctor,
  disk_full: DiskFullError as unknown as Ctor,
  already_saved: AlreadySavedError as unknown as Ctor,
  ledger_write_failed: LedgerWriteError as unknown as Ctor,
  unknown_ref_kind: UnknownRefKindError as unknown as Ctor,
  run_finished: RunFinishedError as unknown as Ctor,
};

/**
 * Turns an HttpError whose body names one of our error codes back into that typed error (the HTTP
 * error kept as `cause`), so a host-backed client fails exactly like a local one. Anything else
 * stays an HttpError.
 */
export function typedFromHttp(e: unknown): unknown {
  if (!(e instanceof HttpError)) return e;
  const body = e.data.body as Partial<WireError> | undefined;
  const Cls = body && typeof body.error === 'string' ? own(CLASSES, body.error) : undefined;
  if (!Cls || typeof body?.message !== 'string') return e;
  return new Cls(body.message, { data: (body.data ?? {}) as never, cause: e });
}
