// Hostile requests against the real Node handler over loopback HTTP: cross-site writes, actors
// named in bodies, values too deep or too large, and a client that keeps uploading after a 413.
import type { JsonReply } from '../../helpers/json-reply.js';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import type { MemoryLedger } from '../../../src/core/ledger/memory.js';
import { startHost, tokenAuth, type RunningHost } from './support/host-server.js';

type Reply = { status: number; json: JsonReply | undefined };

async function call(
  host: RunningHost,
  method: string,
  path: string,
  o: { body?: string | object; headers?: Record<string, string> } = {},
): Promise<Reply> {
  const body = typeof o.body === 'string' ? o.body : o.body === undefined ? undefined : JSON.stringify(o.body);
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...o.headers },
    ...(body !== undefined && { body }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as JsonReply) : undefined };
}

const alice = { authorization: 'Bearer t-default-alice' };

/** `depth` arrays inside each other, as JSON text: `[[[...]]]`. */
const nestedText = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const nested = (depth: number) => JSON.parse(nestedText(depth)) as unknown;

async function stageOne(host: RunningHost, headers: Record<string, string> = {}): Promise<string> {
  const r = await call(host, 'POST', '/api/audits/stage', {
    body: { card_key: 'security', result: { n: Math.random() } },
    headers,
  });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  return r.json!.snapshot.snapshot_id as string;
}

const pendingIds = async (host: RunningHost, headers: Record<string, string> = {}) =>
  ((await call(host, 'GET', '/api/audits/pending', { headers })).json!.pending as { snapshot_id: string }[]).map(
    (p) => p.snapshot_id,
  );

function auditBody(id: string, savedBy: string) {
  return {
    snapshot_id: id,
    card_key: 'security',
    audit_type: 'devops',
    computed_at: 1_771_360_000,
    iso: '2026-02-17T20:26:40.000Z',
    status: 'ok',
    duration_s: 1,
    summary: 'spoof',
    content_hash: 'x',
    redacted: [],
    data: { a: 1 },
    saved_at: '2026-02-17T20:27:00.000Z',
    saved_by: savedBy,
  };
}

function runBody(id: string, user: string) {
  return {
    run: {
      run_id: id,
      type: 'deploy',
      subtype: 'deploy:k8s',
      status: 'ok',
      user,
      code_ref: '',
      started_at: '2026-02-17T20:45:00.000Z',
      ended_at: '2026-02-17T20:45:01.000Z',
      duration_ms: 1000,
      summary: 'spoof',
      metadata: {},
    },
    events: [],
  };
}

describe('hostile requests to the Node host', () => {
  let host: RunningHost;
  afterEach(async () => {
    await host?.stop();
  });

  describe('cross-site writes', () => {
    beforeEach(async () => {
      host = await startHost();
    });

    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'text/plain;charset=UTF-8',
    ]) {
      it(`refuses state-changing requests sent as ${type} (415) and changes nothing`, async () => {
        const id = await stageOne(host);
        for (const [path, body] of [
          ['/api/audits/discard', { snapshot_ids: 'all' }],
          ['/api/audits/save', { snapshot_ids: [id] }],
          ['/api/audits/stage', { card_key: 'evil', result: { a: 1 } }],
          ['/api/runs', { type: 'deploy' }],
          ['/api/ledger/write', { audits: [auditBody('security_20260217_202640_evil', 'mallory')] }],
        ] as const) {
          const r = await call(host, 'POST', path, { body, headers: { 'content-type': type } });
          assert.equal(r.status, 415, `${path} as ${type}`);
          assert.equal(r.json!.error, 'unsupported_media_type');
        }
        assert.deepEqual(await pendingIds(host), [id]);
        assert.deepEqual((await call(host, 'GET', '/api/ledger/entries')).json!.entries, []);
      });
    }

    it('refuses a POST without any content type (415)', async () => {
      const id = await stageOne(host);
      const res = await fetch(`${host.baseUrl}/api/audits/discard`, {
        method: 'POST',
        body: new Uint8Array(Buffer.from(JSON.stringify({ snapshot_ids: 'all' }))),
      });
      assert.equal(res.status, 415);
      assert.deepEqual(await pendingIds(host), [id]);
    });

    it('refuses writes from a foreign Origin even as JSON (403), and a DELETE from it; nothing changes', async () => {
      const id = await stageOne(host);
      const evil = { origin: 'https://evil.example' };
      for (const [path, body] of [
        ['/api/audits/discard', { snapshot_ids: 'all' }],
        ['/api/audits/save', { snapshot_ids: [id] }],
        ['/api/runs', { type: 'deploy' }],
      ] as const) {
        const r = await call(host, 'POST', path, { body, headers: evil });
        assert.equal(r.status, 403, path);
        assert.equal(r.json!.error, 'cross_origin');
      }
      assert.deepEqual(await pendingIds(host), [id]);
      assert.equal((await call(host, 'POST', '/api/audits/save', { body: { snapshot_ids: [id] } })).status, 200);
      const del = await call(host, 'DELETE', `/api/audits/saved/${id}`, { headers: evil });
      assert.equal(del.status, 403);
      assert.equal((await call(host, 'GET', `/api/audits/saved/${id}`)).status, 200);
      // Reads from anywhere are still answered (CORS decides who sees them).
      assert.equal((await call(host, 'GET', '/api/audits/pending', { headers: evil })).status, 200);
      // An opaque origin (sandboxed frame, file:) is foreign too.
      assert.equal(
        (
          await call(host, 'POST', '/api/audits/discard', {
            body: { snapshot_ids: 'all' },
            headers: { origin: 'null' },
          })
        ).status,
        403,
      );
    });

    it('accepts writes from its own origin and from allowed origins', async () => {
      const id = await stageOne(host, { origin: host.baseUrl });
      assert.equal(
        (
          await call(host, 'POST', '/api/audits/discard', {
            body: { snapshot_ids: [id] },
            headers: { origin: host.baseUrl },
          })
        ).status,
        200,
      );
      await host.stop();
      host = await startHost({ allowedOrigins: ['https://ops.example.com'] });
      const id2 = await stageOne(host, { origin: 'https://ops.example.com' });
      assert.deepEqual(await pendingIds(host), [id2]);
      assert.equal(
        (
          await call(host, 'POST', '/api/audits/discard', {
            body: { snapshot_ids: 'all' },
            headers: { origin: 'https://other.example.com' },
          })
        ).status,
        403,
      );
    });
  });

  describe('actors come from the auth hook', () => {
    beforeEach(async () => {
      host = await startHost({ auth: tokenAuth });
    });

    it('a save naming another actor is stored as the authenticated one', async () => {
      const id = await stageOne(host, alice);
      const r = await call(host, 'POST', '/api/audits/save', {
        body: { snapshot_ids: [id], actor: 'mallory', saved_by: 'mallory', user: 'mallory' },
        headers: alice,
      });
      assert.equal(r.status, 200);
      assert.equal((await call(host, 'GET', `/api/audits/saved/${id}`, { headers: alice })).json!.saved_by, 'alice');
    });

    it('a run started and finished with another actor in the body is recorded as the authenticated one', async () => {
      const started = await call(host, 'POST', '/api/runs', {
        body: { type: 'deploy', actor: 'mallory', user: 'mallory' },
        headers: alice,
      });
      assert.equal(started.status, 201);
      assert.equal(started.json!.run.user, 'alice');
      const id = started.json!.run.run_id as string;
      assert.equal(
        (
          await call(host, 'POST', `/api/runs/${id}/events`, {
            body: { type: 'step', actor: 'mallory', user: 'mallory' },
            headers: alice,
          })
        ).status,
        200,
      );
      const done = await call(host, 'POST', `/api/runs/${id}/finish`, {
        body: { status: 'ok', result: { user: 'mallory', actor: 'mallory' }, user: 'mallory' },
        headers: alice,
      });
      assert.equal(done.json!.run.user, 'alice');
      const entries = (await call(host, 'GET', '/api/ledger/entries', { headers: alice })).json!.entries as {
        actor: string;
      }[];
      assert.deepEqual(
        entries.map((e) => e.actor),
        ['alice'],
      );
    });

    it('a ledger write naming other actors (saved_by, run.user, actor) is stored as the authenticated one', async () => {
      const r = await call(host, 'POST', '/api/ledger/write', {
        body: {
          audits: [auditBody('security_20260217_202640_spf1', 'mallory')],
          runs: [runBody('run_20260217T204500Z_deploy_spf1', 'mallory')],
          actor: 'mallory',
          message: 'spoof',
        },
        headers: alice,
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      const entries = (await call(host, 'GET', '/api/ledger/entries', { headers: alice })).json!.entries as {
        actor: string;
      }[];
      assert.equal(entries.length, 2);
      assert.deepEqual(
        entries.map((e) => e.actor),
        ['alice', 'alice'],
      );
      assert.equal(
        (await call(host, 'GET', '/api/audits/saved/security_20260217_202640_spf1', { headers: alice })).json!.saved_by,
        'alice',
      );
      assert.equal(
        (await call(host, 'GET', '/api/runs/run_20260217T204500Z_deploy_spf1', { headers: alice })).json!.run.user,
        'alice',
      );
      const ledger = host.clients.get('default')!.ledger as MemoryLedger;
      assert.deepEqual(
        ledger.log().map((c) => c.actor),
        ['alice'],
      );
    });

    it('a delete naming another actor is committed as the authenticated one', async () => {
      const id = await stageOne(host, alice);
      await call(host, 'POST', '/api/audits/save', { body: { snapshot_ids: [id] }, headers: alice });
      // Deleting needs the admin role: alice signs in as an admin for it.
      const r = await call(host, 'DELETE', `/api/audits/saved/${id}?reason=leak&actor=mallory&user=mallory`, {
        body: { actor: 'mallory' },
        headers: { authorization: 'Bearer t-default-alice-admin' },
      });
      assert.equal(r.status, 200);
      const ledger = host.clients.get('default')!.ledger as MemoryLedger;
      assert.deepEqual(
        ledger.log().map((c) => c.actor),
        ['alice', 'alice'],
      );
    });

    it('without an authenticated actor a ledger write names nobody the body chose', async () => {
      await host.stop();
      host = await startHost();
      const r = await call(host, 'POST', '/api/ledger/write', {
        body: { audits: [auditBody('security_20260217_202640_spf2', 'mallory')], actor: 'mallory' },
      });
      assert.equal(r.status, 200, JSON.stringify(r.json));
      assert.equal(
        (await call(host, 'GET', '/api/audits/saved/security_20260217_202640_spf2')).json!.saved_by,
        'unknown',
      );
    });
  });

  describe('limits on values', () => {
    beforeEach(async () => {
      host = await startHost();
    });

    it('answers nesting past maxDepth with 400 validation naming the limit and path, never 500', async () => {
      for (const depth of [257, 5000, 100_000]) {
        const r = await call(host, 'POST', '/api/audits/stage', {
          body: `{"card_key":"security","result":{"deep":${nestedText(depth)}}}`,
        });
        assert.equal(r.status, 400, `depth ${depth}`);
        assert.equal(r.json!.error, 'validation');
        assert.equal(r.json!.data.limit, 'maxDepth');
        assert.equal(r.json!.data.max, 256);
        assert.match(r.json!.data.path, /^body\.result\.deep(\[0\])+$/);
      }
      const w = await call(host, 'POST', '/api/ledger/write', {
        body: `{"audits":[${JSON.stringify({ ...auditBody('security_20260217_202640_deep', 'x'), data: null }).replace('"data":null', `"data":${nestedText(5000)}`)}]}`,
      });
      assert.equal(w.status, 400);
      assert.equal(w.json!.data.limit, 'maxDepth');
      assert.deepEqual(await pendingIds(host), []);
      // Within the limit is fine.
      const ok = await call(host, 'POST', '/api/audits/stage', { body: { card_key: 'security', result: nested(200) } });
      assert.equal(ok.status, 200);
    });

    it('answers too many keys, items or characters with 413 value_too_large naming the limit and path', async () => {
      const keys = Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 0]));
      const cases: [unknown, string, string][] = [
        [{ wide: keys }, 'maxKeys', 'body.result.wide'],
        [{ list: new Array(100_001).fill(0) }, 'maxArrayLength', 'body.result.list'],
        [{ text: 'x'.repeat(1_048_577) }, 'maxStringLength', 'body.result.text'],
      ];
      for (const [result, limit, path] of cases) {
        const r = await call(host, 'POST', '/api/audits/stage', { body: { card_key: 'security', result } });
        assert.equal(r.status, 413, limit);
        assert.equal(r.json!.error, 'value_too_large');
        assert.equal(r.json!.data.limit, limit);
        assert.equal(r.json!.data.path, path);
      }
      await host.stop();
      host = await startHost({ limits: { maxKeys: 3 } });
      const r = await call(host, 'POST', '/api/audits/stage', {
        body: { card_key: 'security', result: { a: 1, b: 2, c: 3, d: 4 } },
      });
      assert.equal(r.status, 413);
      assert.equal(r.json!.data.max, 3);
      assert.deepEqual(await pendingIds(host), []);
    });
  });

  describe('a client that keeps sending after the 413', () => {
    beforeEach(async () => {
      host = await startHost();
    });

    /**
     * Sends the whole `total` bytes over a plain socket (chunked or with a Content-Length), and only
     * then reads what came back, as a client busy uploading does. Resolves with the answer's text,
     * or says why there was none (the connection was reset under it).
     */
    function uploadThenRead(total: number, declared: boolean): Promise<string> {
      const { hostname, port } = new URL(host.baseUrl);
      return new Promise((resolve) => {
        const sock = connect(Number(port), hostname);
        let got = '';
        let done = false;
        const finish = (why: string) => {
          if (!done) {
            done = true;
            sock.destroy();
            resolve(got || `no answer (${why})`);
          }
        };
        sock.on('error', (e: NodeJS.ErrnoException) => finish(e.code ?? 'error'));
        sock.on('close', () => finish('closed'));
        sock.pause();
        sock.write(
          `POST /api/audits/stage HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\n${declared ? `Content-Length: ${total}` : 'Transfer-Encoding: chunked'}\r\n\r\n`,
        );
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const framed = declared
          ? chunk
          : Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n')]);
        let sent = 0;
        const pump = () => {
          while (sent < total) {
            sent += chunk.length;
            if (!sock.write(framed)) {
              sock.once('drain', pump);
              return;
            }
          }
          if (!declared) sock.write('0\r\n\r\n');
          sock.on('data', (c: Buffer) => {
            got += c.toString('utf8');
            if (/\r\n\r\n\{[\s\S]*\}$/.test(got)) finish('answered');
          });
          sock.resume();
        };
        pump();
      });
    }

    for (const declared of [false, true]) {
      it(`reads its 413 JSON in 10 of 10 tries of a 20 MB upload (${declared ? 'Content-Length' : 'chunked'})`, async () => {
        const answers: string[] = [];
        for (let i = 0; i < 10; i++) answers.push(await uploadThenRead(20 * 1024 * 1024, declared));
        const statusLines = answers.map((a) => a.split('\r\n')[0]);
        assert.deepEqual(statusLines, new Array(10).fill('HTTP/1.1 413 Payload Too Large'));
        for (const a of answers)
          assert.equal((JSON.parse(a.slice(a.indexOf('\r\n\r\n') + 4)) as { error: string }).error, 'body_too_large');
        assert.deepEqual(await pendingIds(host), []);
      });
    }
  });
});
