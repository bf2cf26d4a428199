import { HttpError, NetworkError, ScpError, ValidationError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import type { BusEventName } from '../schemas/events.js';
import type { Staging } from '../staging/types.js';
import { checkBusPayload, envelopeToBus, OriginEnvelope, type OriginEnvelope as Envelope } from './envelope.js';
import type { HeadersHook } from './http.js';
import { createSseParser, type SseMessage } from './sse-parser.js';

export type BridgeState = 'connecting' | 'open' | 'waiting' | 'closed';

/** Why views must refetch: the server said `reset`, or it restarted (new `instance_id`). */
export type ResetReason = 'cursor_expired' | 'server_restart' | (string & {});

export interface EventBridgeOptions {
  /** The SSE endpoint, e.g. `https://ops.example.com/api/events`. */
  url: string;
  bus: EventBus;
  headers?: Record<string, string> | HeadersHook;
  credentials?: RequestCredentials;
  fetch?: typeof fetch;
  /** Resume cursor to start from (e.g. kept across page loads). */
  lastEventId?: string;
  /** Called after `event: reset` or a server restart; refetch what the view shows. */
  onReset?: (reason: ResetReason) => void | Promise<void>;
  /** Every envelope, including those the bus does not carry (`cache:done`, a host's own). */
  onEnvelope?: (envelope: Envelope, message: SseMessage) => void;
  /**
   * The origin's `cache:done` (a card's fresh scan result in `data`): e.g. stage it locally with
   * `stageCacheResults(client.staging)`. Errors it throws or rejects with go to `onError`.
   */
  onCacheDone?: (scan: { card_key: string; result: unknown; duration_s?: number }) => unknown;
  /** Typed errors (bad data, bad ids, oversized lines, failed connections); the bridge carries on. */
  onError?: (error: ScpError) => void;
  onState?: (state: BridgeState) => void;
  /** First reconnect delay when the server sent no `retry:` (default 1000 ms). */
  initialDelayMs?: number;
  /** Lowest reconnect delay a server's `retry:` can ask for (default 100 ms): `retry: 0` cannot cause a storm. */
  minRetryMs?: number;
  /** Upper bound of the backoff (default 30 s). */
  maxDelayMs?: number;
  /** No byte for this long (not even a heartbeat) → the connection is treated as dead (default 75 s). */
  idleTimeoutMs?: number;
  maxLineLength?: number;
  /** Random source for jitter (tests pass a seeded one). */
  random?: () => number;
}

export interface EventBridge {
  readonly state: BridgeState;
  /** The id of the last event fully dispatched (what a reconnect sends as `Last-Event-ID`). */
  readonly lastEventId: string;
  readonly instanceId: string | undefined;
  /** Connections opened so far (1 + reconnects). */
  readonly connections: number;
  /** Adds a refetch callback for resets; returns its remover. */
  onReset(fn: (reason: ResetReason) => void | Promise<void>): () => void;
  /** Resolves once the first `sys:ready` has arrived; rejects if the host refused the stream (401/403/404). */
  ready(): Promise<void>;
  close(): void;
}

const GOOD_ID = /^[\x21-\x7e]{1,128}$/;
const FATAL_STATUSES = new Set([400, 401, 403, 404, 405, 410]);

function invalid(what: string, message: string, path = '(root)', cause?: unknown): ValidationError {
  return new ValidationError(message, {
    data: { what, issues: [{ path, message }] },
    ...(cause !== undefined && { cause }),
  });
}

/** An `onCacheDone` that stages each fresh scan result the origin announces (embedded capture of a host's scans). */
export function stageCacheResults(staging: Staging): NonNullable<EventBridgeOptions['onCacheDone']> {
  return (scan) =>
    staging.stage(scan.card_key, scan.result, scan.duration_s !== undefined ? { duration_s: scan.duration_s } : {});
}

/**
 * Server-sent events over `fetch` streaming (so auth headers can be sent), mapped onto the bus.
 * - The cursor advances only after an event has been dispatched, so a cut mid-event re-requests it.
 * - Reconnects with `Last-Event-ID` after exponential backoff with jitter, starting from the
 *   server's `retry:`; the backoff only resets after a connection made progress, so a server that
 *   accepts and drops at once is never hammered. 401/403/404 stop the bridge (reported, not retried).
 * - Numeric ids that do not advance are duplicates (a replay overlap) and are skipped.
 * - `event: reset`, the origin's `state:snapshot`, or a changed `sys:ready` instance_id (top level
 *   or, as the origin sends it, under `data`) → bus `sys:reset` + the refetch callbacks; after a
 *   restart the cursor restarts from the new instance's ids (its seqs begin again at 1).
 * - The origin's `ledger:run` (runs recorded only through record_run) → bus `run:completed`.
 */
export function connectEventBridge(options: EventBridgeOptions): EventBridge {
  const doFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const random = options.random ?? Math.random;
  const initialDelay = options.initialDelayMs ?? 1000;
  const maxDelay = options.maxDelayMs ?? 30_000;
  const minRetry = options.minRetryMs ?? 100;
  const idleTimeout = options.idleTimeoutMs ?? 75_000;
  const resetFns = new Set<(reason: ResetReason) => void | Promise<void>>();
  if (options.onReset) resetFns.add(options.onReset);

  let state: BridgeState = 'connecting';
  let cursor = options.lastEventId ?? '';
  let instanceId: string | undefined;
  /** A restart was detected on this connection and nothing else has arrived since. */
  let justRestarted = false;
  let retryMs: number | undefined;
  let connections = 0;
  let closed = false;
  let current: AbortController | undefined;
  let wakeUp: (() => void) | undefined;
  let readyResolve!: () => void;
  let readyReject!: (e: unknown) => void;
  const readyPromise = new Promise<void>((resolve, reject) => {
    readyResolve = resolve;
    readyReject = reject;
  });
  readyPromise.catch(() => {}); // only callers of ready() see the failure
  let fatalError: ScpError | undefined;

  const setState = (s: BridgeState) => {
    if (state !== s) {
      state = s;
      options.onState?.(s);
    }
  };
  const report = (e: ScpError) => {
    try {
      options.onError?.(e);
    } catch {
      /* a reporter must not stop the stream */
    }
  };

  function reset(reason: ResetReason) {
    options.bus.emit('sys:reset', { reason });
    for (const fn of [...resetFns]) {
      try {
        const r = fn(reason);
        if (r && typeof (r as Promise<void>).catch === 'function') {
          (r as Promise<void>).catch((e) =>
            report(
              e instanceof ScpError
                ? e
                : new NetworkError(`Refetch after reset failed: ${String(e)}`, {
                    data: { url: options.url },
                    cause: e,
                  }),
            ),
          );
        }
      } catch (e) {
        report(
          e instanceof ScpError
            ? e
            : new NetworkError(`Refetch after reset failed: ${String(e)}`, { data: { url: options.url }, cause: e }),
        );
      }
    }
  }

  /** Returns true when the event moved the cursor forward (progress). */
  function handle(m: SseMessage): boolean {
    const id = m.hasId ? m.id : undefined;
    if (id !== undefined && !GOOD_ID.test(id)) {
      report(
        invalid(
          'sse id',
          `Server-sent id ${JSON.stringify(id.slice(0, 40))} is not a valid cursor; the event is kept but the cursor is not moved`,
          'id',
        ),
      );
    }
    const goodId = id !== undefined && GOOD_ID.test(id) ? id : undefined;

    if (m.type === 'reset') {
      let reason: ResetReason = 'cursor_expired';
      try {
        const d = JSON.parse(m.data) as { reason?: unknown };
        if (typeof d?.reason === 'string') reason = d.reason;
      } catch {
        /* a bare reset is fine */
      }
      cursor = goodId ?? '';
      reset(reason);
      return true;
    }
    if (m.type === 'sys:heartbeat') return false;
    if (m.type === 'state:snapshot') {
      // The origin's answer to a cursor older than its buffer: its state replaces the client's, so
      // views refetch; the snapshot's id is where the stream goes on from. Right after a restart
      // was detected on this connection the views are refetching already: one reset is enough.
      cursor = goodId ?? '';
      let reason: ResetReason = 'cursor_expired';
      try {
        const d = JSON.parse(m.data) as { data?: { reason?: unknown } };
        if (typeof d?.data?.reason === 'string') reason = d.data.reason;
      } catch {
        /* the reset stands */
      }
      if (!justRestarted) reset(reason);
      justRestarted = false;
      return true;
    }
    if (m.type === 'sys:ready') {
      let next: string | undefined;
      // The origin sends sys:ready as an ordinary envelope ({v, ts, seq, type, key, data: {instance_id}});
      // ours puts instance_id at the top level. Either names the server instance.
      try {
        const d = JSON.parse(m.data) as { instance_id?: unknown; data?: { instance_id?: unknown } };
        const found =
          typeof d?.instance_id === 'string'
            ? d.instance_id
            : d?.data && typeof d.data.instance_id === 'string'
              ? d.data.instance_id
              : undefined;
        if (found !== undefined) next = found;
      } catch {
        report(invalid('sse sys:ready', 'sys:ready data is not JSON', 'data'));
      }
      if (next !== undefined) {
        const restarted = instanceId !== undefined && next !== instanceId;
        instanceId = next;
        if (restarted) {
          cursor = goodId ?? '';
          justRestarted = true;
          reset('server_restart');
        }
      }
      readyResolve();
      return false;
    }

    justRestarted = false;
    // Duplicate after a replay overlap: numeric ids must advance.
    if (
      goodId !== undefined &&
      cursor !== '' &&
      /^\d+$/.test(goodId) &&
      /^\d+$/.test(cursor) &&
      Number(goodId) <= Number(cursor)
    )
      return false;

    let parsed: unknown;
    try {
      parsed = JSON.parse(m.data);
    } catch (e) {
      report(
        invalid(
          'sse event data',
          `Event "${m.type}"${goodId ? ` #${goodId}` : ''} has data that is not JSON; it was skipped`,
          'data',
          e,
        ),
      );
      if (goodId !== undefined) cursor = goodId;
      return goodId !== undefined;
    }
    // An envelope without `type` takes the SSE event name (some hosts only set `event:`).
    const plain = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
    const env = OriginEnvelope.safeParse(
      plain && !('type' in (parsed as object)) ? { ...(parsed as object), type: m.type } : parsed,
    );
    if (!env.success) {
      report(
        invalid(
          'sse envelope',
          `Event "${m.type}" is not an envelope {type, key, data}; it was skipped`,
          env.error.issues[0]?.path.map(String).join('.') || '(root)',
          env.error,
        ),
      );
    } else {
      try {
        options.onEnvelope?.(env.data, m);
      } catch {
        /* a host callback must not stop the stream */
      }
      if (env.data.type === 'cache:done' && options.onCacheDone && typeof env.data.key === 'string') {
        const d = env.data as Envelope & { duration_s?: unknown };
        const duration = typeof d.duration_s === 'number' ? d.duration_s : undefined;
        const failed = (e: unknown) =>
          report(
            e instanceof ScpError
              ? e
              : new ValidationError(`Handling cache:done for "${env.data.key}" failed: ${String(e)}`, {
                  data: { what: 'cache:done', issues: [{ path: 'data', message: String(e) }] },
                  cause: e,
                }),
          );
        try {
          const r = options.onCacheDone({
            card_key: env.data.key,
            result: env.data.data,
            ...(duration !== undefined && { duration_s: duration }),
          });
          if (r && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch(failed);
        } catch (e) {
          failed(e);
        }
      }
      const mapped = envelopeToBus(env.data);
      if (mapped) {
        const checked = checkBusPayload(mapped.name, mapped.payload);
        if (checked.ok) options.bus.emit(mapped.name as BusEventName, checked.value as never);
        else
          report(
            new ValidationError(
              `Event "${mapped.name}" does not match its schema: ${checked.issues[0]?.path}: ${checked.issues[0]?.message}`,
              { data: { what: `sse ${mapped.name}`, issues: checked.issues } },
            ),
          );
      }
    }
    if (goodId !== undefined) cursor = goodId;
    return goodId !== undefined;
  }

  function sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        wakeUp = undefined;
        resolve();
      }, ms);
      wakeUp = () => {
        clearTimeout(t);
        wakeUp = undefined;
        resolve();
      };
    });
  }

  async function connectOnce(): Promise<{ progressed: boolean; fatal: boolean }> {
    const ctl = new AbortController();
    current = ctl;
    justRestarted = false;
    let progressed = false;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const arm = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => ctl.abort(), idleTimeout);
    };
    const parser = createSseParser({
      lastEventId: cursor,
      ...(options.maxLineLength !== undefined && { maxLineLength: options.maxLineLength }),
      onMessage: (m) => {
        if (handle(m)) progressed = true;
      },
      onRetry: (ms) => {
        retryMs = ms;
      },
      onError: report,
    });
    try {
      const h = options.headers;
      const headers: Record<string, string> = {
        accept: 'text/event-stream',
        'cache-control': 'no-cache',
        ...(h ? (typeof h === 'function' ? await h() : h) : {}),
      };
      if (cursor) headers['last-event-id'] = cursor;
      connections++;
      arm();
      const res = await doFetch(options.url, {
        headers,
        credentials: options.credentials ?? 'same-origin',
        signal: ctl.signal,
        cache: 'no-store',
      });
      if (!res.ok) {
        const body = await res.text().catch(() => '');
        const err = new HttpError(`Event stream ${options.url} answered HTTP ${res.status}`, {
          data: { status: res.status, url: options.url, body: body.slice(0, 500) },
        });
        report(err);
        if (FATAL_STATUSES.has(res.status)) fatalError = err;
        return { progressed, fatal: FATAL_STATUSES.has(res.status) };
      }
      const type = res.headers.get('content-type') ?? '';
      if (!type.includes('text/event-stream') || !res.body) {
        await res.body?.cancel().catch(() => {});
        report(
          invalid(
            'sse content-type',
            `Event stream ${options.url} answered "${type}" instead of text/event-stream`,
            'content-type',
          ),
        );
        return { progressed, fatal: false };
      }
      setState('open');
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        arm();
        parser.push(decoder.decode(value, { stream: true }));
        if (closed) {
          await reader.cancel().catch(() => {});
          break;
        }
      }
      return { progressed, fatal: false };
    } catch (e) {
      if (!closed)
        report(
          new NetworkError(
            ctl.signal.aborted
              ? `Event stream ${options.url} went silent for ${idleTimeout} ms; reconnecting`
              : `Event stream ${options.url} dropped; reconnecting`,
            { data: { url: options.url }, cause: e },
          ),
        );
      return { progressed, fatal: false };
    } finally {
      clearTimeout(idleTimer);
      parser.end();
      current = undefined;
    }
  }

  void (async () => {
    let attempt = 0;
    while (!closed) {
      setState('connecting');
      const { progressed, fatal } = await connectOnce();
      if (closed) break;
      if (fatal) {
        closed = true;
        readyReject(fatalError);
        break;
      }
      attempt = progressed ? 0 : attempt + 1;
      const base = Math.max(1, retryMs !== undefined ? Math.max(retryMs, minRetry) : initialDelay);
      const ceiling = Math.min(maxDelay, base * 2 ** Math.min(attempt, 16));
      // Equal jitter: never below half the ceiling, so retries cannot bunch up into a tight loop.
      const delay = Math.max(1, ceiling / 2 + random() * (ceiling / 2));
      setState('waiting');
      await sleep(delay);
    }
    setState('closed');
  })();

  return {
    get state() {
      return state;
    },
    get lastEventId() {
      return cursor;
    },
    get instanceId() {
      return instanceId;
    },
    get connections() {
      return connections;
    },
    onReset(fn) {
      resetFns.add(fn);
      return () => {
        resetFns.delete(fn);
      };
    },
    ready: () => readyPromise,
    close() {
      if (closed && state === 'closed') return;
      closed = true;
      current?.abort();
      wakeUp?.();
      setState('closed');
    },
  };
}
