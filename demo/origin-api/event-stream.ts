// The live SSE stream (`GET /api/events`) of the simulated origin, framed as the origin frames it:
// `sys:ready` as an ordinary envelope (its own seq and `id:` line, `instance_id` under `data`), a
// replay of the journal after `Last-Event-ID` (or `?since=`, the larger wins), then every new
// envelope as it is published, with a heartbeat after silence. A cursor the journal no longer
// holds (or never issued) gets a `state:snapshot` envelope (the origin has no `event: reset`).
// No `retry:` line unless a test asks for one. msw hands the ReadableStream to its service
// worker, so it stays open.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { recordRequest } from './origin-handlers.js';
import type { OriginEnvelope, OriginState } from './state.js';

export interface EventStreamOptions {
  /** Silence before a `sys:heartbeat` (ms, default 15,000). */
  heartbeatMs?: number;
  /** A `retry:` line to advertise (ms); the origin sends none. */
  retryMs?: number;
}

const frame = (env: OriginEnvelope) => `event: ${env.type}\nid: ${env.seq}\ndata: ${JSON.stringify(env)}\n\n`;

export function eventStreamHandler(state: OriginState, base = '', options: EventStreamOptions = {}): HttpHandler {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs;
  return http.get(`${base}/api/events`, ({ request }) => {
    // Scripted streams, when a test queued some, go to the origin's handler.
    if (state.streams.length > 0) return undefined;
    recordRequest(state, request);
    const header = request.headers.get('last-event-id');
    const since = new URL(request.url).searchParams.get('since');
    const cursor =
      header !== null && since !== null ? String(Math.max(Number(header) || 0, Number(since) || 0)) : (header ?? since);
    const encoder = new TextEncoder();
    let stop = () => {};
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        const send = (text: string) => {
          try {
            controller.enqueue(encoder.encode(text));
          } catch {
            stop();
            return;
          }
          clearTimeout(timer);
          timer = setTimeout(() => send(`event: sys:heartbeat\ndata: {"ts":${Date.now() / 1000}}\n\n`), heartbeatMs);
        };
        const listener = (env: OriginEnvelope) => send(frame(env));
        stop = () => {
          clearTimeout(timer);
          state.listeners.delete(listener);
        };
        if (retryMs !== undefined) send(`retry: ${retryMs}\n\n`);
        const envelope = (type: string, data: Record<string, unknown>): OriginEnvelope => ({
          v: 1,
          ts: Date.now() / 1000,
          seq: state.seq,
          type,
          key: '',
          data,
        });
        send(frame(envelope('sys:ready', { instance_id: state.instanceId, cache_keys: [] })));
        if (cursor !== null && cursor !== '') {
          const after = Number(cursor);
          const oldest = state.journal[0]?.seq ?? state.seq + 1;
          const known = Number.isInteger(after) && after >= 0 && after <= state.seq;
          if (!known || after < oldest - 1) {
            // The state that replaces the client's (what it shows is refetched from here on).
            const pending = [...state.pending.values()].map(({ data: _data, ...meta }) => meta);
            send(frame(envelope('state:snapshot', { pending, reason: known ? 'cursor_expired' : 'cursor_unknown' })));
          } else {
            for (const env of state.journal) if (env.seq > after) send(frame(env));
          }
        }
        state.listeners.add(listener);
        request.signal.addEventListener('abort', () => stop(), { once: true });
      },
      cancel() {
        stop();
      },
    });
    return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
  });
}
