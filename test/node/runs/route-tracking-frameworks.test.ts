// The route tracking middleware through the adapters docs/host-api.md gives for Fastify
// (`onRequest` hook on the raw request/response) and Koa (`ctx.req` / `ctx.res`), in real apps
// of each on a real port: a state-changing request becomes a run, the response names it, failure
// statuses and thrown errors map to failed runs, reads are not recorded.
import assert from 'node:assert/strict';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import Koa from 'koa';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import { runOf, trackKoa, trackRoutes } from '../../../src/core/host/node/track-routes.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { runRefOf } from '../../../src/core/runs/route-tracking.js';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const traceparent = `00-${TRACE}-b7ad6b7169203331-01`;

describe('route tracking in other frameworks', () => {
  let scp: ScpClient;
  beforeEach(() => {
    scp = createScp({ ledger: createMemoryLedger(), channel: false, runs: { groupCommitMs: 0 } });
  });
  afterEach(async () => {
    await scp.close();
  });

  const recorded = async (res: Response) => {
    const ref = runRefOf(res);
    assert.ok(ref, `a run reference on ${res.url}`);
    await scp.runs.flush();
    return (await scp.ledger.getRun(ref.slice('@run:'.length)))!;
  };
  const track = () =>
    trackRoutes({ client: scp, actor: (req: IncomingMessage) => req.headers['x-user'] as string | undefined });

  /** The same four routes in each framework; each case below drives them the same way. */
  async function drive(base: string): Promise<void> {
    const ok = await fetch(`${base}/api/deploy/k8s`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-user': 'ana', traceparent },
      body: '{"replicas":3}',
    });
    assert.equal(ok.status, 200);
    assert.deepEqual(await ok.json(), { ok: true, replicas: 3 });
    assert.match(ok.headers.get('x-scp-run-id') ?? '', /^run_\d{8}T\d{6}Z_deploy_/);
    const run = await recorded(ok);
    assert.deepEqual(
      [run.run.type, run.run.subtype, run.run.status, run.run.user, run.run.correlation_id],
      ['deploy', 'deploy:k8s', 'ok', 'ana', TRACE],
    );
    // The handler reached the run through the raw request.
    assert.deepEqual(run.run['artifacts'], [{ ref_type: 'pr', ref_value: '42', repo: 'github.com/acme/api' }]);

    const bad = await fetch(`${base}/api/backup/12345`, { method: 'POST' });
    assert.equal(bad.status, 502);
    const failed = await recorded(bad);
    assert.deepEqual([failed.run.type, failed.run.status, failed.run.error], ['backup', 'failed', 'HTTP 502']);

    const threw = await fetch(`${base}/api/cache`, { method: 'DELETE', headers: { 'x-request-id': 'req-9' } });
    assert.equal(threw.status, 500);
    const t = await recorded(threw);
    assert.deepEqual([t.run.type, t.run.status, t.run.correlation_id], ['cache', 'failed', 'req-9']);

    const read = await fetch(`${base}/api/status`);
    assert.equal(read.status, 200);
    assert.equal(read.headers.get('x-scp-run-id'), null);
    await scp.runs.flush();
    assert.equal((await scp.ledger.list({ kind: 'run' })).entries.length, 3);
  }

  it('Fastify 5: onRequest hook on req.raw / reply.raw', async () => {
    const app: FastifyInstance = Fastify();
    const middleware = track();
    app.addHook('onRequest', (req, reply, done) => middleware(req.raw, reply.raw, done));
    app.post('/api/deploy/k8s', async (req) => {
      await runOf(req.raw)!.artifact({ type: 'pr', value: '42', repo: 'github.com/acme/api' });
      return { ok: true, replicas: (req.body as { replicas: number }).replicas };
    });
    app.post('/api/backup/:id', async (_req, reply) => reply.code(502).send({ error: 'storage offline' }));
    app.delete('/api/cache', async () => {
      throw new Error('cache is locked');
    });
    app.get('/api/status', async () => ({ up: true }));
    const base = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      await drive(base);
    } finally {
      await app.close();
    }
  });

  it("Koa 3: trackKoa (a thrown error's 500 still names its run)", async () => {
    const app = new Koa();
    app.use(trackKoa({ client: scp, actor: (req: IncomingMessage) => req.headers['x-user'] as string | undefined }));
    app.use(async (ctx) => {
      const route = `${ctx.method} ${ctx.path}`;
      if (route === 'POST /api/deploy/k8s') {
        await runOf(ctx.req)!.artifact({ type: 'pr', value: '42', repo: 'github.com/acme/api' });
        const chunks: Buffer[] = [];
        for await (const c of ctx.req) chunks.push(c as Buffer);
        ctx.body = {
          ok: true,
          replicas: (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { replicas: number }).replicas,
        };
      } else if (route === 'POST /api/backup/12345') {
        ctx.status = 502;
        ctx.body = { error: 'storage offline' };
      } else if (route === 'DELETE /api/cache') {
        throw new Error('cache is locked');
      } else if (route === 'GET /api/status') {
        ctx.body = { up: true };
      }
    });
    app.silent = true; // the thrown error is expected: Koa answers 500 without logging it
    const server: Server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    try {
      await drive(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
