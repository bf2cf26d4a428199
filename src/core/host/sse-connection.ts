import { HttpError, NetworkError, type ScpError } from '../errors/index.js';
import type { HeadersHook } from './http.js';
import { invalid } from './sse-dispatch.js';
import { createSseParser, type SseMessage } from './sse-parser.js';

/** Answers that end the bridge (reported, not retried): the host refused this client or has no stream. */
const FATAL_STATUSES = new Set([400, 401, 403, 404, 405, 410]);

/** One connection's settings and what it reports to the bridge. */
export interface ConnectionOptions {
  url: string;
  fetch: typeof fetch;
  headers?: Record<string, string> | HeadersHook | undefined;
  credentials: RequestCredentials;
  /** No byte for this long (not even a heartbeat): the connection is treated as dead. */
  idleTimeoutMs: number;
  maxLineLength?: number | undefined;
  /** Sent as `Last-Event-ID` when not empty. */
  cursor: string;
  /** Returns true when the message moved the cursor forward. */
  onMessage(m: SseMessage): boolean;
  onRetry(ms: number): void;
  /** A request is about to go out (its headers are ready). */
  onConnect(): void;
  /** The stream is open (a 200 with text/event-stream). */
  onOpen(): void;
  report(e: ScpError): void;
  /** The bridge was closed: stop reading. */
  closed(): boolean;
  /** The controller that aborts this connection (undefined once it ended). */
  setController(ctl: AbortController | undefined): void;
}

/** How a connection ended: whether it made progress, and the refusal that ends the bridge. */
export interface ConnectionEnd {
  progressed: boolean;
  fatal?: HttpError;
}

/** Opens the stream once and reads it until it ends, fails or goes silent. Never throws. */
export async function connectOnce(o: ConnectionOptions): Promise<ConnectionEnd> {
  const ctl = new AbortController();
  o.setController(ctl);
  let progressed = false;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => ctl.abort(), o.idleTimeoutMs);
  };
  const parser = createSseParser({
    lastEventId: o.cursor,
    ...(o.maxLineLength !== undefined && { maxLineLength: o.maxLineLength }),
    onMessage: (m) => {
      if (o.onMessage(m)) progressed = true;
    },
    onRetry: o.onRetry,
    onError: o.report,
  });
  try {
    const res = await open(o, ctl.signal, arm);
    const refused = await refusal(o, res);
    if (refused) return { progressed, ...refused };
    o.onOpen();
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      parser.push(decoder.decode(value, { stream: true }));
      if (o.closed()) {
        await reader.cancel().catch(() => {});
        break;
      }
    }
    return { progressed };
  } catch (e) {
    if (!o.closed()) {
      const text = ctl.signal.aborted
        ? `Event stream ${o.url} went silent for ${o.idleTimeoutMs} ms; reconnecting`
        : `Event stream ${o.url} dropped; reconnecting`;
      o.report(new NetworkError(text, { data: { url: o.url }, cause: e }));
    }
    return { progressed };
  } finally {
    clearTimeout(idleTimer);
    parser.end();
    o.setController(undefined);
  }
}

async function open(o: ConnectionOptions, signal: AbortSignal, arm: () => void): Promise<Response> {
  const h = o.headers;
  const headers: Record<string, string> = {
    accept: 'text/event-stream',
    'cache-control': 'no-cache',
    ...(h ? (typeof h === 'function' ? await h() : h) : {}),
  };
  if (o.cursor) headers['last-event-id'] = o.cursor;
  o.onConnect();
  arm();
  return o.fetch(o.url, { headers, credentials: o.credentials, signal, cache: 'no-store' });
}

/**
 * Why the answer is not a stream to read, reported (an error status; a body that is not an event
 * stream), or undefined for a stream. A refusal in FATAL_STATUSES ends the bridge.
 */
async function refusal(o: ConnectionOptions, res: Response): Promise<{ fatal?: HttpError } | undefined> {
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    const err = new HttpError(`Event stream ${o.url} answered HTTP ${res.status}`, {
      data: { status: res.status, url: o.url, body: body.slice(0, 500) },
    });
    o.report(err);
    return FATAL_STATUSES.has(res.status) ? { fatal: err } : {};
  }
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !res.body) {
    await res.body?.cancel().catch(() => {});
    o.report(
      invalid(
        'sse content-type',
        `Event stream ${o.url} answered "${type}" instead of text/event-stream`,
        'content-type',
      ),
    );
    return {};
  }
  return undefined;
}
