import type { JsonReply } from '../../helpers/json-reply.js';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { ScpError } from '../../../src/core/errors/index.js';
import { createEventBus } from '../../../src/core/events/bus.js';
import { createHostClient } from '../../../src/core/host/host-client.js';
import { createHttpBackend } from '../../../src/core/host/http-backend.js';
import { connectEventBridge } from '../../../src/core/host/sse-bridge.js';
import { startHost, tokenAuth, until, type RunningHost } from './support/host-server.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(
  host: RunningHost,
  method: string,
  path: string,
  o: { body?: string | object; headers?: Record<string, string> } = {},
) {
  const body = typeof o.body === 'string' ? o.body : o.body === undefined ? undefined : JSON.stringify(o.body);
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...o.headers },
    ...(body !== undefined && { body }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? (JSON.parse(text) as JsonReply) : undefined };
}

async function rejection(p: Promise<unknown>): Promise<ScpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScpError, `expected an ScpError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a rejection');
}

describe('Node request handler over loopback HTTP', () => {
  let host: RunningHost;
  afterEach(async () => {
    await host?.stop();
  });

  describe('the origin API', () => {
    beforeEach(async () => {
      host = await startHost();
    });

    it('stages, lists, gets, saves (with explicit ids), lists saved, gets and deletes a saved audit', async () => {
      const { staging, ledger } = createHttpBackend({ baseUrl: host.baseUrl });
      const staged = await staging.stage('security', { findings: 3, score: 78 }, { summary: '3 issues · Score: 78' });
      assert.equal(staged.staged, true);
      const id = staged.staged ? staged.snapshot.snapshot_id : '';
      const pending = await call(host, 'GET', '/api/audits/pending');
      assert.equal(pending.status, 200);
      assert.deepEqual(
        pending.json!.pending.map((p: { snapshot_id: string }) => p.snapshot_id),
        [id],
      );
      assert.equal('data' in pending.json!.pending[0], false);
      assert.deepEqual((await staging.get(id)).data, { findings: 3, score: 78 });
      assert.deepEqual({ ...(await staging.counts()) }, { security: 1 });

      const saved = await call(host, 'POST', '/api/audits/save', { body: { snapshot_ids: [id] } });
      assert.equal(saved.status, 200);
      assert.deepEqual(saved.json!.saved, [id]);
      assert.equal(saved.json!.count, 1);
      assert.match(saved.json!.commit, /\S/);
      assert.deepEqual(await staging.list(), []);
      const list = await call(host, 'GET', '/api/audits/saved');
      assert.deepEqual(
        list.json!.saved.map((s: { snapshot_id: string }) => s.snapshot_id),
        [id],
      );
      assert.equal(list.json!.saved[0].card_key, 'security');
      assert.equal((await ledger.getAudit(id))!.summary, '3 issues · Score: 78');
      const del = await call(host, 'DELETE', `/api/audits/saved/${id}?reason=wrong%20card`);
      assert.deepEqual(del.json!.deleted, id);
      assert.equal((await call(host, 'GET', `/api/audits/saved/${id}`)).status, 404);
      assert.equal((await rejection(staging.get(id))).code, 'not_found');
    });

    it('discards only the ids sent and answers {discarded: n}', async () => {
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      const a = await staging.stage('security', { a: 1 });
      const b = await staging.stage('k8s', { b: 1 });
      const idA = a.staged ? a.snapshot.snapshot_id : '';
      const res = await call(host, 'POST', '/api/audits/discard', { body: { snapshot_ids: [idA] } });
      assert.equal(res.json!.discarded, 1);
      assert.deepEqual(
        (await staging.list()).map((p) => p.card_key),
        ['k8s'],
      );
      assert.ok(b.staged);
    });

    it('never acts on "all" implicitly: an empty body or [] is a 400 naming snapshot_ids; "all" must be sent', async () => {
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      await staging.stage('security', { a: 1 });
      await staging.stage('k8s', { b: 1 });
      for (const body of ['', '{}', '{"snapshot_ids":[]}', '{"snapshot_ids":"ALL"}']) {
        const r = await call(host, 'POST', '/api/audits/save', { body });
        assert.equal(r.status, 400, body);
        assert.equal(r.json!.field, 'snapshot_ids', body);
      }
      assert.equal((await staging.list()).length, 2);
      const all = await call(host, 'POST', '/api/audits/discard', { body: { snapshot_ids: 'all' } });
      assert.equal(all.json!.discarded, 2);
    });

    it('answers 400 with a JSON error naming the field for bad input', async () => {
      const cases: [string, string, string | object | undefined, string, string][] = [
        ['POST', '/api/audits/save', { snapshot_ids: ['ok_id', '../etc/passwd'] }, 'snapshot_ids.1', 'invalid_id'],
        ['POST', '/api/audits/save', '{"snapshot_ids": [', 'body', 'invalid_json'],
        ['POST', '/api/audits/stage', { result: {} }, 'card_key', 'validation'],
        [
          'POST',
          '/api/audits/stage',
          { card_key: 'x', result: {}, options: { computed_at: 'soon' } },
          'options.computed_at',
          'validation',
        ],
        ['GET', '/api/audits/pending?audit_type=weird', undefined, 'audit_type', 'validation'],
        ['GET', '/api/audits/pending/..%2Fsecret', undefined, 'id', 'invalid_id'],
        ['GET', '/api/chat/refs/resolve', undefined, 'ref', 'validation'],
        ['GET', '/api/chat/refs/resolve?ref=@audit:..', undefined, 'ref', 'invalid_id'],
        ['GET', '/api/runs/recent?limit=abc', undefined, 'limit', 'validation'],
        ['GET', '/api/ledger/entries?since=yesterday', undefined, 'since', 'validation'],
        ['POST', '/api/runs', { type: '' }, 'type', 'validation'],
      ];
      for (const [method, path, body, field, code] of cases) {
        const r = await call(host, method, path, body === undefined ? {} : { body });
        assert.equal(r.status, 400, `${method} ${path}`);
        assert.equal(r.json!.error, code, `${method} ${path}`);
        assert.equal(r.json!.field, field, `${method} ${path}`);
        assert.equal(typeof r.json!.message, 'string');
      }
    });

    it('answers 413 for a body over the limit, declared or streamed, and stores nothing', async () => {
      await host.stop();
      host = await startHost({ maxBodyBytes: 1000 });
      const big = JSON.stringify({ card_key: 'security', result: { blob: 'x'.repeat(5000) } });
      const declared = await call(host, 'POST', '/api/audits/stage', { body: big });
      assert.equal(declared.status, 413);
      assert.equal(declared.json!.error, 'body_too_large');
      // Chunked (no Content-Length): cut off while streaming.
      const status = await new Promise<number>((resolve, reject) => {
        const req = httpRequest(
          `${host.baseUrl}/api/audits/stage`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
          (res) => {
            res.resume();
            resolve(res.statusCode!);
          },
        );
        req.on('error', reject);
        for (let i = 0; i < 10; i++) req.write(big.slice(i * 500, (i + 1) * 500));
        req.end();
      });
      assert.equal(status, 413);
      assert.deepEqual((await call(host, 'GET', '/api/audits/pending')).json!.pending, []);
    });

    it('resolves refs with the origin quirks: 200 exists:false for a missing id, 404 only for an unknown kind', async () => {
      const { staging, refs } = createHttpBackend({ baseUrl: host.baseUrl });
      const s = await staging.stage('security', { a: 1 }, { summary: 'pending one' });
      const id = s.staged ? s.snapshot.snapshot_id : '';
      const found = await call(host, 'GET', `/api/chat/refs/resolve?ref=${encodeURIComponent(`@audit:${id}`)}`);
      assert.equal(found.status, 200);
      assert.equal(found.json!.exists, true);
      assert.equal(found.json!.source, 'pending');
      const missing = await call(host, 'GET', '/api/chat/refs/resolve?ref=@audit:security_20990101_000000_none');
      assert.equal(missing.status, 200);
      assert.equal(missing.json!.exists, false);
      const unknown = await call(host, 'GET', '/api/chat/refs/resolve?ref=@thread:t1');
      assert.equal(unknown.status, 404);
      assert.equal(unknown.json!.error, 'not_found');
      assert.equal(unknown.json!.ref, '@thread:t1');
      assert.equal((await refs.resolve(`@audit:${id}`)).summary, 'pending one');
      assert.equal((await rejection(refs.resolve('@thread:t1'))).code, 'unknown_ref_kind');
      const kinds = await refs.autocomplete('@');
      assert.ok(kinds.some((k) => k.ref === '@audit:'));
      const items = await refs.autocomplete('@audit:sec');
      assert.deepEqual(
        items.map((i) => i.ref),
        [`@audit:${id}`],
      );
    });

    it('tracks a run through the host and serves it at /api/runs/recent and /api/runs/<id>', async () => {
      const client = createHostClient({ baseUrl: host.baseUrl, events: false });
      const result = await client.runs.track(
        { type: 'deploy', subtype: 'deploy:k8s', target: 'cluster-a' },
        async (h) => {
          await h.event({ type: 'step', status: 'ok' });
          const live = await client.runs.live();
          assert.deepEqual(
            live.map((r) => r.run_id),
            [h.id],
          );
          return { ok: true, summary: 'deployed 3 pods' };
        },
      );
      assert.deepEqual(result, { ok: true, summary: 'deployed 3 pods' });
      const recent = await call(host, 'GET', '/api/runs/recent');
      assert.equal(recent.json!.runs.length, 1);
      const run = recent.json!.runs[0];
      assert.equal(run.status, 'ok');
      assert.equal(run.summary, 'deployed 3 pods');
      assert.equal(run.target, 'cluster-a');
      const rec = await client.runs.get(run.run_id);
      assert.equal(rec!.events[0]!.type, 'step');
      assert.equal((await call(host, 'GET', '/api/runs/run_20990101T000000Z_x_none')).status, 404);
      await client.close();
    });

    it('answers 304 to If-None-Match with the weak ETag of a history page, and 200 once it changed', async () => {
      const { ledger } = createHttpBackend({ baseUrl: host.baseUrl });
      const first = await call(host, 'GET', '/api/ledger/entries?limit=10');
      const etag = first.headers.get('etag')!;
      assert.match(etag, /^W\/"/);
      const again = await call(host, 'GET', '/api/ledger/entries?limit=10', { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      assert.equal(again.json, undefined);
      await createHttpBackend({ baseUrl: host.baseUrl })
        .staging.stage('security', { x: 1 })
        .then(async (s) => {
          if (s.staged)
            await call(host, 'POST', '/api/audits/save', { body: { snapshot_ids: [s.snapshot.snapshot_id] } });
        });
      const changed = await call(host, 'GET', '/api/ledger/entries?limit=10', { headers: { 'if-none-match': etag } });
      assert.equal(changed.status, 200);
      assert.equal(changed.json!.entries.length, 1);
      // The client adapter revalidates and answers from its cache on 304.
      const p1 = await ledger.list({ limit: 10 });
      const p2 = await ledger.list({ limit: 10 });
      assert.deepEqual(p2, p1);
      const hist = await call(host, 'GET', '/api/events/history?limit=2');
      const h304 = await call(host, 'GET', '/api/events/history?limit=2', {
        headers: { 'if-none-match': hist.headers.get('etag')! },
      });
      assert.equal(h304.status, 304);
    });

    it('pages history with a cursor, newest first, without gaps or duplicates', async () => {
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      for (let i = 0; i < 7; i++) await staging.stage(`card${i}`, { i });
      const seen: number[] = [];
      let cursor: string | undefined;
      do {
        const r = await call(host, 'GET', `/api/events/history?limit=3${cursor ? `&before=${cursor}` : ''}`);
        seen.push(...r.json!.events.map((e: { seq: number }) => e.seq));
        cursor = r.json!.cursor;
      } while (cursor);
      assert.deepEqual(seen, [7, 6, 5, 4, 3, 2, 1]);
    });
  });

  describe('embedding', () => {
    it('answers CORS preflights for allowed origins only and exposes the ETag', async () => {
      host = await startHost({ cors: { origins: ['http://app.test'], credentials: true } });
      const pre = await fetch(`${host.baseUrl}/api/audits/save`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://app.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, authorization',
        },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), 'http://app.test');
      assert.equal(pre.headers.get('access-control-allow-credentials'), 'true');
      assert.equal(pre.headers.get('access-control-allow-headers'), 'content-type, authorization');
      const get = await fetch(`${host.baseUrl}/api/audits/pending`, { headers: { origin: 'http://app.test' } });
      assert.equal(get.headers.get('access-control-expose-headers'), 'ETag');
      const other = await fetch(`${host.baseUrl}/api/audits/pending`, { headers: { origin: 'http://evil.test' } });
      assert.equal(other.headers.get('access-control-allow-origin'), null);
    });

    it('works behind a framework that already parsed the body, and passes non-API paths to next()', async () => {
      host = await startHost();
      const { createServer } = await import('node:http');
      const passed: string[] = [];
      const framework = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          if (chunks.length)
            (req as typeof req & { body?: unknown }).body = JSON.parse(Buffer.concat(chunks).toString());
          void host.handler(req, res, () => {
            passed.push(req.url!);
            res.end('app page');
          });
        });
      });
      await new Promise<void>((r) => framework.listen(0, '127.0.0.1', r));
      const base = `http://127.0.0.1:${(framework.address() as import('node:net').AddressInfo).port}`;
      try {
        const staged = (await (
          await fetch(`${base}/api/audits/stage`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ card_key: 'dns', result: { ok: 1 } }),
          })
        ).json()) as { staged: boolean };
        assert.equal(staged.staged, true);
        assert.equal(await (await fetch(`${base}/dashboard`)).text(), 'app page');
        assert.deepEqual(passed, ['/dashboard']);
      } finally {
        framework.closeAllConnections();
        await new Promise<void>((r) => framework.close(() => r()));
      }
    });
  });

  describe('failures', () => {
    it('answers 500 without detail and hands the error to onError', async () => {
      const seen: unknown[] = [];
      host = await startHost({
        scp: () => {
          throw new Error('disk on fire');
        },
        onError: (e) => seen.push(e),
      });
      const r = await call(host, 'GET', '/api/audits/pending');
      assert.equal(r.status, 500);
      assert.deepEqual(r.json, { error: 'internal', message: 'The host failed to answer; see its logs' });
      assert.equal((seen[0] as Error).message, 'disk on fire');
    });
  });

  describe('auth and tenants', () => {
    beforeEach(async () => {
      host = await startHost({ auth: tokenAuth });
    });

    it('answers 401 without credentials and 403 for a caller the hook forbids', async () => {
      const none = await call(host, 'GET', '/api/audits/pending');
      assert.equal(none.status, 401);
      assert.equal(none.json!.error, 'unauthorized');
      const denied = await call(host, 'GET', '/api/audits/pending', { headers: auth('t-denied') });
      assert.equal(denied.status, 403);
      assert.equal(denied.json!.error, 'forbidden');
      const sse = await fetch(`${host.baseUrl}/api/events`);
      assert.equal(sse.status, 401);
      const bridge = connectEventBridge({
        url: `${host.baseUrl}/api/events`,
        bus: createEventBus(),
        headers: auth('t-denied'),
      });
      await assert.rejects(
        bridge.ready(),
        (e: ScpError) => e.code === 'http_error' && (e.data as { status: number }).status === 403,
      );
      assert.equal(bridge.state, 'closed');
      const e = await rejection(createHttpBackend({ baseUrl: host.baseUrl }).staging.list());
      assert.equal(e.code, 'http_error');
      assert.equal((e.data as { status: number }).status, 401);
    });

    it('records the actor from the auth hook on saves and runs', async () => {
      const a = createHttpBackend({ baseUrl: host.baseUrl, headers: auth('t-acme-alice') });
      const s = await a.staging.stage('security', { a: 1 });
      const id = s.staged ? s.snapshot.snapshot_id : '';
      await a.staging.save([id]);
      assert.equal((await a.ledger.getAudit(id))!.saved_by, 'alice');
      await a.runs.track({ type: 'build', actor: 'mallory' } as never, async () => ({ ok: true }));
      const [run] = (await a.ledger.list({ kind: 'run' })).entries;
      assert.equal(run!.actor, 'alice');
    });

    it('isolates tenants: entries, pending, refs, history and the event stream of A never reach B', async () => {
      const a = createHostClient({
        baseUrl: host.baseUrl,
        headers: auth('t-acme-alice'),
        events: { initialDelayMs: 10 },
      });
      const b = createHostClient({
        baseUrl: host.baseUrl,
        headers: auth('t-globex-bob'),
        events: { initialDelayMs: 10 },
      });
      await a.events!.ready();
      await b.events!.ready();
      const seenByB: string[] = [];
      b.bus.onAny((name) => {
        seenByB.push(name);
      });
      const seenByA: string[] = [];
      a.bus.on('audit:saved', (p) => {
        seenByA.push(p.snapshot_id);
      });

      const s = await a.staging.stage('security', { secret: 'acme-only' }, { summary: 'acme scan' });
      const id = s.staged ? s.snapshot.snapshot_id : '';
      await a.staging.save([id]);
      await until(() => seenByA.includes(id), 5000, 'A sees its own save');

      assert.deepEqual(await b.staging.list(), []);
      assert.equal(await b.ledger.getAudit(id), undefined);
      assert.deepEqual((await b.ledger.list()).entries, []);
      assert.equal((await b.refs.resolve(`@audit:${id}`)).exists, false);
      assert.deepEqual(await b.refs.autocomplete('@audit:'), []);
      const histB = await call(host, 'GET', '/api/events/history', { headers: auth('t-globex-bob') });
      assert.deepEqual(histB.json!.events, []);
      const histA = await call(host, 'GET', '/api/events/history', { headers: auth('t-acme-alice') });
      assert.ok(histA.json!.events.length >= 2);
      // A replay request by B from seq 0 gets nothing of A's either.
      const replay = await fetch(`${host.baseUrl}/api/events?since=0`, { headers: auth('t-globex-bob') });
      const reader = replay.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      assert.doesNotMatch(first, /acme|security/);
      assert.deepEqual(seenByB, []);
      await a.close();
      await b.close();
    });
  });

  describe('the event stream', () => {
    it('maps bus events onto the origin envelope (audit:pending has snapshot_id at the top level)', async () => {
      host = await startHost();
      const res = await fetch(`${host.baseUrl}/api/events`);
      const reader = res.body!.getReader();
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      const s = await staging.stage('k8s', { pods: 3 }, { summary: '3 pods' });
      let text = '';
      while (!text.includes('event: audit:pending')) text += new TextDecoder().decode((await reader.read()).value);
      while (!/event: audit:pending\nid: \d+\ndata: .*\n\n/.test(text))
        text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
      assert.match(text, /^retry: \d+\n\nevent: sys:ready\ndata: \{"instance_id":"[^"]+","cache_keys":\[\]/);
      const data = /event: audit:pending\nid: (\d+)\ndata: (.*)\n\n/.exec(text)!;
      const env = JSON.parse(data[2]!);
      assert.equal(env.v, 1);
      assert.equal(env.type, 'audit:pending');
      assert.equal(env.key, 'k8s');
      assert.equal(env.snapshot_id, s.staged ? s.snapshot.snapshot_id : '');
      assert.equal(env.seq, Number(data[1]));
      assert.equal(typeof env.ts, 'number');
    });

    it('replays missed events from disk after a server restart with Last-Event-ID, with no reset', async () => {
      host = await startHost();
      const bus = createEventBus();
      const got: string[] = [];
      bus.on('audit:pending', (p) => got.push(p.card_key));
      const resets: string[] = [];
      bus.on('sys:reset', (p) => resets.push(p.reason));
      let bridge = connectEventBridge({ url: `${host.baseUrl}/api/events`, bus, initialDelayMs: 20 });
      await bridge.ready();
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      await staging.stage('c1', { a: 1 });
      await until(() => got.length === 1);
      const cursor = bridge.lastEventId;
      bridge.close();
      await staging.stage('c2', { a: 2 });
      await staging.stage('c3', { a: 3 });
      // Restart: a new handler over the same journal folder (the cores keep their memory state).
      const dir = host.eventsDir;
      const clients = host.clients;
      await host.handler.close();
      host.server.closeAllConnections();
      await new Promise<void>((r) => host.server.close(() => r()));
      host = await startHost({ eventsDir: dir, scp: (t) => clients.get(t)! });
      bridge = connectEventBridge({ url: `${host.baseUrl}/api/events`, bus, lastEventId: cursor, initialDelayMs: 20 });
      await until(() => got.length === 3);
      await createHttpBackend({ baseUrl: host.baseUrl }).staging.stage('c4', { a: 4 });
      await until(() => got.length === 4);
      bridge.close();
      assert.deepEqual(got, ['c1', 'c2', 'c3', 'c4']);
      assert.deepEqual(resets, []);
    });

    it('answers a cursor older than retention with exactly one reset, then the client refetches and streams on', async () => {
      host = await startHost({ retention: { maxEvents: 5 } });
      const journalOf = async () =>
        (await fetch(`${host.baseUrl}/api/events/history?limit=1`)).json() as Promise<{ events: { seq: number }[] }>;
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      // Retention drops whole segments; with 1,000 events per segment keep the count small but
      // make the cursor unknown to the journal by asking from before its first event.
      for (let i = 0; i < 3; i++) await staging.stage(`c${i}`, { i });
      const top = (await journalOf()).events[0]!.seq;
      assert.equal(top, 3);
      const client = createHostClient({ baseUrl: host.baseUrl, events: { lastEventId: '999', initialDelayMs: 20 } });
      const resets: string[] = [];
      client.bus.on('sys:reset', (p) => resets.push(p.reason));
      const refetched: number[] = [];
      client.events!.onReset(async () => {
        refetched.push((await client.staging.list()).length);
      });
      await until(() => refetched.length === 1);
      assert.deepEqual(resets, ['cursor_unknown']);
      assert.deepEqual(refetched, [3]);
      assert.equal(client.events!.lastEventId, '3');
      const got: string[] = [];
      client.bus.on('audit:pending', (p) => got.push(p.card_key));
      await staging.stage('after', { x: 1 });
      await until(() => got.length === 1);
      assert.deepEqual(got, ['after']);
      assert.equal(resets.length, 1);
      await client.close();
    });

    it('expires cursors by retention: events beyond maxEvents are gone from replay and history', async () => {
      host = await startHost({ retention: { maxEvents: 3 } });
      const { createEventJournal } = await import('../../../src/core/host/node/event-journal.js');
      const j = createEventJournal({ retention: { maxEvents: 3 }, memoryEvents: 3 });
      for (let i = 0; i < 10; i++) j.append({ type: 'x', key: String(i), data: {} });
      assert.equal(j.firstSeq, 8);
      assert.deepEqual(j.check('2'), { ok: false, reason: 'cursor_expired' });
      assert.deepEqual(j.check('7'), { ok: true, seq: 7 });
      assert.deepEqual(j.check('11'), { ok: false, reason: 'cursor_unknown' });
      assert.deepEqual(
        j.read(7, 10).map((e) => e.seq),
        [8, 9, 10],
      );
    });

    it('sends sys:heartbeat after the idle interval and releases the stream when the client leaves', async () => {
      host = await startHost({ heartbeatMs: 100 });
      const t0 = Date.now();
      const res = await fetch(`${host.baseUrl}/api/events`);
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('event: sys:heartbeat')) text += new TextDecoder().decode((await reader.read()).value);
      assert.equal(host.handler.streams, 1, 'the stream stays registered while open');
      await reader.cancel();
      await until(() => host.handler.streams === 0, 5000, 'a closed stream is released');
      assert.ok(Date.now() - t0 >= 95, 'not before the idle interval');
      assert.match(text, /event: sys:heartbeat\ndata: \{"ts":[\d.]+\}\n\n/);
    });

    it('resets and drops a client whose socket stays backed up while it falls behind (bounded memory)', async () => {
      host = await startHost({ maxClientLag: 50 });
      // A raw socket that never reads: the server's writes back up.
      const { connect } = await import('node:net');
      const url = new URL(host.baseUrl);
      const sock = connect(Number(url.port), '127.0.0.1');
      sock.pause();
      sock.write('GET /api/events HTTP/1.1\r\nHost: x\r\n\r\n');
      await until(() => host.handler.streams === 1);
      // Big events straight on the core's bus (as a host's own code would emit them).
      await fetch(`${host.baseUrl}/api/ledger/head`); // creates the default tenant's core
      const core = host.clients.get('default')!;
      const summary = 'x'.repeat(100_000);
      for (let i = 0; i < 400 && host.handler.streams === 1; i++) {
        core.bus.emit('run:started', {
          run_id: `run_20260101T000000Z_big_${String(i).padStart(4, '0')}`,
          type: 'big',
          subtype: 'big',
          summary,
        });
        await new Promise((r) => setImmediate(r));
      }
      await until(() => host.handler.streams === 0, 10_000, 'slow stream dropped');
      // It was told why before being dropped: the last frame it was sent is a reset.
      sock.resume();
      let text = '';
      sock.on('data', (b: Buffer) => {
        text += b.toString('latin1');
      });
      await until(() => text.includes('event: reset'), 10_000, 'reset frame read');
      assert.match(text, /event: reset\nid: \d+\ndata: \{"reason":"slow_client"/);
      sock.destroy();
    });
  });
});
