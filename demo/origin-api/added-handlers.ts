// msw handlers for the endpoints the origin planned or never had, as docs/host-api.md defines
// them: staging a scan (`POST /api/audits/stage`), remote run tracking (`POST /api/runs`,
// `.../events`, `.../finish`), `GET /api/runs/recent`, `GET /api/runs/<id>` and the ledger history
// (`GET /api/ledger/entries`) and who is asking (`GET /api/me`: the playground's visitor operates).
// Each change is published on the event journal, as the host does.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { createRedactor } from '../../src/core/redact/redactor.js';
import type { EntryMeta } from '../../src/core/schemas/ledger.js';
import { capabilitiesOf } from '../../src/core/host/roles.js';
import { meta, recordRequest } from './origin-handlers.js';
import {
  originRunId,
  originSnapshotId,
  publish,
  type OriginRun,
  type OriginRunEvent,
  type OriginState,
} from './state.js';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const bad = (field: string, message: string) =>
  HttpResponse.json({ error: 'validation', message, field }, { status: 400 });
const notFound = (id: string) =>
  HttpResponse.json({ error: 'not_found', message: `No run "${id}"`, id }, { status: 404 });

async function jsonBody(request: Request): Promise<unknown> {
  const text = await request.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return Symbol.for('invalid');
  }
}

/** What the origin copies from an action's result into `metadata`: strings ≤ 500, lists ≤ 20 (+ a marker). */
function metadataOf(result: unknown): Json {
  if (!isObject(result)) return {};
  const out: Json = {};
  for (const [k, v] of Object.entries(result)) {
    if (k === 'summary' || k === 'ok') continue;
    if (typeof v === 'string') out[k] = v.length > 500 ? v.slice(0, 500) : v;
    else if (Array.isArray(v)) out[k] = v.length > 20 ? [...v.slice(0, 20), `… +${v.length - 20} more`] : v;
    else out[k] = v;
  }
  return out;
}

export function addedHandlers(state: OriginState, base = ''): HttpHandler[] {
  const redactor = createRedactor();
  const record = (request: Request) => recordRequest(state, request);

  function stageOne(item: unknown, field: string): Json | Response {
    if (!isObject(item)) return bad(field || 'body', 'expected {card_key, result, options?}');
    const at = (name: string) => (field ? `${field}.${name}` : name);
    const { card_key, result } = item;
    const options = isObject(item.options) ? item.options : {};
    if (typeof card_key !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_:/.-]{0,99}$/.test(card_key))
      return bad(at('card_key'), 'a card key such as "security" is required');
    const status = typeof options.status === 'string' ? options.status : 'ok';
    if (status !== 'ok') return { staged: false, reason: 'not_ok', card_key };
    const { value: data, fired } = redactor.redact(result ?? null);
    const current = [...state.pending.values()].filter((s) => s.card_key === card_key);
    if (current.some((s) => JSON.stringify(s.data) === JSON.stringify(data)))
      return { staged: false, reason: 'unchanged', card_key };
    const when =
      typeof options.computed_at === 'string' && !Number.isNaN(Date.parse(options.computed_at))
        ? new Date(options.computed_at)
        : new Date();
    const snapshot = {
      snapshot_id: originSnapshotId(state, card_key, when),
      card_key,
      audit_type: card_key.startsWith('audit:') ? ('project' as const) : ('devops' as const),
      computed_at: when.getTime() / 1000,
      iso: when.toISOString(),
      status,
      duration_s: typeof options.duration_s === 'number' ? Math.round(options.duration_s * 1000) / 1000 : 0,
      summary: typeof options.summary === 'string' ? options.summary : '',
      data,
      ...(fired.length > 0 && { redacted: fired }),
    };
    // One pending snapshot per card: a new scan replaces the unsaved one.
    const replaced = current.map((s) => s.snapshot_id);
    for (const id of replaced) state.pending.delete(id);
    state.pending.set(snapshot.snapshot_id, snapshot);
    publish(
      state,
      'audit:pending',
      card_key,
      { summary: snapshot.summary, iso: snapshot.iso, replaced },
      { snapshot_id: snapshot.snapshot_id },
    );
    return { staged: true, snapshot: meta(snapshot), replaced };
  }

  const runStatus = (r: OriginRun) => r.status;
  const listRuns = (status: string | null, type: string | null, limit: number) => {
    const matches = (r: OriginRun) => !type || r.type === type || r.subtype === type;
    const live = [...state.live.values()]
      .map((x) => x.run)
      .filter(matches)
      .reverse();
    if (status === 'running') return live.slice(0, limit);
    const finished = [...state.runs.values()]
      .map((x) => x.run)
      .filter((r) => matches(r) && (!status || runStatus(r) === status))
      .reverse();
    return [...(status ? [] : live), ...finished].slice(0, limit);
  };

  return [
    http.post(`${base}/api/audits/stage`, async ({ request }) => {
      record(request);
      const body = await jsonBody(request);
      if (isObject(body) && 'items' in body) {
        if (!Array.isArray(body.items) || body.items.length === 0 || body.items.length > 1000)
          return bad('items', 'expected 1 to 1000 scans');
        const results: Json[] = [];
        for (const [i, item] of body.items.entries()) {
          const r = stageOne(item, `items.${i}`);
          if (r instanceof Response) return r;
          results.push(r);
        }
        return HttpResponse.json({ results });
      }
      const r = stageOne(body, '');
      return r instanceof Response ? r : HttpResponse.json(r);
    }),

    http.get(`${base}/api/me`, ({ request }) => {
      record(request);
      return HttpResponse.json({ tenant: 'default', capabilities: capabilitiesOf('operator') });
    }),

    http.get(`${base}/api/runs/recent`, ({ request }) => {
      record(request);
      const q = new URL(request.url).searchParams;
      const limit = Math.min(Math.max(Number(q.get('limit') ?? 20) || 20, 1), 200);
      return HttpResponse.json({ runs: listRuns(q.get('status'), q.get('type'), limit) });
    }),
    http.get(`${base}/api/runs/:id`, ({ request, params }) => {
      record(request);
      const id = String(params.id);
      const r = state.runs.get(id) ?? state.live.get(id);
      return r ? HttpResponse.json(r) : notFound(id);
    }),
    http.post(`${base}/api/runs`, async ({ request }) => {
      record(request);
      const spec = await jsonBody(request);
      if (!isObject(spec))
        return bad('body', 'expected a run spec object {type, subtype?, summary?, target?, reason?}');
      if (typeof spec.type !== 'string' || !/^[a-z][a-z0-9_-]{0,39}$/.test(spec.type))
        return bad('type', 'a run type such as "deploy" is required');
      const now = new Date();
      const str = (k: string) => (typeof spec[k] === 'string' ? (spec[k] as string) : undefined);
      const run: OriginRun = {
        run_id: originRunId(spec.type, now),
        type: spec.type,
        subtype: str('subtype') ?? spec.type,
        status: 'running',
        user: state.actor,
        code_ref: str('code_ref') ?? state.codeRef,
        started_at: now.toISOString(),
        ended_at: null,
        duration_ms: null,
        environment: str('environment') ?? 'demo',
        modules_affected: Array.isArray(spec.modules_affected)
          ? spec.modules_affected.filter((m): m is string => typeof m === 'string')
          : [],
        summary: str('summary') ?? '',
        metadata: {},
        ...(str('target') && { target: str('target') }),
        ...(str('reason') && { reason: str('reason') }),
      };
      state.live.set(run.run_id, { run, events: [] });
      publish(state, 'run:started', run.run_id, {
        run_id: run.run_id,
        type: run.type,
        subtype: run.subtype,
        summary: run.summary,
        user: run.user,
        started_at: run.started_at,
        ...(run.target && { target: run.target }),
      });
      return HttpResponse.json({ run }, { status: 201 });
    }),
    http.post(`${base}/api/runs/:id/events`, async ({ request, params }) => {
      record(request);
      const id = String(params.id);
      const live = state.live.get(id);
      if (!live)
        return state.runs.has(id)
          ? HttpResponse.json({ error: 'run_finished', message: `Run "${id}" has finished`, id }, { status: 409 })
          : notFound(id);
      const body = await jsonBody(request);
      if (!isObject(body) || typeof body.type !== 'string') return bad('type', 'an event type string is required');
      const event: OriginRunEvent = {
        ...body,
        seq: live.events.length + 1,
        ts: new Date().toISOString(),
        type: body.type,
      };
      live.events.push(event);
      publish(state, 'run:event', id, { run_id: id, event });
      return HttpResponse.json({ event });
    }),
    http.post(`${base}/api/runs/:id/finish`, async ({ request, params }) => {
      record(request);
      const id = String(params.id);
      const live = state.live.get(id);
      if (!live)
        return state.runs.has(id)
          ? HttpResponse.json({ error: 'run_finished', message: `Run "${id}" has finished`, id }, { status: 409 })
          : notFound(id);
      const body = (await jsonBody(request)) ?? {};
      if (!isObject(body)) return bad('body', 'expected a JSON object');
      const { status, summary, result, error } = body;
      if (status !== undefined && !['ok', 'failed', 'partial', 'cancelled'].includes(status as string))
        return bad('status', 'expected ok, failed, partial or cancelled');
      // The origin's rule: failed on an error or a falsy `ok` in the result; the summary from the result.
      const failedResult = isObject(result) && 'ok' in result && !result.ok;
      const errorText =
        typeof error === 'string' ? error : failedResult && typeof result.error === 'string' ? result.error : undefined;
      const ended = new Date();
      const run: OriginRun = {
        ...live.run,
        status: typeof status === 'string' ? status : error !== undefined || failedResult ? 'failed' : 'ok',
        summary:
          typeof summary === 'string'
            ? summary
            : isObject(result) && typeof result.summary === 'string'
              ? result.summary
              : (errorText ?? live.run.summary),
        ended_at: ended.toISOString(),
        duration_ms: ended.getTime() - Date.parse(live.run.started_at),
        metadata: metadataOf(result),
        ...(errorText !== undefined && { error: errorText }),
      };
      state.live.delete(id);
      state.runs.set(id, { run, events: live.events });
      state.history.push({ kind: 'run', id });
      publish(state, 'run:completed', id, {
        run_id: id,
        type: run.type,
        subtype: run.subtype,
        status: run.status,
        summary: run.summary,
        duration_ms: run.duration_ms,
        metadata: run.metadata,
      });
      return HttpResponse.json({ run });
    }),

    http.get(`${base}/api/ledger/entries`, ({ request }) => {
      record(request);
      const q = new URL(request.url).searchParams;
      const limit = Math.min(Math.max(Number(q.get('limit') ?? 50) || 50, 1), 500);
      const offset = Number(q.get('cursor') ?? 0) || 0;
      const text = q.get('text')?.toLowerCase();
      const entries = [...state.history]
        .reverse()
        .flatMap((h): EntryMeta[] => {
          if (h.kind === 'audit') {
            const s = state.saved.get(h.id);
            return s
              ? [
                  {
                    kind: 'audit',
                    id: s.snapshot_id,
                    time: s.iso,
                    status: s.status,
                    summary: s.summary,
                    card_key: s.card_key,
                    audit_type: s.audit_type,
                    ...(s.saved_by && { actor: s.saved_by }),
                  },
                ]
              : [];
          }
          const r = state.runs.get(h.id)?.run;
          return r
            ? [
                {
                  kind: 'run',
                  id: r.run_id,
                  time: r.started_at,
                  status: r.status,
                  summary: r.summary,
                  actor: r.user,
                  type: r.type,
                  subtype: r.subtype,
                  duration_ms: r.duration_ms,
                  ...(r.target && { target: r.target, card_key: r.target }),
                  ...(r.reason && { reason: r.reason }),
                },
              ]
            : [];
        })
        .filter((e) => {
          const has = (k: string) => q.get(k);
          if (has('kind') && e.kind !== q.get('kind')) return false;
          if (has('card') && e.card_key !== q.get('card')) return false;
          if (has('status') && e.status !== q.get('status')) return false;
          if (has('actor') && e.actor !== q.get('actor')) return false;
          if (has('action') && !(e.kind === 'run' && (e.type === q.get('action') || e.subtype === q.get('action'))))
            return false;
          if (has('since') && e.time < q.get('since')!) return false;
          if (has('until') && e.time >= q.get('until')!) return false;
          if (has('idPrefix') && !e.id.startsWith(q.get('idPrefix')!)) return false;
          if (
            text &&
            ![e.id, e.card_key, e.summary, e.subtype, e.actor, e.target].some((v) => v?.toLowerCase().includes(text))
          )
            return false;
          return true;
        });
      const page = entries.slice(offset, offset + limit);
      return HttpResponse.json({
        entries: page,
        ...(offset + limit < entries.length && { cursor: String(offset + limit) }),
      });
    }),
  ];
}
