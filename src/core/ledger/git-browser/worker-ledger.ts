/**
 * A Ledger whose git work runs in a dedicated Worker: the page gets a small proxy, the worker
 * (`worker.ts`) owns the fs, the Web Lock and isomorphic-git. Errors come back as the same
 * ScpError subclasses (matched by `code`).
 */
import * as errors from '../../errors/index.js';
import { ScpError } from '../../errors/index.js';
import type {
  Ledger,
  LedgerBatch,
  ProgressListener,
  SyncOptions,
  SyncResult,
  VerifyCallOptions,
  VerifyReport,
  WriteResult,
} from '../types.js';
import type { LedgerProgress } from '../../schemas/ledger.js';
import type { GitRemoteOptions, RemoteCredentials } from '../git/index.js';
import { parseWith } from '../../schemas/parse.js';
import {
  type CredentialsReply,
  type LedgerMethod,
  type Request,
  type Response,
  type SerializedError,
  type WorkerLedgerOptions,
  WorkerResponse,
} from './rpc.js';
import { startLedgerWorker, workerStartFailure, type StartedWorker } from './worker-start.js';
import type { VerifyOptions } from '../git/verify.js';

export type { WorkerLedgerOptions } from './rpc.js';

type RequestBody = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;

type ErrorClass = new (message: string, o?: { data?: unknown; cause?: unknown }) => ScpError;

const byCode = new Map<string, ErrorClass>();
for (const value of Object.values(errors)) {
  if (typeof value !== 'function' || value === ScpError || !(value.prototype instanceof ScpError)) continue;
  try {
    const code = new (value as ErrorClass)('probe').code;
    byCode.set(code, value as ErrorClass);
  } catch {
    /* not constructible with a message alone */
  }
}

/** Re-creates a worker's error as the ScpError subclass with its code (or a plain Error). */
export function reviveError(e: SerializedError): Error {
  const Cls = e.code ? byCode.get(e.code) : undefined;
  if (Cls) return new Cls(e.message, { data: e.data });
  if (e.code && e.name === 'ScpError')
    return new ScpError(e.code, e.message, { data: e.data as Record<string, unknown> });
  const err = new Error(e.message);
  err.name = e.name;
  return err;
}

/** A call that was waiting when the Worker failed: its outcome is unknown. */
function workerCrashed(operation: string, message: string): errors.WorkerCrashedError {
  const reason = message || 'it stopped with an uncaught error';
  return new errors.WorkerCrashedError(
    `The ledger worker failed while ${operation} was running (${reason}): whether it finished is unknown. Open the ledger again (a new client, or reload the page) and check before retrying.`,
    { data: { operation, reason } },
  );
}

const closedError = () =>
  new errors.StorageClosedError('The ledger was closed: open it again to use it', { data: { store: 'ledger' } });

export interface WorkerGitLedger extends Ledger {
  verify(options?: VerifyOptions & VerifyCallOptions): Promise<VerifyReport>;
  sync(options?: SyncOptions): Promise<SyncResult>;
  /** The remote this ledger syncs with: the one it was opened with, else the one it last synced with. */
  remoteUrl(): Promise<string | undefined>;
  close(): Promise<void>;
  /** Replace allowed_signers in one (signed) commit; see GitLedger.setAllowedSigners. */
  setAllowedSigners(text: string, options?: { actor?: string }): Promise<WriteResult>;
  /** This device's public key (`ssh-ed25519 ...`) when the ledger signs, for an admin to enrol. */
  signingKey(): Promise<string | undefined>;
  /** Resolves when the worker has read every shard tree once (saves are then at steady speed). */
  whenWarm(): Promise<void>;
  /** The Worker itself (tests terminate it to simulate a crash). */
  readonly worker: Worker;
  /** Resolves when a worker opened with `pauseAtWrite` reaches that write. */
  readonly paused: Promise<{ step: number; op: string; path: string }>;
}

/** Starts a ledger Worker (or uses the one given) and returns a Ledger proxy over it. */
export async function createWorkerGitLedger(
  options: Omit<WorkerLedgerOptions, 'remote'> & {
    /** The remote; its `credentials` callback stays on the page and answers the worker's questions. */
    remote?: Omit<GitRemoteOptions, 'onAuth'>;
    /** Progress of every sync, read-index catch-up and verify (stays on this side of the Worker). */
    onProgress?: ProgressListener;
  } = {},
  given?: Worker,
): Promise<WorkerGitLedger> {
  const { onProgress, remote, ...rest } = options;
  const credentials = remote?.credentials;
  const wire: WorkerLedgerOptions = { ...rest, ...(remote && { remote: { ...remote, credentials: !!credentials } }) };
  const started: StartedWorker | undefined = given
    ? undefined
    : await startLedgerWorker(`scp-ledger:${options.name ?? 'scp-ledger'}`);
  const worker = given ?? started!.worker;
  let opened = false;
  /** Per-call listeners (a sync's or a verify's `progress` option), by operation. */
  const listeners = new Set<{ op: LedgerProgress['op']; fn: ProgressListener }>();
  const progressed = (p: LedgerProgress) => {
    for (const fn of [onProgress, ...[...listeners].filter((l) => l.op === p.op).map((l) => l.fn)]) {
      try {
        fn?.(p);
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  };
  const withProgress = async <T>(
    op: LedgerProgress['op'],
    fn: ProgressListener | undefined,
    work: () => Promise<T>,
  ): Promise<T> => {
    if (!fn) return work();
    const l = { op, fn };
    listeners.add(l);
    try {
      return await work();
    } finally {
      listeners.delete(l);
    }
  };
  let seq = 0;
  /** Calls waiting for the worker's answer, with the operation each one is (for a crash's error). */
  const pending = new Map<number, { operation: string; resolve(v: unknown): void; reject(e: unknown): void }>();
  let closed = false;
  let onPaused!: (p: { step: number; op: string; path: string }) => void;
  const paused = new Promise<{ step: number; op: string; path: string }>((r) => {
    onPaused = r;
  });
  worker.onmessage = (e: MessageEvent<unknown>) => {
    let m: Response;
    try {
      m = parseWith(WorkerResponse, e.data, 'ledger worker message');
    } catch (err) {
      // An answer that does not parse fails the call it names; one naming none has nobody to tell.
      const id = (e.data as { id?: unknown } | null)?.id;
      const p = typeof id === 'number' ? pending.get(id) : undefined;
      if (p) {
        pending.delete(id as number);
        p.reject(err);
      }
      return;
    }
    if (m.type === 'paused') {
      onPaused(m);
      return;
    }
    if (m.type === 'writes') return;
    if (m.type === 'progress') {
      progressed(m.progress);
      return;
    }
    if (m.type === 'credentials') {
      const reply = (r: Omit<CredentialsReply, 'type' | 'ask'>) =>
        worker.postMessage({ type: 'credentials', ask: m.ask, ...r } satisfies CredentialsReply);
      // Only plain data crosses: user, password and string headers.
      Promise.resolve()
        .then(() => credentials?.({ url: m.url, failed: m.failed }))
        .then(
          (c) =>
            reply({
              value: c
                ? (JSON.parse(
                    JSON.stringify({ username: c.username, password: c.password, headers: c.headers }),
                  ) as RemoteCredentials)
                : undefined,
            }),
          (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }),
        );
      return;
    }
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.type === 'result') p.resolve(m.value);
    else p.reject(reviveError(m.error));
  };
  worker.onerror = async (e) => {
    // A script that failed to load (404, wrong MIME type, blocked by CSP) reports no message:
    // before it answered once, find out why; after, it is a crash of a running Worker.
    e.preventDefault();
    const failed = [...pending.values()];
    pending.clear();
    const startFailure = opened ? undefined : await workerStartFailure(started, e.message);
    for (const p of failed) p.reject(startFailure ?? workerCrashed(p.operation, e.message));
  };
  const send = (msg: RequestBody): Promise<unknown> =>
    new Promise((resolve, reject) => {
      // A closed ledger's Worker is gone: a call would wait for an answer that never comes.
      if (closed) return reject(closedError());
      const id = ++seq;
      pending.set(id, { operation: msg.type === 'call' ? msg.method : msg.type, resolve, reject });
      worker.postMessage({ ...msg, id } as Request);
    });
  const call = <T>(method: LedgerMethod, ...args: unknown[]) => send({ type: 'call', method, args }) as Promise<T>;
  try {
    await send({ type: 'open', options: wire });
  } catch (e) {
    if (!opened) worker.terminate();
    throw e;
  } finally {
    started?.release();
  }
  opened = true;
  return {
    worker,
    paused,
    write: (batch: LedgerBatch) => call<WriteResult>('write', batch),
    getAudit: (id) => call('getAudit', id),
    getRun: (id) => call('getRun', id),
    getAction: (id) => call('getAction', id),
    list: (q) => call('list', q),
    deleteAudit: (id, o) => call<WriteResult>('deleteAudit', id, o),
    head: () => call('head'),
    whenWarm: () => call<void>('whenWarm'),
    verify: (o) => {
      const { progress, ...rest } = o ?? {};
      return withProgress('verify', progress, () => call<VerifyReport>('verify', rest));
    },
    sync: (o) => {
      const { progress, ...rest } = o ?? {};
      return withProgress('sync', progress, () => call<SyncResult>('sync', rest));
    },
    remoteUrl: () => call<string | undefined>('remoteUrl'),
    setAllowedSigners: (text: string, o?: { actor?: string }) => call<WriteResult>('setAllowedSigners', text, o),
    signingKey: () => call<string | undefined>('signingKey'),
    async close() {
      if (closed) return;
      try {
        await call('close');
      } finally {
        closed = true;
        worker.terminate();
        for (const p of pending.values()) p.reject(closedError());
        pending.clear();
      }
    },
  };
}
