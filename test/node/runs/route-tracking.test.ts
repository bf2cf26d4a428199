// One-line route tracking in a real Express app and in a fetch-style handler: state-changing
// requests become runs (type/subtype from the route, status from the response or a thrown error,
// actor and correlation id from the request) and the response names the run.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import { runOf, trackRoutes } from '../../../src/core/host/node/track-routes.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { runRefOf, trackFetch } from '../../../src/core/runs/route-tracking.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const traceparent = `00-${TRACE}-b7ad6b7169203331-01`;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('route tracking', () => {
  let scp: ScpClient;
  beforeEach(() => {
    scp = createScp({ ledger: createMemoryLedger(), channel: false, runs: { groupCommitMs: 0 } });
  });
  afterEach(async () => {
    await scp.close();
  });

  const runOfRef = async (ref: string | undefined) => {
    assert.ok(ref, 'a run reference');
    await scp.runs.flush();
    return (await scp.ledger.getRun(ref.slice('@run:'.length)))!;
  };

  describe('in a real Express app', () => {
    let server: Server;
    let base: string;
    afterEach(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    async function app(runIdInBody: boolean) {
      const a = express();
      a.use(express.json());
      a.use(
        trackRoutes({
          client: scp,
          actor: (req: IncomingMessage) => req.headers['x-user'] as string | undefined,
          runIdInBody,
        }),
      );
      a.post('/api/deploy/k8s', async (req, res) => {
        await runOf(req)!.artifact({ type: 'pr', value: '42', repo: 'github.com/acme/api' });
        res.json({ ok: true, replicas: req.body.replicas });
      });
      a.post('/api/backup/:id', (_req, res) => {
        res.status(502).json({ error: 'storage offline' });
      });
      a.delete('/api/cache', (_req, _res) => {
        throw new Error('cache is locked');
      });
      a.get('/api/status', (_req, res) => {
        res.json({ up: true });
      });
      a.use((err: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
        res.status(500).json({ error: err.message });
      });
      server = createServer(a);
      base = await listen(server);
    }

    it("records a POST as a run of the route's type, with actor and traceparent; header and body name it", async () => {
      await app(true);
      const res = await fetch(`${base}/api/deploy/k8s`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user': 'ana', traceparent },
        body: '{"replicas":3}',
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { ok: boolean; replicas: number; run_id: string };
      const id = res.headers.get('x-scp-run-id');
      assert.match(id ?? '', /^run_\d{8}T\d{6}Z_deploy_/);
      assert.deepEqual(body, { ok: true, replicas: 3, run_id: id });
      assert.equal(runRefOf(res), `@run:${id}`);
      const rec = await runOfRef(runRefOf(res));
      assert.deepEqual(
        [rec.run.type, rec.run.subtype, rec.run.status, rec.run.user, rec.run.correlation_id],
        ['deploy', 'deploy:k8s', 'ok', 'ana', TRACE],
      );
      assert.deepEqual(rec.run['artifacts'], [{ ref_type: 'pr', ref_value: '42', repo: 'github.com/acme/api' }]);
      assert.deepEqual(
        (await scp.ledger.list({ correlation: TRACE })).entries.map((e) => e.id),
        [id],
      );
    });

    it('maps a failure status and a thrown error to a failed run; a GET is not recorded', async () => {
      await app(false);
      const bad = await fetch(`${base}/api/backup/12345`, { method: 'POST' });
      assert.equal(bad.status, 502);
      assert.deepEqual(await bad.json(), { error: 'storage offline' }); // no run_id unless asked
      const failed = await runOfRef(runRefOf(bad));
      assert.deepEqual(
        [failed.run.type, failed.run.subtype, failed.run.status, failed.run.error],
        ['backup', 'backup', 'failed', 'HTTP 502'],
      );
      const threw = await fetch(`${base}/api/cache`, { method: 'DELETE', headers: { 'x-request-id': 'req-9' } });
      assert.equal(threw.status, 500);
      const t = await runOfRef(runRefOf(threw));
      assert.deepEqual([t.run.type, t.run.status, t.run.correlation_id], ['cache', 'failed', 'req-9']);
      const get = await fetch(`${base}/api/status`);
      assert.equal(get.headers.get('x-scp-run-id'), null);
      await scp.runs.flush();
      assert.equal((await scp.ledger.list({ kind: 'run' })).entries.length, 2);
    });
  });

  describe('as a fetch handler wrapper', () => {
    it('records the run, adds the header (and run_id when asked), maps statuses and rethrows errors', async () => {
      const boom = new TypeError('bad payload');
      const handler = trackFetch(
        async (request: Request) => {
          const url = new URL(request.url);
          if (url.pathname.endsWith('/explode')) throw boom;
          if (request.method === 'GET') return Response.json({ up: true });
          return Response.json({ created: true }, { status: url.pathname.includes('deny') ? 403 : 201 });
        },
        {
          client: scp,
          type: 'deploy',
          subtype: (r) => `deploy:${new URL(r.url).pathname.split('/').pop()}`,
          runIdInBody: true,
          actor: (r) => r.headers.get('x-user') ?? undefined,
        },
      );

      const ok = await handler(
        new Request('https://ops.example/api/deploy/canary', {
          method: 'POST',
          headers: { traceparent, 'x-user': 'bo' },
        }),
      );
      assert.equal(ok.status, 201);
      const body = (await ok.json()) as { created: boolean; run_id: string };
      assert.equal(body.run_id, ok.headers.get('x-scp-run-id'));
      assert.equal(runRefOf(ok, body), `@run:${body.run_id}`);
      const rec = await runOfRef(runRefOf(ok));
      assert.deepEqual(
        [rec.run.subtype, rec.run.status, rec.run.user, rec.run.correlation_id],
        ['deploy:canary', 'ok', 'bo', TRACE],
      );

      const denied = await handler(new Request('https://ops.example/api/deploy/deny', { method: 'PUT' }));
      assert.equal((await runOfRef(runRefOf(denied))).run.status, 'failed');

      await assert.rejects(
        handler(new Request('https://ops.example/api/deploy/explode', { method: 'POST' })),
        (e) => e === boom,
      );
      await scp.runs.flush();
      const explode = (await scp.ledger.list({ action: 'deploy:explode' })).entries;
      assert.deepEqual(
        explode.map((e) => e.status),
        ['failed'],
      );

      const get = await handler(new Request('https://ops.example/api/deploy/x'));
      assert.equal(get.headers.get('x-scp-run-id'), null);
    });
  });
});
