/**
 * The Node `(req, res, next)` middleware of route tracking (see runs/route-tracking.ts): works as
 * Express / Connect middleware, in a plain node:http handler (`track(req, res, () => route(req, res))`),
 * with Fastify (`onRequest` on `req.raw` / `reply.raw`, see docs/host-api.md), and with Koa through `trackKoa`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  outcomeOfStatus,
  routeSpec,
  RUN_ID_HEADER,
  TRACKED_METHODS,
  type RouteTrackingOptions,
} from '../../runs/route-tracking.js';
import type { RunHandle } from '../../runs/types.js';

/** The run a tracked request is recorded as, for handlers that add events or artifacts. */
export const SCP_RUN = Symbol.for('scp-ledger.run');
export type TrackedRequest = IncomingMessage & { [SCP_RUN]?: RunHandle };

/** The run handle of a tracked request (undefined when the request is not tracked). */
export function runOf(req: IncomingMessage): RunHandle | undefined {
  return (req as TrackedRequest)[SCP_RUN];
}

export function trackRoutes(options: RouteTrackingOptions<IncomingMessage>) {
  const methods = options.methods ?? TRACKED_METHODS;
  const runs = 'runs' in options.client ? options.client.runs : options.client;
  return function scpTrackRoutes(req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void): void {
    const method = (req.method ?? 'GET').toUpperCase();
    if (!methods.includes(method)) {
      next();
      return;
    }
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const header = (n: string) => {
      const v = req.headers[n];
      return Array.isArray(v) ? v[0] : v;
    };
    runs.start(routeSpec(options, req, method, pathname, header)).then(
      (handle) => {
        (req as TrackedRequest)[SCP_RUN] = handle;
        res.setHeader(RUN_ID_HEADER, handle.id);
        if (options.runIdInBody) addRunIdToJson(res, handle.id);
        let settled = false;
        const settle = (outcome: Parameters<RunHandle['finish']>[0]) => {
          if (settled) return;
          settled = true;
          handle.finish(outcome).catch(() => {
            /* the run was finished by the handler itself */
          });
        };
        res.on('finish', () => settle(outcomeOfStatus(res.statusCode)));
        // The client went away before the answer was complete.
        res.on('close', () =>
          settle({
            status: 'cancelled',
            summary: `${method} ${pathname}: connection closed before the response ended`,
          }),
        );
        next();
      },
      (error: unknown) => next(error instanceof Error ? error : new Error(String(error))),
    );
  };
}

/**
 * The same as Koa middleware: `app.use(trackKoa(options))`. Koa drops every header already set
 * when a later middleware throws; the run id then travels on the error's `headers`, which Koa
 * sets on its error answer, so a 500 still names its run.
 */
export function trackKoa(options: RouteTrackingOptions<IncomingMessage>) {
  const track = trackRoutes(options);
  return async function scpTrackKoa(
    ctx: { req: IncomingMessage; res: ServerResponse },
    next: () => Promise<unknown>,
  ): Promise<void> {
    await new Promise<void>((resolve, reject) => track(ctx.req, ctx.res, (e) => (e ? reject(e) : resolve())));
    try {
      await next();
    } catch (e) {
      const id = ctx.res.getHeader(RUN_ID_HEADER);
      if (id !== undefined && e && typeof e === 'object') {
        const err = e as { headers?: Record<string, unknown> };
        err.headers = { ...err.headers, [RUN_ID_HEADER]: String(id) };
      }
      throw e;
    }
  };
}

/** Adds `run_id` to a JSON object body sent in one piece (Express's res.json / res.send, or res.end(text)). */
function addRunIdToJson(res: ServerResponse, runId: string): void {
  const end = res.end.bind(res) as (...a: unknown[]) => ServerResponse;
  (res as unknown as { end: (...a: unknown[]) => ServerResponse }).end = (chunk?: unknown, ...rest: unknown[]) => {
    const type = String(res.getHeader('content-type') ?? '');
    if (
      (typeof chunk === 'string' || chunk instanceof Uint8Array) &&
      /^application\/(?:[\w.+-]+\+)?json/i.test(type) &&
      !res.headersSent
    ) {
      try {
        const json = JSON.parse(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')) as unknown;
        if (json && typeof json === 'object' && !Array.isArray(json)) {
          const text = JSON.stringify({ ...json, run_id: runId });
          res.setHeader('content-length', Buffer.byteLength(text));
          return end(text, ...rest.filter((r) => typeof r === 'function'));
        }
      } catch {
        /* not JSON: sent as it was */
      }
    }
    return end(chunk, ...rest);
  };
}
