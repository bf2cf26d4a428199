// The HTTP client adapters against msw's reproduction of the origin's API (msw/node).
import assert from 'node:assert/strict';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { ScpError } from '../../../src/core/errors/index.js';
import { createHttpBackend } from '../../../src/core/host/http-backend.js';
import { createOriginState, originHandlers, originSnapshot, type OriginState } from '../../../demo/origin-api/index.js';

const BASE = 'http://origin.test';

async function rejection(p: Promise<unknown>): Promise<ScpError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ScpError, `expected an ScpError, got ${String(e)}`);
    return e;
  }
  throw new Error('expected a rejection');
}

describe('HTTP client adapters against the origin API (msw/node)', () => {
  const server = setupServer();
  let state: OriginState;
  before(() => server.listen({ onUnhandledRequest: 'error' }));
  after(() => server.close());
  beforeEach(() => {
    state = createOriginState();
    server.resetHandlers(...originHandlers(state, BASE));
  });

  it('lists pending metadata, gets one with data, counts per card', async () => {
    const a = originSnapshot('security', 3);
    const b = originSnapshot('audit:l2:risks', 2);
    state.pending.set(a.snapshot_id, a).set(b.snapshot_id, b);
    const { staging } = createHttpBackend({ baseUrl: BASE });
    assert.deepEqual(
      (await staging.list()).map((p) => p.snapshot_id),
      [a.snapshot_id, b.snapshot_id],
    );
    assert.deepEqual(
      (await staging.list({ audit_type: 'project' })).map((p) => p.card_key),
      ['audit:l2:risks'],
    );
    assert.deepEqual((await staging.get(a.snapshot_id)).data, a.data);
    assert.deepEqual({ ...(await staging.counts()) }, { security: 1, 'audit:l2:risks': 1 });
  });

  it('turns the origin 404 for a missing pending snapshot into NotFoundError', async () => {
    const e = await rejection(createHttpBackend({ baseUrl: BASE }).staging.get('security_20260217_204500'));
    assert.equal(e.code, 'not_found');
  });

  it('saves and discards with explicit snapshot_ids, mapping the origin answers (no commit, a count)', async () => {
    const a = originSnapshot('security', 1);
    const b = originSnapshot('k8s', 2);
    const c = originSnapshot('dns', 3);
    for (const s of [a, b, c]) state.pending.set(s.snapshot_id, s);
    const { staging } = createHttpBackend({ baseUrl: BASE });
    assert.deepEqual(await staging.save([a.snapshot_id]), { saved: [a.snapshot_id], commit: '' });
    assert.deepEqual(await staging.discard([b.snapshot_id]), { discarded: [b.snapshot_id] });
    assert.deepEqual([...state.pending.keys()], [c.snapshot_id]);
    const bodies = state.requests.filter((r) => r.method === 'POST').map((r) => r.path);
    assert.deepEqual(bodies, ['/api/audits/save', '/api/audits/discard']);
  });

  it('never sends an empty selection (the origin would act on everything)', async () => {
    state.pending.set('security_20260217_000001', originSnapshot('security', 1));
    const { staging } = createHttpBackend({ baseUrl: BASE });
    assert.equal((await rejection(staging.save([]))).code, 'empty_selection');
    assert.equal((await rejection(staging.discard([]))).code, 'empty_selection');
    assert.equal((await rejection(staging.save(['../x']))).code, 'invalid_id');
    assert.equal(state.requests.length, 0);
    assert.equal(state.pending.size, 1);
  });

  it('resolves with the origin quirks: exists:false on 200, UnknownRefKindError only on 404', async () => {
    const s = originSnapshot('security', 1, 'saved one');
    state.saved.set(s.snapshot_id, s);
    const { refs } = createHttpBackend({ baseUrl: BASE });
    const found = await refs.resolve(`@audit:${s.snapshot_id}`);
    assert.deepEqual(
      { exists: found.exists, source: found.source, summary: found.summary },
      { exists: true, source: 'ledger', summary: 'saved one' },
    );
    const missing = await refs.resolve('@audit:security_20990101_000000');
    assert.equal(missing.exists, false);
    const run = await refs.resolve('@run:run_20990101T000000Z_deploy_abcd');
    assert.equal(run.exists, false);
    assert.equal((await rejection(refs.resolve('@thread:t_1'))).code, 'unknown_ref_kind');
    assert.equal((await rejection(refs.resolve('@audit:../../etc'))).code, 'invalid_id');
  });

  it('accepts autocomplete kinds as bare strings and items as objects; parse learns the host kinds', async () => {
    const s = originSnapshot('security', 1);
    state.pending.set(s.snapshot_id, s);
    const { refs } = createHttpBackend({ baseUrl: BASE });
    const kinds = await refs.autocomplete('@');
    assert.deepEqual(
      kinds.map((k) => [k.ref, k.section]),
      [
        ['@run:', 'kinds'],
        ['@audit:', 'kinds'],
        ['@thread:', 'kinds'],
        ['@commit:', 'kinds'],
      ],
    );
    const items = await refs.autocomplete('@audit:sec');
    assert.deepEqual(
      items.map((i) => [i.ref, i.section]),
      [[`@audit:${s.snapshot_id}`, 'unsaved']],
    );
    assert.deepEqual(
      refs.parse('see @commit:abc123 and @audit:x_1').map((r) => r.kind),
      ['commit', 'audit'],
    );
  });

  it("files the origin's run suggestions, which carry no section, under runs", async () => {
    const run = {
      run_id: 'run_20260217T204500Z_deploy_ab12',
      type: 'deploy',
      subtype: 'deploy:k8s',
      status: 'failed',
      user: 'ana',
      code_ref: '',
      started_at: '2026-02-17T20:45:00.000Z',
      ended_at: '2026-02-17T20:45:03.000Z',
      duration_ms: 3000,
      environment: 'prod',
      modules_affected: [],
      summary: 'rollout timed out',
      metadata: {},
    };
    state.runs.set(run.run_id, { run, events: [] });
    const { refs } = createHttpBackend({ baseUrl: BASE });
    const items = await refs.autocomplete('@run:');
    assert.deepEqual(
      items.map((i) => [i.ref, i.section, i.status]),
      [[`@run:${run.run_id}`, 'runs', 'failed']],
    );
  });

  it('reads and deletes saved audits; a missing one is undefined, runs the origin never built are undefined', async () => {
    const s = originSnapshot('security', 1);
    state.saved.set(s.snapshot_id, s);
    const { ledger } = createHttpBackend({ baseUrl: BASE });
    assert.equal((await ledger.getAudit(s.snapshot_id))!.card_key, 'security');
    assert.equal(await ledger.getAudit('security_20990101_000000'), undefined);
    server.use(
      http.get(
        `${BASE}/api/runs/:id`,
        () => new HttpResponse('<h1>Not Found</h1>', { status: 404, headers: { 'content-type': 'text/html' } }),
      ),
    );
    assert.equal(await ledger.getRun('run_20990101T000000Z_deploy_abcd'), undefined);
    assert.equal((await rejection(ledger.deleteAudit(s.snapshot_id))).code, 'validation'); // a delete must say why
    assert.equal(state.saved.size, 1);
    assert.deepEqual(await ledger.deleteAudit(s.snapshot_id, { reason: 'wrong card' }), {
      commit: '',
      ids: [s.snapshot_id],
    });
    assert.equal(state.saved.size, 0);
  });

  it('sends the headers hook on every request (fresh values each time) and the credentials mode', async () => {
    let n = 0;
    const { staging } = createHttpBackend({
      baseUrl: `${BASE}/`,
      headers: async () => ({ authorization: `Bearer token-${++n}` }),
    });
    await staging.list();
    await staging.list();
    assert.deepEqual(
      state.requests.map((r) => [r.path, r.headers.authorization]),
      [
        ['/api/audits/pending', 'Bearer token-1'],
        ['/api/audits/pending', 'Bearer token-2'],
      ],
    );
  });

  describe('failures become typed errors', () => {
    it('a malformed body (wrong shape or not JSON) is a ValidationError naming the path', async () => {
      server.use(http.get(`${BASE}/api/audits/pending`, () => HttpResponse.json({ pending: [{ snapshot_id: 1 }] })));
      const e = await rejection(createHttpBackend({ baseUrl: BASE }).staging.list());
      assert.equal(e.code, 'validation');
      assert.match(JSON.stringify(e.data), /pending\.0\.snapshot_id/);
      server.use(
        http.get(`${BASE}/api/audits/pending`, () => new HttpResponse('<html>proxy error</html>', { status: 200 })),
      );
      assert.equal((await rejection(createHttpBackend({ baseUrl: BASE }).staging.list())).code, 'validation');
    });

    it('a 5xx is an HttpError carrying status and body', async () => {
      server.use(http.get(`${BASE}/api/audits/pending`, () => HttpResponse.json({ error: 'boom' }, { status: 502 })));
      const e = await rejection(createHttpBackend({ baseUrl: BASE }).staging.list());
      assert.equal(e.code, 'http_error');
      assert.deepEqual(
        { status: (e.data as { status: number }).status, body: (e.data as { body: unknown }).body },
        { status: 502, body: { error: 'boom' } },
      );
    });

    it('a slow host is a TimeoutError after timeoutMs', async () => {
      server.use(
        http.get(`${BASE}/api/audits/pending`, async () => {
          await delay('infinite');
          return HttpResponse.json({});
        }),
      );
      const t0 = Date.now();
      const e = await rejection(createHttpBackend({ baseUrl: BASE, timeoutMs: 150 }).staging.list());
      assert.equal(e.code, 'timeout');
      assert.ok(Date.now() - t0 >= 140);
    });

    it('an unreachable host is a NetworkError', async () => {
      server.use(http.get(`${BASE}/api/audits/pending`, () => HttpResponse.error()));
      assert.equal((await rejection(createHttpBackend({ baseUrl: BASE }).staging.list())).code, 'network');
    });

    it('an aborted request is an AbortedError', async () => {
      server.use(
        http.get(`${BASE}/api/chat/refs/resolve`, async () => {
          await delay(2000);
          return HttpResponse.json({});
        }),
      );
      const ctl = new AbortController();
      const p = createHttpBackend({ baseUrl: BASE }).refs.resolve('@audit:security_20260101_000000', {
        signal: ctl.signal,
      });
      setTimeout(() => ctl.abort(), 30);
      assert.equal((await rejection(p)).code, 'aborted');
      const pre = new AbortController();
      pre.abort();
      assert.equal(
        (await rejection(createHttpBackend({ baseUrl: BASE }).refs.autocomplete('@audit:', { signal: pre.signal })))
          .code,
        'aborted',
      );
    });
  });
});
