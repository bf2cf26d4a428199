/**
 * One-line route tracking: each state-changing request becomes a run (type and subtype from the
 * route or an option, status from the response or a thrown error, actor and correlation id from
 * the request), and the response names it in `X-Scp-Run-Id` (and `run_id` in a JSON body when
 * asked) so the UI can link what it just did as `@run:<id>`.
 *
 * This module is the runtime-neutral part (the fetch-style wrapper for Hono, Next.js route
 * handlers, Workers, Deno, Bun) and the client helper; the Node `(req, res, next)` middleware
 * lives in host/node/track-routes.ts.
 */
import { correlationFrom } from './correlation.js';
import type { RunHandle, RunSpec, Runs } from './types.js';

export const RUN_ID_HEADER = 'x-scp-run-id';

/** Methods that change state; other requests are passed through untracked. */
export const TRACKED_METHODS: readonly string[] = ['POST', 'PUT', 'PATCH', 'DELETE'];

/** What the route trackers share: where runs go and how a request becomes a run. */
export interface RouteTrackingOptions<Req> {
  /** The client (or its `runs`) recording the runs. */
  client: { runs: Pick<Runs, 'start'> } | Pick<Runs, 'start'>;
  /** Run type; default the route's first path segment after `/api` (`POST /api/deploy/k8s` → `deploy`). */
  type?: string | ((req: Req) => string);
  /** Run subtype; default `<type>:<next segment>` (`deploy:k8s`), or the type alone. */
  subtype?: string | ((req: Req) => string);
  /** Who acts (default none: the client's context provider, then `unknown`). */
  actor?: (req: Req) => string | undefined;
  /** More of the run spec (summary, target, reason ...), per request. */
  spec?: (req: Req) => Partial<RunSpec>;
  /** Also add `run_id` to JSON object response bodies (default false: the header only). */
  runIdInBody?: boolean;
  /** Methods recorded as runs (default POST, PUT, PATCH, DELETE). */
  methods?: readonly string[];
}

const runsOf = (c: RouteTrackingOptions<unknown>['client']): Pick<Runs, 'start'> => ('runs' in c ? c.runs : c);

/** A request path's segments without an `api` prefix and without id-like segments (digits, uuids, our ids). */
function routeWords(pathname: string): string[] {
  return pathname
    .split('/')
    .filter(Boolean)
    .filter((s, i) => !(i === 0 && s === 'api'))
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    })
    .filter((s) => !/^\d+$/.test(s) && !/^[0-9a-f-]{16,}$/i.test(s) && !/_\d{8}/.test(s));
}

/** The run spec for a request: type/subtype from the options or the route, actor, correlation id. */
export function routeSpec<Req>(
  o: RouteTrackingOptions<Req>,
  req: Req,
  method: string,
  pathname: string,
  header: (n: string) => string | null | undefined,
): RunSpec {
  const words = routeWords(pathname);
  const type = (typeof o.type === 'function' ? o.type(req) : o.type) ?? (words[0] || method.toLowerCase());
  const subtype =
    (typeof o.subtype === 'function' ? o.subtype(req) : o.subtype) ??
    (o.type === undefined && words[1] ? `${type}:${words[1]}` : type);
  const actor = o.actor?.(req);
  const correlation = correlationFrom(header);
  return {
    type,
    subtype,
    summary: `${method} ${pathname}`,
    ...(actor && { actor }),
    ...(correlation && { correlation_id: correlation }),
    ...o.spec?.(req),
  };
}

/** A response status's outcome: 2xx/3xx ok, 4xx/5xx failed (with the status as the error). */
export function outcomeOfStatus(status: number): Parameters<RunHandle['finish']>[0] {
  return status < 400
    ? { status: 'ok', summary: `HTTP ${status}` }
    : { status: 'failed', summary: `HTTP ${status}`, error: new Error(`HTTP ${status}`) };
}

/**
 * Wraps a fetch-style handler (`(request) => Response`): state-changing requests are recorded as
 * runs; the response gets `X-Scp-Run-Id` (and `run_id` in a JSON object body with `runIdInBody`).
 * A thrown error fails the run and is thrown on unchanged.
 */
export function trackFetch<Args extends unknown[]>(
  handler: (request: Request, ...rest: Args) => Response | Promise<Response>,
  options: RouteTrackingOptions<Request>,
): (request: Request, ...rest: Args) => Promise<Response> {
  const methods = options.methods ?? TRACKED_METHODS;
  return async (request, ...rest) => {
    if (!methods.includes(request.method.toUpperCase())) return handler(request, ...rest);
    const url = new URL(request.url);
    const handle = await runsOf(options.client).start(
      routeSpec(options, request, request.method.toUpperCase(), url.pathname, (n) => request.headers.get(n)),
    );
    let response: Response;
    try {
      response = await handler(request, ...rest);
    } catch (error) {
      await handle.finish({ error }).catch(() => undefined);
      throw error;
    }
    await handle.finish(outcomeOfStatus(response.status)).catch(() => undefined);
    return withRunId(response, handle.id, options.runIdInBody === true);
  };
}

async function withRunId(response: Response, runId: string, inBody: boolean): Promise<Response> {
  const headers = new Headers(response.headers);
  headers.set(RUN_ID_HEADER, runId);
  let body: BodyInit | null = response.body;
  if (inBody && /^application\/(?:[\w.+-]+\+)?json/i.test(headers.get('content-type') ?? '')) {
    const text = await response.text();
    body = text;
    try {
      const json = JSON.parse(text) as unknown;
      if (json && typeof json === 'object' && !Array.isArray(json)) {
        body = JSON.stringify({ ...json, run_id: runId });
        headers.delete('content-length');
      }
    } catch {
      /* not JSON after all: sent as it was */
    }
  }
  return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

/**
 * The `@run:<id>` reference a tracked response names (its `X-Scp-Run-Id` header, else a `run_id`
 * in its JSON body, when given), for the UI to link or to show in a run badge.
 */
export function runRefOf(
  response: { headers: { get(name: string): string | null } },
  body?: unknown,
): string | undefined {
  const id =
    response.headers.get(RUN_ID_HEADER) ??
    (body && typeof body === 'object' ? (body as { run_id?: unknown }).run_id : undefined);
  return typeof id === 'string' && /^[A-Za-z0-9_.-]{1,128}$/.test(id) ? `@run:${id}` : undefined;
}
