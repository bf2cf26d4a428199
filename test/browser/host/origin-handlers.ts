// msw handlers reproducing the origin's HTTP API (origin-contract.md), quirks included:
// a missing entity resolves with 200 `exists: false`, 404 is only for an unknown ref kind,
// autocomplete answers kinds as bare strings, save/discard answer counts, and there is no commit
// id and no runs endpoint. Used by the Node (msw/node) and Chromium (service worker) tests.
import { http, HttpResponse, type HttpHandler } from 'msw';

export interface OriginSnapshot {
  snapshot_id: string; card_key: string; audit_type: 'devops' | 'project'; computed_at: number; iso: string;
  status: string; duration_s: number; summary: string; data: unknown;
}

export interface OriginState {
  pending: Map<string, OriginSnapshot>;
  saved: Map<string, OriginSnapshot>;
  /** Every request seen: method, path, headers. */
  requests: { method: string; path: string; headers: Record<string, string> }[];
  /** The raw SSE bodies to send, per connection (the handler shifts one per connection). */
  streams: ((lastEventId: string | null) => string[] | undefined)[];
}

export function originSnapshot(card: string, n: number, summary = `${n} issues · Score: 78 · (B)`): OriginSnapshot {
  const computed_at = 1_771_360_000 + n;
  const d = new Date(computed_at * 1000);
  const stamp = d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return {
    snapshot_id: `${card.replace(/[:/]/g, '_')}_${stamp}`, card_key: card,
    audit_type: card.startsWith('audit:') ? 'project' : 'devops', computed_at, iso: d.toISOString(),
    status: 'ok', duration_s: 1.234, summary, data: { score: 78, findings: Array.from({ length: n }, (_, i) => ({ i })) },
  };
}

export function createOriginState(): OriginState {
  return { pending: new Map(), saved: new Map(), requests: [], streams: [] };
}

const meta = ({ data: _d, ...m }: OriginSnapshot) => m;

export function originHandlers(state: OriginState, base = ''): HttpHandler[] {
  const record = (request: Request) => {
    const headers: Record<string, string> = {};
    request.headers.forEach((v, k) => { headers[k] = v; });
    state.requests.push({ method: request.method, path: new URL(request.url).pathname + new URL(request.url).search, headers });
  };
  const selected = async (request: Request, from: Map<string, OriginSnapshot>) => {
    // The origin's bug, kept: an empty body means "all".
    const text = await request.text();
    const body = text ? JSON.parse(text) as { snapshot_ids?: string[] | 'all' } : {};
    const ids = body.snapshot_ids ?? 'all';
    return ids === 'all' ? [...from.keys()] : ids.filter((id) => from.has(id));
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
      for (const id of ids) { state.saved.set(id, state.pending.get(id)!); state.pending.delete(id); }
      return HttpResponse.json({ saved: ids, count: ids.length });
    }),
    http.post(`${base}/api/audits/discard`, async ({ request }) => {
      record(request);
      const ids = await selected(request, state.pending);
      for (const id of ids) state.pending.delete(id);
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
      return HttpResponse.json({ deleted: id });
    }),
    http.get(`${base}/api/chat/refs/resolve`, ({ request }) => {
      record(request);
      const ref = new URL(request.url).searchParams.get('ref');
      if (!ref) return HttpResponse.json({ error: 'ref parameter required' }, { status: 400 });
      const m = /^@(run|thread|trace|user|commit|branch|audit|code|doc|media|release|file):([A-Za-z0-9_\-/.]+)$/.exec(ref);
      if (!m) return HttpResponse.json({ error: 'not_found', ref }, { status: 404 });
      const [, kind, id] = m;
      if (kind !== 'audit' && kind !== 'run') return HttpResponse.json({ error: 'not_found', ref }, { status: 404 });
      if (kind === 'audit') {
        const saved = state.saved.get(id!);
        const pending = state.pending.get(id!);
        const s = saved ?? pending;
        if (s) return HttpResponse.json({ type: 'audit', id, exists: true, source: saved ? 'ledger' : 'pending', card_key: s.card_key, summary: s.summary, status: s.status, iso: s.iso });
      }
      return HttpResponse.json({ type: kind, id, exists: false });
    }),
    http.get(`${base}/api/chat/refs/autocomplete`, ({ request }) => {
      record(request);
      const prefix = new URL(request.url).searchParams.get('prefix') ?? '';
      if (!prefix.includes(':')) return HttpResponse.json({ suggestions: ['@run:', '@audit:', '@thread:', '@commit:'].filter((k) => k.startsWith(prefix || '@')) });
      const q = prefix.slice(prefix.indexOf(':') + 1);
      const items = [
        ...[...state.saved.values()].map((s) => ({ s, section: 'saved' })),
        ...[...state.pending.values()].map((s) => ({ s, section: 'unsaved' })),
      ].filter(({ s }) => s.snapshot_id.startsWith(q) || s.card_key.startsWith(q));
      return HttpResponse.json({
        suggestions: items.slice(0, 50).map(({ s, section }) => ({ ref: `@audit:${s.snapshot_id}`, label: `${s.card_key} — ${s.summary}`, detail: `${s.status} · just now`, icon: '📋', section })),
      });
    }),
    http.get(`${base}/api/events`, ({ request }) => {
      record(request);
      const next = state.streams.shift();
      const chunks = next?.(request.headers.get('last-event-id'));
      if (!chunks) return new HttpResponse('{"error":"no stream"}', { status: 503, headers: { 'content-type': 'application/json' } });
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
