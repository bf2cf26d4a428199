import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import * as z from 'zod/mini';
import type { ScpClient } from '../../client.js';
import { HttpError, ScpError, UnknownRefKindError } from '../../errors/index.js';
import { idProblem } from '../../ids.js';
import { checkWith } from '../../schemas/parse.js';
import { checkSelection } from '../../selection.js';
import { correlationFromNodeHeaders } from '../../runs/correlation.js';
import type { RunHandle } from '../../runs/types.js';
import { LedgerQuery, type EntryMeta } from '../../schemas/ledger.js';
import type { BusEventMap, BusEventName } from '../../schemas/events.js';
import type { Run } from '../../schemas/run.js';
import { busToEnvelope, WIRE_EVENTS } from '../envelope.js';
import { capabilitiesOf, isRole, requiredRole, roleAllows, ROLES, type Role } from '../roles.js';
import { statusForCode } from '../wire-errors.js';
import { createEventJournal, type EventJournal, type JournalEntry, type RetentionOptions } from './event-journal.js';
import { drainAndClose, readJsonBody, RequestError } from './request-body.js';
import { guardWrite, type WriteGuardOptions } from './request-guard.js';
import { withActor } from './actors.js';
import { valueLimits, type ValueLimits } from '../../limits.js';
import { latestCheckpoint } from './checkpoint.js';
import { adminRoute, createSettingsCache } from './admin-routes.js';

/**
 * Who is asking: the actor recorded on saves, runs, discards and deletes, the tenant whose data
 * they may see, and their role (`viewer` reads, `operator` also stages/saves/discards/records runs,
 * `admin` also deletes). Without a role the request has `defaultRole`.
 */
export interface AuthResult {
  actor?: string;
  tenant?: string;
  role?: Role;
}

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
  auth?: (req: IncomingMessage) => AuthResult | string | true | Promise<AuthResult | string | true>;
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
  cors?: { origins: string[] | '*'; credentials?: boolean };
}

export interface ScpRequestHandler {
  /** A plain node:http handler; with `next` (Express/Connect), non-API paths are passed on. */
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): Promise<void>;
  /** Ends every event stream and stops listening to the cores (the cores are not closed). */
  close(): Promise<void>;
  /** Open event streams (all tenants). */
  readonly streams: number;
}

/** Throw from `auth` for a request without valid credentials (401). */
export function unauthorized(message = 'Sign in to use this API'): HttpError {
  return new HttpError(message, { data: { status: 401, url: '' } });
}
/** Throw from `auth` for an authenticated caller who may not do this (403). */
export function forbidden(message = 'You may not use this API'): HttpError {
  return new HttpError(message, { data: { status: 403, url: '' } });
}

interface Tenant {
  name: string;
  scp: ScpClient;
  journal: EventJournal;
  /** Resolves once every event emitted so far is in the journal (answers wait for it). */
  journaled: () => Promise<void>;
  streams: Set<Stream>;
  liveRuns: Map<string, RunHandle>;
  /** What an admin set for this tenant (`PUT /api/settings`). */
  settings: ReturnType<typeof createSettingsCache>;
  off: () => void;
}

interface Stream {
  res: ServerResponse;
  close(reason?: string): void;
}

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

type Json = Record<string, unknown>;

// --- request validation: every failure names its field -------------------------------------------

function bad(field: string, message: string, code = 'validation'): RequestError {
  return new RequestError(400, code, `${field}: ${message}`, field);
}

function pathId(raw: string, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw bad('id', 'not a valid URL-encoded id', 'invalid_id');
  }
  const problem = idProblem(id);
  if (problem) throw bad('id', `${what} id ${problem}`, 'invalid_id');
  return id;
}

function selection(body: unknown, action: string): string[] | 'all' {
  if (body === undefined)
    throw bad(
      'snapshot_ids',
      `required: send {"snapshot_ids": [ids]} or {"snapshot_ids": "all"} (nothing is ${action}d implicitly)`,
    );
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'expected a JSON object');
  const r = checkSelection((body as Json).snapshot_ids, action, 10_000);
  if ('selection' in r) return r.selection;
  const { code, path, message } = r.problem;
  throw bad(path ? `snapshot_ids.${path}` : 'snapshot_ids', message, code);
}

function int(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === '') return def;
  if (!/^\d+$/.test(v)) throw bad(name, 'expected a whole number');
  const n = Number(v);
  if (n < min || n > max) throw bad(name, `must be between ${min} and ${max}`);
  return n;
}

function optString(q: URLSearchParams, name: string, max = 500): string | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  if (v.length > max) throw bad(name, `at most ${max} characters`);
  return v;
}

/**
 * Query parameters named like LedgerQuery's fields, passed on as given (`limit` as a number): the
 * ledger itself validates them, so HTTP callers get the same ValidationError a local caller gets.
 */
function ledgerQuery(q: URLSearchParams): LedgerQuery {
  const out: Record<string, string | number> = {};
  for (const key of Object.keys(LedgerQuery.shape)) {
    const v = q.get(key);
    if (v === null) continue;
    if (v.length > 2000) throw bad(key, 'at most 2000 characters');
    out[key] = key === 'limit' ? (v.trim() === '' ? Number.NaN : Number(v)) : v;
  }
  return out as LedgerQuery;
}

const StageBody = z.object({
  card_key: z.string().check(z.minLength(1), z.maxLength(200)),
  result: z.unknown(),
  options: z.optional(
    z.object({
      status: z.optional(z.string()),
      duration_s: z.optional(z.number()),
      summary: z.optional(z.string()),
      computed_at: z.optional(z.string()),
    }),
  ),
});

/** A body checked by its schema (the one validation path); the first issue becomes a 400 naming its field. */
function check<S extends z.ZodMiniType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  const r = checkWith(schema, value);
  if (r.ok) return r.data;
  const issue = r.issues[0]!;
  const field = [prefix, ...issue.path].filter(Boolean).join('.') || 'body';
  throw bad(field, issue.message);
}

function stageArgs(raw: unknown, prefix = '') {
  const b = check(StageBody, raw, prefix);
  const o = b.options ?? {};
  if (o.computed_at !== undefined && Number.isNaN(Date.parse(o.computed_at)))
    throw bad(`${prefix ? `${prefix}.` : ''}options.computed_at`, 'expected an ISO-8601 date');
  return {
    card_key: b.card_key,
    result: b.result,
    options: {
      ...(o.status !== undefined && { status: o.status }),
      ...(o.duration_s !== undefined && { duration_s: o.duration_s }),
      ...(o.summary !== undefined && { summary: o.summary }),
      ...(o.computed_at !== undefined && { computed_at: new Date(o.computed_at) }),
    },
  };
}

/** The origin's saved-list metadata for a ledger entry. */
function savedMeta(e: EntryMeta): Json {
  return {
    snapshot_id: e.id,
    card_key: e.card_key,
    audit_type: e.audit_type,
    status: e.status,
    summary: e.summary,
    iso: e.time,
    ...(e.actor !== undefined && { saved_by: e.actor }),
    ...(e.commit !== undefined && { commit: e.commit }),
  };
}

// --- responses ------------------------------------------------------------------------------------

function weakEtag(text: string): string {
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}

function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-cache',
  };
  if (req.method === 'GET' && status === 200) {
    const etag = weakEtag(text);
    headers.etag = etag;
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function errorBody(e: unknown): { status: number; body: Json } {
  if (e instanceof RequestError) {
    return {
      status: e.data.status,
      body: {
        error: e.code,
        message: e.message,
        ...(e.data.field !== undefined && { field: e.data.field }),
        ...(e.data.role !== undefined && { role: e.data.role }),
      },
    };
  }
  if (e instanceof ScpError) {
    const status = statusForCode(e.code);
    const issues = (e.data as { issues?: { path: string }[] }).issues;
    const field = e.code === 'validation' && issues?.[0] ? issues[0].path : undefined;
    return { status, body: { error: e.code, message: e.message, data: e.data, ...(field !== undefined && { field }) } };
  }
  return { status: 500, body: { error: 'internal', message: 'The host failed to answer; see its logs' } };
}

// --- the handler ----------------------------------------------------------------------------------

/**
 * Serves the origin's HTTP API, the runs endpoints and an SSE stream (durable replay, resume,
 * reset, heartbeats) from a core. See docs/host-api.md for every endpoint.
 */
export function createScpRequestHandler(options: ScpRequestHandlerOptions): ScpRequestHandler {
  const maxBody = options.maxBodyBytes ?? 2 * 1024 * 1024;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const retryMs = options.retryMs ?? 2000;
  const maxLag = options.maxClientLag ?? 1000;
  const limits = valueLimits(options.limits);
  const writeGuard: WriteGuardOptions = {
    allowedOrigins: options.allowedOrigins ?? (Array.isArray(options.cors?.origins) ? options.cors.origins : []),
  };
  const tenants = new Map<string, Promise<Tenant>>();
  // Resolved tenants, for close() and the stream count.
  const tenantsResolved = new Set<Tenant>();
  let closed = false;

  function tenant(name: string): Promise<Tenant> {
    let t = tenants.get(name);
    if (!t) {
      t = (async () => {
        const scp = typeof options.scp === 'function' ? await options.scp(name) : options.scp;
        const journal = options.journal
          ? await options.journal(name)
          : createEventJournal({
              ...(options.eventsDir && { dir: join(options.eventsDir, name) }),
              ...(options.retention && { retention: options.retention }),
            });
        // Appends go one after another, so this process's events keep their order in a journal
        // that answers asynchronously.
        let appending: Promise<unknown> = Promise.resolve();
        const off = scp.bus.onAny((event, payload, meta) => {
          if (meta.remote || !WIRE_EVENTS.includes(event)) return;
          // A journal that cannot write (disk full ...) must not break the core's operation that
          // emitted the event: the failure goes to the host's log and streams miss that event.
          const failed = (e: unknown) => {
            try {
              options.onError?.(e, undefined);
            } catch {
              /* logging must not throw into the core */
            }
          };
          const envelope = busToEnvelope(
            event as BusEventName,
            payload as BusEventMap[BusEventName],
            0,
            Date.now() / 1000,
          );
          appending = appending.then(() => journal.append(envelope)).catch(failed);
        });
        const made: Tenant = {
          name,
          scp,
          journal,
          journaled: () => appending.then(() => undefined),
          streams: new Set(),
          liveRuns: new Map(),
          settings: createSettingsCache(scp),
          off,
        };
        tenantsResolved.add(made);
        return made;
      })();
      t.catch(() => tenants.delete(name));
      tenants.set(name, t);
    }
    return t;
  }

  /** `role` is undefined when the auth hook named none (the tenant's settings or `defaultRole` decide). */
  async function authenticate(
    req: IncomingMessage,
  ): Promise<{ actor: string | undefined; tenant: string; role: Role | undefined }> {
    let r: AuthResult | undefined;
    let role: Role | undefined = 'admin';
    if (options.auth) {
      let got: AuthResult | string | true | undefined;
      try {
        got = await options.auth(req);
      } catch (e) {
        const status = e instanceof HttpError && (e.data.status === 403 || e.data.status === 401) ? e.data.status : 401;
        throw new RequestError(
          status,
          status === 403 ? 'forbidden' : 'unauthorized',
          e instanceof Error && e.message ? e.message : 'Not signed in',
        );
      }
      if (!got) throw new RequestError(401, 'unauthorized', 'Not signed in');
      r = got === true ? {} : typeof got === 'string' ? { actor: got } : got;
      if (r.role !== undefined && !isRole(r.role)) {
        throw new RequestError(403, 'forbidden', `The sign-in gave an unknown role; roles are ${ROLES.join(', ')}`);
      }
      role = r.role;
    }
    const name = r?.tenant ?? 'default';
    if (!TENANT_RE.test(name)) throw new RequestError(403, 'forbidden', 'The tenant is not a valid name');
    if (typeof options.scp !== 'function' && name !== 'default') {
      throw new RequestError(
        403,
        'forbidden',
        `This host serves one tenant; "${name}" is not served (pass a per-tenant scp factory)`,
      );
    }
    return { actor: r?.actor, tenant: name, role };
  }

  function cors(req: IncomingMessage, res: ServerResponse): void {
    const c = options.cors;
    const origin = req.headers.origin;
    if (!c || !origin) return;
    if (c.origins !== '*' && !c.origins.includes(origin)) return;
    res.setHeader('access-control-allow-origin', c.origins === '*' && !c.credentials ? '*' : origin);
    res.setHeader('vary', 'Origin');
    if (c.credentials) res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('access-control-expose-headers', 'ETag');
  }

  // --- SSE -----------------------------------------------------------------------------------------

  async function openStream(
    req: IncomingMessage,
    res: ServerResponse,
    t: Tenant,
    query: URLSearchParams,
  ): Promise<void> {
    const { journal } = t;
    const resetFrame = (reason: string) =>
      `event: reset\nid: ${journal.lastSeq}\ndata: ${JSON.stringify({ reason, seq: journal.lastSeq })}\n\n`;
    const asked = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
    // A shared journal is asked for its newest seq (another instance may have appended since).
    let cursor = journal.latest ? await journal.latest() : journal.lastSeq;
    let resetReason: string | undefined;
    if (asked !== undefined && asked !== '') {
      const c = await journal.check(asked.trim());
      if (c.ok) cursor = c.seq;
      else resetReason = c.reason;
    }
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    let lastWrite = Date.now();
    const write = (text: string) => {
      lastWrite = Date.now();
      return res.write(text);
    };
    write(`retry: ${retryMs}\n\n`);
    write(
      `event: sys:ready\ndata: ${JSON.stringify({ instance_id: journal.instanceId, cache_keys: [], seq: journal.lastSeq })}\n\n`,
    );
    if (resetReason) write(resetFrame(resetReason));

    let ended = false;
    let waitingDrain = false;
    let scheduled = false;
    const stream: Stream = {
      res,
      close(reason) {
        if (ended) return;
        ended = true;
        if (reason) res.write(resetFrame(reason));
        res.end();
        // A peer that never reads would keep the buffered bytes forever: give it a moment, then cut.
        if (reason) setTimeout(() => res.destroy(), 5000).unref();
        cleanup();
      },
    };

    // One read at a time per stream; a wake-up during a read asks for another round.
    let pumping = false;
    let pumpAgain = false;
    const pump = () => {
      if (pumping) {
        pumpAgain = true;
        return;
      }
      pumping = true;
      void (async () => {
        do {
          pumpAgain = false;
          await pumpOnce();
        } while (pumpAgain && !ended);
      })()
        .catch((e) => {
          try {
            options.onError?.(e, req);
          } catch {
            /* logging must not break the stream */
          }
          stream.close('journal_unavailable');
        })
        .finally(() => {
          pumping = false;
        });
    };
    const pumpOnce = async () => {
      if (ended || waitingDrain) return;
      while (cursor < journal.lastSeq && !ended) {
        if (cursor < journal.firstSeq - 1) {
          write(resetFrame('cursor_expired'));
          cursor = journal.lastSeq;
          break;
        }
        const batch = await journal.read(cursor, 256);
        if (batch.length === 0 || ended) break;
        // Retention dropped events this stream never got: it starts over from the newest.
        if (batch[0]!.seq > cursor + 1) {
          write(resetFrame('cursor_expired'));
          cursor = journal.lastSeq;
          break;
        }
        let chunk = '';
        for (const e of batch) chunk += e.frame;
        cursor = batch.at(-1)!.seq;
        if (!write(chunk)) {
          waitingDrain = true;
          res.once('drain', () => {
            waitingDrain = false;
            pump();
          });
          return;
        }
      }
    };
    const onAppend = (_e: JournalEntry) => {
      // A socket that stays backed up while the stream falls far behind is reset and dropped:
      // memory stays bounded and the client refetches instead of replaying a flood.
      if (waitingDrain && journal.lastSeq - cursor > maxLag) {
        stream.close('slow_client');
        return;
      }
      // Events appended in the same turn of the event loop go out as one write per stream.
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => {
          scheduled = false;
          pump();
        });
      }
    };
    const off = journal.subscribe(onAppend);
    const beat = setInterval(
      () => {
        if (Date.now() - lastWrite >= heartbeatMs && !waitingDrain)
          write(`event: sys:heartbeat\ndata: {"ts":${Date.now() / 1000}}\n\n`);
      },
      Math.max(50, Math.min(heartbeatMs, 5000)),
    );
    const cleanup = () => {
      off();
      clearInterval(beat);
      t.streams.delete(stream);
    };
    res.on('close', () => {
      ended = true;
      cleanup();
    }); // the peer went away (or we ended it)
    t.streams.add(stream);
    pump();
  }

  // --- routes --------------------------------------------------------------------------------------

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const method = req.method ?? 'GET';
    const parts = url.pathname.split('/').filter(Boolean); // ['api', ...]
    if (parts[0] !== 'api') return false;
    guardWrite(req, writeGuard);
    const q = url.searchParams;
    const signedIn = await authenticate(req);
    const t = await tenant(signedIn.tenant);
    const who = {
      ...signedIn,
      role: signedIn.role ?? (await t.settings.get()).default_role ?? options.defaultRole ?? 'operator',
    };
    // An endpoint missing from the table still needs a role: reads viewer, anything else operator.
    const need = requiredRole(method, parts.slice(1)) ?? (method === 'GET' ? 'viewer' : 'operator');
    if (!roleAllows(who.role, need)) {
      throw new RequestError(
        403,
        'forbidden',
        `${method} ${url.pathname} needs the ${need} role (you have ${who.role})`,
        undefined,
        { role: need },
      );
    }
    const correlation = correlationFromNodeHeaders(req.headers);
    const { scp } = t;
    // A change is answered once its events are in the journal: a client told "saved" then finds
    // the event on any instance's stream, even if this process dies right after answering.
    let answering: Promise<void> | undefined;
    const send = (status: number, body: unknown) => {
      if (method === 'GET') sendJson(req, res, status, body);
      else answering = t.journaled().then(() => sendJson(req, res, status, body));
    };
    const body = () => readJsonBody(req, maxBody, limits);
    const p = parts.slice(1);
    try {
      return await routeTo();
    } finally {
      await answering;
    }
    async function routeTo(): Promise<boolean> {
      const is = (m: string, ...segs: (string | null)[]) =>
        method === m && p.length === segs.length && segs.every((s, i) => s === null || s === p[i]);

      if (is('GET', 'me')) {
        send(200, {
          ...(who.actor && { actor: who.actor }),
          tenant: who.tenant,
          capabilities: capabilitiesOf(who.role),
        });
        return true;
      }

      // Audits (the origin's endpoints).
      if (is('GET', 'audits', 'pending')) {
        const card = optString(q, 'card_key');
        const type = optString(q, 'audit_type');
        if (type !== undefined && type !== 'devops' && type !== 'project')
          throw bad('audit_type', 'expected "devops" or "project"');
        const pending = await scp.staging.list({ ...(card && { card_key: card }), ...(type && { audit_type: type }) });
        send(200, { pending });
        return true;
      }
      if (is('GET', 'audits', 'pending', null)) {
        const id = pathId(p[2]!, 'snapshot');
        try {
          send(200, await scp.staging.get(id));
        } catch (e) {
          if (e instanceof ScpError && e.code === 'not_found')
            send(404, { error: 'not_found', message: e.message, id });
          else throw e;
        }
        return true;
      }
      if (is('POST', 'audits', 'stage')) {
        const b = await body();
        if (b && typeof b === 'object' && 'items' in b) {
          const items = (b as { items: unknown }).items;
          if (!Array.isArray(items) || items.length === 0 || items.length > 1000)
            throw bad('items', 'expected 1 to 1000 scans');
          const args = items.map((it, i) => stageArgs(it, `items.${i}`));
          send(200, { results: await scp.staging.stageMany(args) });
        } else {
          const a = stageArgs(b);
          send(200, await scp.staging.stage(a.card_key, a.result, a.options));
        }
        return true;
      }
      if (is('POST', 'audits', 'save')) {
        const b = await body();
        const ids = selection(b, 'save');
        const message =
          b && typeof (b as Json).message === 'string' ? (b as { message: string }).message.slice(0, 500) : undefined;
        const r = await scp.staging.save(ids, {
          ...(who.actor && { actor: who.actor }),
          ...(message && { message }),
          ...(correlation && { correlation_id: correlation }),
        });
        send(200, { saved: r.saved, count: r.saved.length, commit: r.commit });
        return true;
      }
      if (is('POST', 'audits', 'discard')) {
        const b = await body();
        const ids = selection(b, 'discard');
        const reason = (b as Json).reason;
        if (reason !== undefined && (typeof reason !== 'string' || reason.length > 2000))
          throw bad('reason', 'expected a string of at most 2000 characters');
        const r = await scp.staging.discard(ids, {
          ...(who.actor && { actor: who.actor }),
          ...(typeof reason === 'string' && reason.trim() && { reason }),
          ...(correlation && { correlation_id: correlation }),
        });
        send(200, {
          discarded: r.discarded.length,
          ids: r.discarded,
          ...(r.action_id && { action_id: r.action_id }),
          ...(r.commit && { commit: r.commit }),
        });
        return true;
      }
      if (is('GET', 'audits', 'saved')) {
        const card = optString(q, 'card_key');
        const cursor = optString(q, 'cursor', 2000);
        const page = await scp.ledger.list({
          kind: 'audit',
          limit: int(q, 'limit', 200, 1, 500),
          ...(card && { card }),
          ...(cursor && { cursor }),
        });
        send(200, { saved: page.entries.map(savedMeta), ...(page.cursor && { cursor: page.cursor }) });
        return true;
      }
      if (is('GET', 'audits', 'saved', null)) {
        const id = pathId(p[2]!, 'audit');
        const a = await scp.ledger.getAudit(id);
        if (a) send(200, a);
        else send(404, { error: 'not_found', message: `No saved audit "${id}"`, id });
        return true;
      }
      if (is('DELETE', 'audits', 'saved', null)) {
        const id = pathId(p[2]!, 'audit');
        const reason = optString(q, 'reason', 2000);
        if (!reason?.trim())
          throw bad(
            'reason',
            'required: say why the audit is removed (?reason=...); it is kept in the ledger with who deleted it',
          );
        // The core's ledger announces audit:deleted (with who and why) on its bus, and so on the stream.
        const r = await scp.ledger.deleteAudit(id, {
          ...(who.actor && { actor: who.actor }),
          reason,
          ...(correlation && { correlation_id: correlation }),
        });
        send(200, { deleted: id, commit: r.commit, ...(r.action_id && { action_id: r.action_id }) });
        return true;
      }

      // Runs (planned by the origin, defined here).
      if (is('GET', 'runs', 'recent')) {
        const limit = int(q, 'limit', 20, 1, 200);
        const status = optString(q, 'status', 20);
        const type = optString(q, 'type', 100);
        const cursor = optString(q, 'cursor', 2000);
        const matchesType = (r: Run) => !type || r.type === type || r.subtype === type;
        await scp.runs.flush(); // runs finished moments ago are group-committed: list them too
        const live = cursor ? [] : (await scp.runs.live()).filter(matchesType);
        if (status === 'running') {
          send(200, { runs: live.slice(0, limit) });
          return true;
        }
        const runs: Run[] = status ? [] : live.slice(0, limit);
        const page =
          runs.length < limit
            ? await scp.ledger.list({
                kind: 'run',
                limit: limit - runs.length,
                ...(status && { status }),
                ...(type && { action: type }),
                ...(cursor && { cursor }),
              })
            : { entries: [], cursor: undefined };
        const records = await Promise.all(page.entries.map((e) => scp.ledger.getRun(e.id)));
        for (const r of records) if (r) runs.push(r.run);
        send(200, { runs, ...(page.cursor && { cursor: page.cursor }) });
        return true;
      }
      if (is('POST', 'runs')) {
        const b = await body();
        if (!b || typeof b !== 'object' || Array.isArray(b))
          throw bad('body', 'expected a run spec object {type, subtype?, summary?, target?, reason?}');
        const { actor: _ignored, signal: _s, ...spec } = b as Json;
        // The actor comes from the auth hook (or the core's default), never from the request body.
        const handle = await scp.runs.start({
          ...(correlation && { correlation_id: correlation }),
          ...(spec as { type: string }),
          ...(who.actor && { actor: who.actor }),
        });
        t.liveRuns.set(handle.id, handle);
        send(201, { run: handle.run });
        return true;
      }
      if (
        is('POST', 'runs', null, 'events') ||
        is('POST', 'runs', null, 'finish') ||
        is('POST', 'runs', null, 'artifacts')
      ) {
        const id = pathId(p[1]!, 'run');
        const handle = t.liveRuns.get(id);
        if (!handle) {
          send(404, { error: 'not_found', message: `No live run "${id}" started through this host`, id });
          return true;
        }
        const b = (await body()) ?? {};
        if (typeof b !== 'object' || Array.isArray(b)) throw bad('body', 'expected a JSON object');
        if (p[2] === 'artifacts') {
          send(200, { artifacts: await handle.artifact(b as never) });
        } else if (p[2] === 'events') {
          if (typeof (b as Json).type !== 'string') throw bad('type', 'an event type string is required');
          send(200, { event: await handle.event(b as { type: string }) });
        } else {
          const { status, summary, result, error } = b as Json;
          if (status !== undefined && !['ok', 'failed', 'partial', 'cancelled'].includes(status as string))
            throw bad('status', 'expected ok, failed, partial or cancelled');
          if (summary !== undefined && typeof summary !== 'string') throw bad('summary', 'expected a string');
          if (error !== undefined && typeof error !== 'string')
            throw bad('error', 'expected the error message as a string');
          const run = await handle.finish({
            ...(status !== undefined && { status: status as 'ok' }),
            ...(summary !== undefined && { summary: summary as string }),
            ...(result !== undefined && { result }),
            ...(error !== undefined && { error: new Error(error as string) }),
          });
          t.liveRuns.delete(id);
          // Answer once the run is in the ledger, so a remote caller can read what it just finished.
          await scp.runs.flush();
          send(200, { run });
        }
        return true;
      }
      if (is('GET', 'runs', null)) {
        const id = pathId(p[1]!, 'run');
        const r = await scp.runs.get(id);
        if (r) send(200, r);
        else send(404, { error: 'not_found', message: `No run "${id}"`, id });
        return true;
      }

      // Refs (the origin's chat endpoints).
      if (is('GET', 'chat', 'refs', 'resolve')) {
        const ref = q.get('ref');
        if (!ref) throw bad('ref', 'required, e.g. ?ref=@audit:<id>');
        if (ref.length > 300) throw bad('ref', 'at most 300 characters');
        try {
          send(200, await scp.refs.resolve(ref));
        } catch (e) {
          if (e instanceof UnknownRefKindError) send(404, { error: 'not_found', ref, message: e.message });
          else if (e instanceof ScpError && (e.code === 'invalid_id' || e.code === 'validation'))
            throw new RequestError(400, e.code, e.message, 'ref');
          else throw e;
        }
        return true;
      }
      if (is('GET', 'chat', 'refs', 'autocomplete')) {
        const prefix = q.get('prefix') ?? '';
        if (prefix.length > 200) throw bad('prefix', 'at most 200 characters');
        send(200, { suggestions: await scp.refs.autocomplete(prefix, { limit: int(q, 'limit', 50, 1, 50) }) });
        return true;
      }

      // Ledger (history, head, write).
      if (is('GET', 'ledger', 'entries')) {
        const page = await scp.ledger.list(ledgerQuery(q));
        send(200, { entries: page.entries, ...(page.cursor && { cursor: page.cursor }) });
        return true;
      }
      if (is('GET', 'ledger', 'head')) {
        send(200, { head: (await scp.ledger.head()) ?? null });
        return true;
      }
      if (is('GET', 'ledger', 'checkpoint')) {
        send(200, await latestCheckpoint(scp.ledger));
        return true;
      }
      if (is('GET', 'ledger', 'actions', null)) {
        const id = pathId(p[2]!, 'action');
        const a = await scp.ledger.getAction?.(id);
        if (a) send(200, a);
        else send(404, { error: 'not_found', message: `No action entry "${id}"`, id });
        return true;
      }
      if (is('POST', 'ledger', 'write')) {
        if (options.ledgerWrite === false)
          throw new RequestError(403, 'forbidden', 'This host does not accept direct ledger writes');
        const b = await body();
        if (!b || typeof b !== 'object' || Array.isArray(b))
          throw bad('body', 'expected {audits?, runs?, actions?, message?}');
        const { audits, runs, actions, message } = b as Json;
        if (audits !== undefined && !Array.isArray(audits)) throw bad('audits', 'expected a list');
        if (runs !== undefined && !Array.isArray(runs)) throw bad('runs', 'expected a list');
        if (actions !== undefined && !Array.isArray(actions)) throw bad('actions', 'expected a list');
        if (message !== undefined && typeof message !== 'string') throw bad('message', 'expected a string');
        // Actors are the authenticated one's, whatever the body names (unless this host imports).
        const batch =
          options.ledgerWrite === 'import'
            ? { audits, runs, actions, actor: who.actor }
            : withActor({ audits, runs, actions }, who.actor ?? 'unknown');
        const r = await scp.ledger.write({
          ...(batch.audits !== undefined && { audits: batch.audits as never }),
          ...(batch.runs !== undefined && { runs: batch.runs as never }),
          ...(batch.actions !== undefined && { actions: batch.actions as never }),
          ...(message !== undefined && { message }),
          ...(typeof batch.actor === 'string' && { actor: batch.actor }),
        });
        send(200, r);
        return true;
      }

      // Events.
      if (is('GET', 'events')) {
        await openStream(req, res, t, q);
        return true;
      }
      if (is('GET', 'events', 'history')) {
        const newest = t.journal.latest ? await t.journal.latest() : t.journal.lastSeq;
        const before = int(q, 'before', newest + 1, 1, Number.MAX_SAFE_INTEGER);
        const limit = int(q, 'limit', 50, 1, 500);
        const page = await t.journal.history(before, limit);
        const next = page.at(-1);
        send(200, {
          events: page.map((e) => JSON.parse(e.json) as unknown),
          ...(next && next.seq > t.journal.firstSeq && { cursor: String(next.seq) }),
        });
        return true;
      }

      // Signing keys and settings (role admin).
      if (await adminRoute({ method, path: p, actor: who.actor, scp, settings: t.settings, body, send })) return true;

      const known = ['audits', 'runs', 'chat', 'ledger', 'events', 'me', 'settings'].includes(p[0] ?? '');
      send(known ? 405 : 404, {
        error: known ? 'method_not_allowed' : 'not_found',
        message: `${method} ${url.pathname} is not an endpoint of this host`,
      });
      return true;
    }
  }

  const handler = (async (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    cors(req, res);
    if (req.method === 'OPTIONS' && options.cors && url.pathname.startsWith('/api/')) {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
        'access-control-allow-headers':
          (req.headers['access-control-request-headers'] as string | undefined) ??
          'content-type, authorization, last-event-id, if-none-match',
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    try {
      if (closed) throw new RequestError(503, 'closed', 'The host is shutting down');
      const handled = await route(req, res, url);
      if (!handled) {
        if (next) next();
        else sendJson(req, res, 404, { error: 'not_found', message: `${url.pathname} is not served here` });
      }
    } catch (e) {
      const { status, body } = errorBody(e);
      if (status >= 500) {
        try {
          options.onError?.(e, req);
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
  }) as ScpRequestHandler;

  Object.defineProperty(handler, 'streams', {
    get: () => {
      let n = 0;
      for (const t of tenantsResolved) n += t.streams.size;
      return n;
    },
  });

  handler.close = async () => {
    closed = true;
    for (const t of tenantsResolved) {
      for (const s of [...t.streams]) s.close();
      t.off();
      await t.journaled();
    }
  };
  return handler;
}
