// msw handlers reproducing the origin's HTTP API (origin-contract.md), quirks included:
// a missing entity resolves with 200 `exists: false`, 404 is only for an unknown ref kind,
// autocomplete answers kinds as bare strings, save/discard answer counts, there is no commit id,
// and an empty save/discard body means "all". Changes are announced on the event journal
// (`audit:saved`, `audit:discarded`, `audit:deleted`) for the live stream of ./event-stream.ts.
// Used by the host-mode tests (msw/node and the browser service worker) and the host-mode demo.
import { http, HttpResponse, type HttpHandler } from 'msw';
import { publish, type OriginSnapshot, type OriginState } from './state.js';

export const meta = ({ data: _d, ...m }: OriginSnapshot) => m;

/** Records a request on the state (method, path with query, headers). */
export function recordRequest(state: OriginState, request: Request): void {
  const headers: Record<string, string> = {};
  request.headers.forEach((v, k) => {
    headers[k] = v;
  });
  const url = new URL(request.url);
  state.requests.push({ method: request.method, path: url.pathname + url.search, headers });
  if (state.requests.length > 10_000) state.requests.splice(0, 5_000);
}

/** The origin's relative times: "just now", "5m ago", "2h ago", "1 day ago", "3 days ago". */
export function relativeTime(iso: string, now = Date.now()): string {
  const s = Math.max(0, (now - Date.parse(iso)) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  const days = Math.floor(s / 86_400);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}

export function originHandlers(state: OriginState, base = ''): HttpHandler[] {
  const record = (request: Request) => recordRequest(state, request);
  const selected = async (request: Request, from: Map<string, OriginSnapshot>) => {
    // The origin's bug, kept: an empty body means "all".
    const text = await request.text();
    const body = text ? (JSON.parse(text) as { snapshot_ids?: string[] | 'all' }) : {};
    const ids = body.snapshot_ids ?? 'all';
    return ids === 'all' ? [...from.keys()] : ids.filter((id) => from.has(id));
  };
  const runOf = (id: string) => {
    const finished = state.runs.get(id);
    if (finished) return { ...finished, source: 'ledger' };
    const live = state.live.get(id);
    return live && { ...live, source: 'live' };
  };
  return [
    http.get(`${base}/api/audits/pending`, ({ request }) => {
      record(request);
      return HttpResponse.json({ pending: [...state.pending.values()].map(meta) });
    }),
    http.get(`${base}/api/audits/pending/:id`, ({ request, params }) => {
      record(request);
      const s = state.pending.get(String(params.id));
      return s ? HttpResponse.json(s) : HttpResponse.json({ error: 'Snapshot not found' }, { status: 404 });
    }),
    http.post(`${base}/api/audits/save`, async ({ request }) => {
      record(request);
      const ids = await selected(request, state.pending);
      const saved_at = new Date().toISOString();
      for (const id of ids) {
        const s = { ...state.pending.get(id)!, saved_by: state.actor, saved_at };
        state.saved.set(id, s);
        state.pending.delete(id);
        state.history.push({ kind: 'audit', id });
        publish(state, 'audit:saved', id, { card_key: s.card_key, status: s.status, summary: s.summary, iso: s.iso });
      }
      return HttpResponse.json({ saved: ids, count: ids.length });
    }),
    http.post(`${base}/api/audits/discard`, async ({ request }) => {
      record(request);
      const ids = await selected(request, state.pending);
      for (const id of ids) {
        const card_key = state.pending.get(id)!.card_key;
        state.pending.delete(id);
        publish(state, 'audit:discarded', id, { card_key });
      }
      return HttpResponse.json({ discarded: ids.length });
    }),
    http.get(`${base}/api/audits/saved`, ({ request }) => {
      record(request);
      return HttpResponse.json({ saved: [...state.saved.values()].map(meta) });
    }),
    http.get(`${base}/api/audits/saved/:id`, ({ request, params }) => {
      record(request);
      const s = state.saved.get(String(params.id));
      return s ? HttpResponse.json(s) : HttpResponse.json({ error: 'Not found' }, { status: 404 });
    }),
    http.delete(`${base}/api/audits/saved/:id`, ({ request, params }) => {
      record(request);
      const id = String(params.id);
      if (!state.saved.delete(id)) return HttpResponse.json({ error: 'Not found' }, { status: 404 });
      state.history = state.history.filter((h) => !(h.kind === 'audit' && h.id === id));
      publish(state, 'audit:deleted', id, {});
      return HttpResponse.json({ deleted: id });
    }),
    http.get(`${base}/api/chat/refs/resolve`, ({ request }) => {
      record(request);
      const ref = new URL(request.url).searchParams.get('ref');
      if (!ref) return HttpResponse.json({ error: 'ref parameter required' }, { status: 400 });
      const m = /^@(run|thread|trace|user|commit|branch|audit|code|doc|media|release|file):([A-Za-z0-9_\-/.]+)$/.exec(
        ref,
      );
      if (!m) return HttpResponse.json({ error: 'not_found', ref }, { status: 404 });
      const [, kind, id] = m;
      if (kind !== 'audit' && kind !== 'run') return HttpResponse.json({ error: 'not_found', ref }, { status: 404 });
      if (kind === 'audit') {
        const saved = state.saved.get(id!);
        const pending = state.pending.get(id!);
        const s = saved ?? pending;
        if (s)
          return HttpResponse.json({
            type: 'audit',
            id,
            exists: true,
            source: saved ? 'ledger' : 'pending',
            card_key: s.card_key,
            summary: s.summary,
            status: s.status,
            iso: s.iso,
          });
      } else {
        const r = runOf(id!);
        if (r) {
          const { run } = r;
          return HttpResponse.json({
            type: 'run',
            id,
            exists: true,
            source: r.source,
            run_type: run.type,
            subtype: run.subtype,
            summary: run.summary,
            status: run.status,
            started_at: run.started_at,
            ended_at: run.ended_at,
            duration_ms: run.duration_ms,
            code_ref: run.code_ref.slice(0, 12),
          });
        }
      }
      return HttpResponse.json({ type: kind, id, exists: false });
    }),
    http.get(`${base}/api/chat/refs/autocomplete`, ({ request }) => {
      record(request);
      const prefix = new URL(request.url).searchParams.get('prefix') ?? '';
      if (!prefix.includes(':'))
        return HttpResponse.json({
          suggestions: ['@run:', '@audit:', '@thread:', '@commit:'].filter((k) => k.startsWith(prefix || '@')),
        });
      const kind = prefix.slice(prefix.startsWith('@') ? 1 : 0, prefix.indexOf(':'));
      const q = prefix.slice(prefix.indexOf(':') + 1);
      if (kind === 'run') {
        const runs = [...state.live.values(), ...[...state.runs.values()].reverse()]
          .map((r) => r.run)
          .filter((r) => r.run_id.startsWith(q) || r.subtype.startsWith(q) || r.type.startsWith(q));
        return HttpResponse.json({
          // As the origin: run suggestions carry a status but no section (the client files them under runs).
          suggestions: runs.slice(0, 50).map((r) => ({
            ref: `@run:${r.run_id}`,
            label: `${r.subtype || r.type} — ${r.summary}`,
            detail: [r.status, relativeTime(r.started_at)].join(' · '),
            icon: '🚀',
            status: r.status,
            time: r.started_at,
          })),
        });
      }
      if (kind !== 'audit') return HttpResponse.json({ suggestions: [] });
      // Newest first within each section.
      const items = [
        ...[...state.saved.values()].reverse().map((s) => ({ s, section: 'saved' })),
        ...[...state.pending.values()].reverse().map((s) => ({ s, section: 'unsaved' })),
      ].filter(({ s }) => s.snapshot_id.startsWith(q) || s.card_key.startsWith(q));
      return HttpResponse.json({
        suggestions: items.slice(0, 50).map(({ s, section }) => ({
          ref: `@audit:${s.snapshot_id}`,
          label: `${s.card_key} — ${s.summary}`,
          detail: [s.status, relativeTime(s.iso)].join(' · '),
          icon: '📋',
          section,
          time: s.iso,
        })),
      });
    }),
    // Scripted streams (tests): each connection takes the next script; none left is a 503.
    http.get(`${base}/api/events`, ({ request }) => {
      record(request);
      const next = state.streams.shift();
      const chunks = next?.(request.headers.get('last-event-id'));
      if (!chunks)
        return new HttpResponse('{"error":"no stream"}', {
          status: 503,
          headers: { 'content-type': 'application/json' },
        });
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const c of chunks) {
            controller.enqueue(encoder.encode(c));
            await new Promise((r) => setTimeout(r, 1));
          }
          controller.close();
        },
      });
      return new HttpResponse(body, { headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' } });
    }),
  ];
}
