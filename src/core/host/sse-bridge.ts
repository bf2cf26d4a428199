import { NetworkError, ScpError } from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import type { Staging } from '../staging/types.js';
import type { OriginEnvelope as Envelope } from './envelope.js';
import type { HeadersHook } from './http.js';
import { connectOnce } from './sse-connection.js';
import { type DispatchState, dispatch } from './sse-dispatch.js';
import type { SseMessage } from './sse-parser.js';

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
 * The messages are handled in ./sse-dispatch.ts, one connection's reading in ./sse-connection.ts.
 */
export function connectEventBridge(options: EventBridgeOptions): EventBridge {
  return new Bridge(options);
}

class Bridge implements EventBridge {
  state: BridgeState = 'connecting';
  connections = 0;
  private readonly resetFns = new Set<(reason: ResetReason) => void | Promise<void>>();
  private readonly s: DispatchState;
  private retryMs: number | undefined;
  private closed = false;
  private current: AbortController | undefined;
  private wakeUp: (() => void) | undefined;
  private readonly readyPromise: Promise<void>;
  private readyResolve!: () => void;
  private readyReject!: (e: unknown) => void;

  constructor(private readonly options: EventBridgeOptions) {
    if (options.onReset) this.resetFns.add(options.onReset);
    this.s = { cursor: options.lastEventId ?? '', instanceId: undefined, justRestarted: false };
    this.readyPromise = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.readyPromise.catch(() => {}); // only callers of ready() see the failure
    void this.run();
  }

  get lastEventId(): string {
    return this.s.cursor;
  }

  get instanceId(): string | undefined {
    return this.s.instanceId;
  }

  onReset(fn: (reason: ResetReason) => void | Promise<void>): () => void {
    this.resetFns.add(fn);
    return () => {
      this.resetFns.delete(fn);
    };
  }

  ready(): Promise<void> {
    return this.readyPromise;
  }

  close(): void {
    if (this.closed && this.state === 'closed') return;
    this.closed = true;
    this.current?.abort();
    this.wakeUp?.();
    this.setState('closed');
  }

  private setState(s: BridgeState): void {
    if (this.state !== s) {
      this.state = s;
      this.options.onState?.(s);
    }
  }

  private report(e: ScpError): void {
    try {
      this.options.onError?.(e);
    } catch {
      /* a reporter must not stop the stream */
    }
  }

  /** Bus `sys:reset`, then every refetch callback; what they throw or reject with is reported. */
  private reset(reason: ResetReason): void {
    this.options.bus.emit('sys:reset', { reason });
    const failed = (e: unknown) =>
      this.report(
        e instanceof ScpError
          ? e
          : new NetworkError(`Refetch after reset failed: ${String(e)}`, { data: { url: this.options.url }, cause: e }),
      );
    for (const fn of [...this.resetFns]) {
      try {
        const r = fn(reason);
        if (r && typeof (r as Promise<void>).catch === 'function') (r as Promise<void>).catch(failed);
      } catch (e) {
        failed(e);
      }
    }
  }

  /** Connects, reads, and reconnects after a backoff until closed or refused. */
  private async run(): Promise<void> {
    const o = this.options;
    const initialDelay = o.initialDelayMs ?? 1000;
    const maxDelay = o.maxDelayMs ?? 30_000;
    const minRetry = o.minRetryMs ?? 100;
    const random = o.random ?? Math.random;
    let attempt = 0;
    while (!this.closed) {
      this.setState('connecting');
      const { progressed, fatal } = await this.connect();
      if (this.closed) break;
      if (fatal) {
        this.closed = true;
        this.readyReject(fatal);
        break;
      }
      attempt = progressed ? 0 : attempt + 1;
      const base = Math.max(1, this.retryMs !== undefined ? Math.max(this.retryMs, minRetry) : initialDelay);
      const ceiling = Math.min(maxDelay, base * 2 ** Math.min(attempt, 16));
      // Equal jitter: never below half the ceiling, so retries cannot bunch up into a tight loop.
      const delay = Math.max(1, ceiling / 2 + random() * (ceiling / 2));
      this.setState('waiting');
      await this.sleep(delay);
    }
    this.setState('closed');
  }

  private connect() {
    const o = this.options;
    this.s.justRestarted = false;
    return connectOnce({
      url: o.url,
      fetch: o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a)),
      headers: o.headers,
      credentials: o.credentials ?? 'same-origin',
      idleTimeoutMs: o.idleTimeoutMs ?? 75_000,
      maxLineLength: o.maxLineLength,
      cursor: this.s.cursor,
      onMessage: (m) =>
        dispatch(m, this.s, {
          bus: o.bus,
          report: (e) => this.report(e),
          reset: (reason) => this.reset(reason),
          ready: () => this.readyResolve(),
          onEnvelope: o.onEnvelope,
          onCacheDone: o.onCacheDone,
        }),
      onRetry: (ms) => {
        this.retryMs = ms;
      },
      onConnect: () => {
        this.connections++;
      },
      onOpen: () => this.setState('open'),
      report: (e) => this.report(e),
      closed: () => this.closed,
      setController: (ctl) => {
        this.current = ctl;
      },
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(t);
        this.wakeUp = undefined;
        resolve();
      };
    });
  }
}
