import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ScpClient } from '../../client.js';
import { valueLimits, type ValueLimits } from '../../limits.js';
import { correlationFromNodeHeaders } from '../../runs/correlation.js';
import { requiredRole, roleAllows, type Role } from '../roles.js';
import { authenticate, type AuthHook } from './authenticate.js';
import type { EventJournal, RetentionOptions } from './event-journal.js';
import { drainAndClose, readJsonBody, RequestError } from './request-body.js';
import { guardWrite, type WriteGuardOptions } from './request-guard.js';
import { answerPreflight, applyCors, errorBody, sendJson, type CorsOptions } from './responses.js';
import { API_GROUPS, findRoute, ROUTES, type RouteSettings } from './routes/index.js';
import { createTenants, type Tenant } from './tenants.js';

export { forbidden, unauthorized, type AuthResult } from './authenticate.js';

export interface ScpRequestHandlerOptions {
  /**
   * The core serving the requests: one client (single tenant, `default`), or a factory giving each
   * tenant its own client (its own ledger and staging), called once per tenant.
   */
  scp: ScpClient | ((tenant: string) => ScpClient | Promise<ScpClient>);
  /**
   * The host's authentication. Return `{actor, tenant, role}` (or just `true`, or the actor's
   * name); throw `unauthorized()` (401) or `forbidden()` (403). Any other throw is a 401. Without
   * it every request is tenant `default` with the role `admin` (an open host, as before roles).
   */
  auth?: AuthHook;
  /** The role of an authenticated request whose hook names none (default `operator`). */
  defaultRole?: Role;
  /** Folder for the durable event journal (one sub-folder per tenant); without it, memory only. */
  eventsDir?: string;
  /**
   * Each tenant's event journal, when it lives elsewhere (a database shared by several host
   * instances, see `scp-ledger/host/postgres`); replaces `eventsDir`.
   */
  journal?: (tenant: string) => EventJournal | Promise<EventJournal>;
  retention?: RetentionOptions;
  /** Largest accepted request body (default 2 MiB). */
  maxBodyBytes?: number;
  /** A heartbeat is sent after this much silence on an event stream (default 15 s). */
  heartbeatMs?: number;
  /** Reconnect delay suggested to SSE clients with `retry:` (default 2000 ms). */
  retryMs?: number;
  /** Events a stream may fall behind while its socket is backed up before it is reset and dropped (default 1000). */
  maxClientLag?: number;
  /**
   * Allow `POST /api/ledger/write` (default true). Its entries are stored as written by the
   * authenticated actor (or `unknown`), whatever actors the body names; `'import'` keeps the body's
   * actors, for a trusted tool replaying another ledger.
   */
  ledgerWrite?: boolean | 'import';
  /**
   * Origins whose pages may send state-changing requests (POST, DELETE ...), besides the host's
   * own origin; `'*'` for any. Default: the host's own origin and the `cors.origins` list.
   */
  allowedOrigins?: string[] | '*';
  /** Structural limits of request bodies (nesting depth, keys, array length, string length, values). */
  limits?: Partial<ValueLimits>;
  /** Called with every failure answered as 500 (for the host's logs; the client sees no detail). */
  onError?: (error: unknown, req: IncomingMessage | undefined) => void;
  /** Origins allowed to call cross-origin (CORS), or `*`. */
  cors?: CorsOptions;
}

export interface ScpRequestHandler {
  /** A plain node:http handler; with `next` (Express/Connect), non-API paths are passed on. */
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): Promise<void>;
  /** Ends every event stream and stops listening to the cores (the cores are not closed). */
  close(): Promise<void>;
  /** Open event streams (all tenants). */
  readonly streams: number;
}

/**
 * Serves the origin's HTTP API, the runs endpoints and an SSE stream (durable replay, resume,
 * reset, heartbeats) from a core. See docs/host-api.md for every endpoint; the routes are in
 * ./routes, one module per group.
 */
export function createScpRequestHandler(options: ScpRequestHandlerOptions): ScpRequestHandler {
  const tenants = createTenants(options);
  let closed = false;
  const route = routeApi(options, tenants.get);

  const handler = (async (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    applyCors(req, res, options.cors);
    if (answerPreflight(req, res, url, options.cors)) return;
    try {
      if (closed) throw new RequestError(503, 'closed', 'The host is shutting down');
      if (await route(req, res, url)) return;
      if (next) next();
      else sendJson(req, res, 404, { error: 'not_found', message: `${url.pathname} is not served here` });
    } catch (e) {
      answerFailure(req, res, e, options.onError);
    }
  }) as ScpRequestHandler;

  Object.defineProperty(handler, 'streams', {
    get: () => {
      let n = 0;
      for (const t of tenants.resolved) n += t.streams.size;
      return n;
    },
  });

  handler.close = async () => {
    closed = true;
    for (const t of tenants.resolved) {
      for (const s of [...t.streams]) s.close();
      t.off();
      await t.journaled();
    }
  };
  return handler;
}

/** The error's answer (a 500 also goes to `onError`); a stream already under way is cut instead. */
function answerFailure(
  req: IncomingMessage,
  res: ServerResponse,
  e: unknown,
  onError: ScpRequestHandlerOptions['onError'],
): void {
  const { status, body } = errorBody(e);
  if (status >= 500) {
    try {
      onError?.(e, req);
    } catch {
      /* logging must not break the answer */
    }
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(req, res, status, body);
  if (status === 413) drainAndClose(req, res);
}

/**
 * Serves one `/api/...` request (false for any other path): refuses cross-site writes, signs the
 * caller in, checks their role against the endpoint's, and runs the route. A change is answered
 * once its events are in the journal: a client told "saved" then finds the event on any
 * instance's stream, even if this process dies right after answering.
 */
function routeApi(
  options: ScpRequestHandlerOptions,
  tenant: (name: string) => Promise<Tenant>,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> {
  const maxBody = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const limits = valueLimits(options.limits);
  const writeGuard: WriteGuardOptions = {
    allowedOrigins: options.allowedOrigins ?? (Array.isArray(options.cors?.origins) ? options.cors.origins : []),
  };
  const settings: RouteSettings = {
    ledgerWrite: options.ledgerWrite ?? true,
    stream: {
      heartbeatMs: options.heartbeatMs ?? 15_000,
      retryMs: options.retryMs ?? 2000,
      maxLag: options.maxClientLag ?? 1000,
      onError: options.onError,
    },
  };
  return async (req, res, url) => {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean); // ['api', ...]
    if (parts[0] !== 'api') return false;
    guardWrite(req, writeGuard);
    const signedIn = await authenticate(req, options.auth, typeof options.scp === 'function');
    const t = await tenant(signedIn.tenant);
    const role = signedIn.role ?? (await t.settings.get()).default_role ?? options.defaultRole ?? 'operator';
    const path = parts.slice(1);
    // An endpoint missing from the table still needs a role: reads viewer, anything else operator.
    const need = requiredRole(method, path) ?? (method === 'GET' ? 'viewer' : 'operator');
    if (!roleAllows(role, need)) {
      const message = `${method} ${url.pathname} needs the ${need} role (you have ${role})`;
      throw new RequestError(403, 'forbidden', message, undefined, { role: need });
    }
    let answering: Promise<void> | undefined;
    const send = (status: number, body: unknown) => {
      if (method === 'GET') sendJson(req, res, status, body);
      else answering = t.journaled().then(() => sendJson(req, res, status, body));
    };
    const found = findRoute(ROUTES, method, path);
    if (!found) {
      const known = API_GROUPS.includes(path[0] ?? '');
      send(known ? 405 : 404, {
        error: known ? 'method_not_allowed' : 'not_found',
        message: `${method} ${url.pathname} is not an endpoint of this host`,
      });
      await answering;
      return true;
    }
    try {
      await found.route.handle({
        req,
        res,
        query: url.searchParams,
        params: found.params,
        who: { ...signedIn, role },
        correlation: correlationFromNodeHeaders(req.headers),
        tenant: t,
        scp: t.scp,
        settings,
        body: () => readJsonBody(req, maxBody, limits),
        send,
      });
    } finally {
      await answering;
    }
    return true;
  };
}
