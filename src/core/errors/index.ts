/**
 * Every failure the SDK reports is an `ScpError` with a literal `code` (tests and hosts branch on
 * `code`, never on message text), structured `data`, and the original error as `cause`.
 */
export class ScpError<Code extends string = string, Data = Record<string, unknown>> extends Error {
  readonly code: Code;
  readonly data: Data;

  constructor(code: Code, message: string, options: { data?: Data; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.data = (options.data ?? {}) as Data;
  }

  toJSON(): { name: string; code: Code; message: string; data: Data; cause?: unknown } {
    const cause = this.cause;
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      data: this.data,
      ...(cause === undefined
        ? {}
        : {
            cause:
              cause instanceof ScpError
                ? cause.toJSON()
                : cause instanceof Error
                  ? { name: cause.name, message: cause.message }
                  : cause,
          }),
    };
  }
}

/**
 * A subclass's constructor options: `data` is required wherever the error's data has required
 * fields, so no error carries a made-up `{}` (the base class's `{}` default is only reached for data
 * types where every field is optional).
 */
export type ScpErrorOptions<D> =
  Record<never, never> extends D ? { data?: D; cause?: unknown } : { data: D; cause?: unknown };
type Opts<D> = ScpErrorOptions<D>;

/** Which structural limit a value went over (see `core/limits.ts`), its maximum, and where. */
export interface LimitData {
  limit: 'maxDepth' | 'maxKeys' | 'maxArrayLength' | 'maxStringLength' | 'maxNodes';
  max: number;
  path: string;
}
type ValidationData = { what: string; issues: { path: string; message: string }[] } & Partial<LimitData>;
/** Input failed a schema: `data.issues` lists each path and problem (`data.limit` when it nests too deep). */
export class ValidationError extends ScpError<'validation', ValidationData> {
  constructor(message: string, o: Opts<ValidationData>) {
    super('validation', message, o);
  }
}
/** A value holds more than a limit allows (keys in one object, array items, string length, values in all). */
export class ValueTooLargeError extends ScpError<'value_too_large', LimitData & { what: string; actual: number }> {
  constructor(message: string, o: Opts<LimitData & { what: string; actual: number }>) {
    super('value_too_large', message, o);
  }
}
/** An id failed the id grammar (path escape, bad characters, too long). */
export class InvalidIdError extends ScpError<'invalid_id', { id: string; reason: string }> {
  constructor(message: string, o: Opts<{ id: string; reason: string }>) {
    super('invalid_id', message, o);
  }
}
/** A well-formed id that names nothing (or nothing any more). */
export class NotFoundError extends ScpError<'not_found', { kind: string; id: string }> {
  constructor(message: string, o: Opts<{ kind: string; id: string }>) {
    super('not_found', message, o);
  }
}
/** save/discard was called with no ids (we never act on "everything" implicitly). */
export class EmptySelectionError extends ScpError<'empty_selection', { action: string }> {
  constructor(message: string, o: Opts<{ action: string }>) {
    super('empty_selection', message, o);
  }
}
/** A snapshot (after redaction) is larger than the configured limit. */
export class SnapshotTooLargeError extends ScpError<'too_large', { card_key: string; bytes: number; limit: number }> {
  constructor(message: string, o: Opts<{ card_key: string; bytes: number; limit: number }>) {
    super('too_large', message, o);
  }
}
/** The browser refused to store more (IndexedDB QuotaExceededError). */
export class QuotaError extends ScpError<'quota_exceeded', { store: string }> {
  constructor(message: string, o: Opts<{ store: string }>) {
    super('quota_exceeded', message, o);
  }
}
/** The storage was closed (by us, by the browser, or by a newer version in another tab). */
export class StorageClosedError extends ScpError<'storage_closed', { store: string }> {
  constructor(message: string, o: Opts<{ store: string }>) {
    super('storage_closed', message, o);
  }
}
/** Opening the storage is blocked by another tab holding an older version open. */
export class StorageBlockedError extends ScpError<'storage_blocked', { store: string }> {
  constructor(message: string, o: Opts<{ store: string }>) {
    super('storage_blocked', message, o);
  }
}
/** A ledger write did not land; nothing it was given was removed from anywhere. */
export class LedgerWriteError extends ScpError<'ledger_write_failed', { ids: string[] }> {
  constructor(message: string, o: Opts<{ ids: string[] }>) {
    super('ledger_write_failed', message, o);
  }
}
/** The disk (or the user's quota on it) is full: nothing was half written; free space and try again. */
export class DiskFullError extends ScpError<'disk_full', { path: string; op: string }> {
  constructor(message: string, o: Opts<{ path: string; op: string }>) {
    super('disk_full', message, o);
  }
}
/** The branch moved under us (compare-and-swap lost) or an id already exists. */
export class ConflictError extends ScpError<'conflict', Record<string, unknown>> {
  constructor(message: string, o: Opts<Record<string, unknown>> = {}) {
    super('conflict', message, o);
  }
}
/** A save found its snapshots already saved (or being saved) by another process: nothing was written twice. */
export class AlreadySavedError extends ScpError<'already_saved', { ids: string[]; commits: Record<string, string> }> {
  constructor(message: string, o: Opts<{ ids: string[]; commits: Record<string, string> }>) {
    super('already_saved', message, o);
  }
}
/** The remote refused our push (never retried with force). */
export class PushRejectedError extends ScpError<'push_rejected', { remote: string; reason: string }> {
  constructor(message: string, o: Opts<{ remote: string; reason: string }>) {
    super('push_rejected', message, o);
  }
}
/** Fetch/push failed for another reason (network, auth, protocol). */
export class SyncError extends ScpError<'sync_failed', { remote: string; step: string }> {
  constructor(message: string, o: Opts<{ remote: string; step: string }>) {
    super('sync_failed', message, o);
  }
}
/** The ledger no longer descends from the last verified head, or is behind it. */
export class LedgerRewriteError extends ScpError<
  'ledger_rewrite',
  { expected: string; actual: string; kind: 'rewrite' | 'rollback' }
> {
  constructor(message: string, o: Opts<{ expected: string; actual: string; kind: 'rewrite' | 'rollback' }>) {
    super('ledger_rewrite', message, o);
  }
}
/** A host HTTP request answered with an error status. */
export class HttpError extends ScpError<'http_error', { status: number; url: string; body?: unknown }> {
  constructor(message: string, o: Opts<{ status: number; url: string; body?: unknown }>) {
    super('http_error', message, o);
  }
}
/** A host request or operation took longer than allowed. */
export class TimeoutError extends ScpError<'timeout', { ms: number; what: string }> {
  constructor(message: string, o: Opts<{ ms: number; what: string }>) {
    super('timeout', message, o);
  }
}
/** The network is unreachable or the request failed before any response. */
export class NetworkError extends ScpError<'network', { url: string }> {
  constructor(message: string, o: Opts<{ url: string }>) {
    super('network', message, o);
  }
}
/** The caller aborted the operation (AbortSignal). */
export class AbortedError extends ScpError<'aborted', { what: string }> {
  constructor(message: string, o: Opts<{ what: string }>) {
    super('aborted', message, o);
  }
}
/** A reference names a kind no resolver is registered for. */
export class UnknownRefKindError extends ScpError<'unknown_ref_kind', { kind: string }> {
  constructor(message: string, o: Opts<{ kind: string }>) {
    super('unknown_ref_kind', message, o);
  }
}
/** A run was used after it finished (a second `finish()`, or an `event()` after it). */
export class RunFinishedError extends ScpError<'run_finished', { run_id: string; status: string }> {
  constructor(message: string, o: Opts<{ run_id: string; status: string }>) {
    super('run_finished', message, o);
  }
}
/** A run started by `wrap` before the runs code arrived has no id or snapshot yet (they follow in milliseconds). */
export class RunPendingError extends ScpError<'run_pending', { type: string }> {
  constructor(message: string, o: Opts<{ type: string }>) {
    super('run_pending', message, o);
  }
}
/** The ledger cannot be reached at all (its Worker could not start, its code did not load). */
export class LedgerUnavailableError extends ScpError<'ledger_unavailable', { reason: string }> {
  constructor(message: string, o: Opts<{ reason: string }>) {
    super('ledger_unavailable', message, o);
  }
}

/**
 * The browser ledger's Worker failed with an uncaught error while a call was waiting for it: the
 * call's outcome is unknown (a write may or may not have landed). `operation` is the call that was
 * pending; open the ledger again (a new client, or reload the page) before retrying.
 */
export class WorkerCrashedError extends ScpError<'worker_crashed', { operation: string; reason: string }> {
  constructor(message: string, o: Opts<{ operation: string; reason: string }>) {
    super('worker_crashed', message, o);
  }
}

/** An object could not be read because of the runtime (a missing global or API), not its bytes: the ledger was not judged. */
export class LedgerReadError extends ScpError<'ledger_read_failed', { oid: string; reason: string }> {
  constructor(message: string, o: Opts<{ oid: string; reason: string }>) {
    super('ledger_read_failed', message, o);
  }
}

/** A git object of the ledger is missing, malformed or does not hash to its name: the ledger's stored bytes are damaged. */
export class CorruptObjectError extends ScpError<'corrupt_object', { oid: string }> {
  constructor(message: string, o: Opts<{ oid: string }>) {
    super('corrupt_object', message, o);
  }
  /** The object that could not be read. */
  get oid(): string {
    return this.data.oid;
  }
}

/** A file in the ledger was read but does not parse (damaged, or written by another tool): nothing was changed; `verify()` says more. */
export class CorruptEntryError extends ScpError<'corrupt_entry', { path: string }> {
  constructor(message: string, o: Opts<{ path: string }>) {
    super('corrupt_entry', message, o);
  }
}

export function isScpError(e: unknown): e is ScpError {
  return e instanceof ScpError;
}
