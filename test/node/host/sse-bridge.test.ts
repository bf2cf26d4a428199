import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ScpError } from '../../../src/core/errors/index.js';
import { createEventBus } from '../../../src/core/events/bus.js';
import { connectEventBridge, type EventBridge } from '../../../src/core/host/sse-bridge.js';
import { seededRandom, testSeed } from '../../helpers/seeded-random.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

async function listen(handler: Handler): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events` };
}

async function stop(server: Server) {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
}

function until(cond: () => boolean, ms = 20_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`condition not met within ${ms} ms`));
      else setTimeout(tick, 5);
    };
    tick();
  });
}

const EOLS = ['\n', '\r\n', '\r'];

/** Event n in the wire format, with varying line ends, multi-line JSON data and non-ASCII text. */
function wireEvent(n: number): string {
  const eol = EOLS[n % 3]!;
  const env = {
    v: 1,
    ts: 1_790_000_000 + n,
    seq: n,
    type: 'run:started',
    key: `run_${n}`,
    data: { run_id: `run_${n}`, type: 'deploy', subtype: 'deploy:k8s', summary: `déploiement ✓ ${n}` },
  };
  const json = JSON.stringify(env);
  const data =
    n % 5 === 0
      ? `data: ${json.slice(0, json.indexOf(',') + 1)}${eol}data: ${json.slice(json.indexOf(',') + 1)}` // two data lines, joined with \n: still valid JSON
      : `data: ${json}`;
  return `event: run:started${eol}id: ${n}${eol}${data}${eol}${eol}`;
}

const READY = 'event: sys:ready\ndata: {"instance_id":"inst-1","cache_keys":[]}\n\n';

describe('SSE bridge over fetch streaming (loopback server)', () => {
  let server: Server | undefined;
  let bridge: EventBridge | undefined;
  afterEach(async () => {
    bridge?.close();
    bridge = undefined;
    if (server) await stop(server);
    server = undefined;
  });

  it('100 connection cuts at random byte offsets deliver every event exactly once, in order', async () => {
    const seed = testSeed('sse 100 cuts');
    const rnd = seededRandom(seed);
    const TOTAL = 400;
    const events = Array.from({ length: TOTAL }, (_, i) => Buffer.from(wireEvent(i + 1)));
    let cuts = 0;
    let midEventCuts = 0;
    const resumedFrom: string[] = [];
    ({ server } = await listen((req, res) => {
      const last = req.headers['last-event-id'];
      resumedFrom.push(String(last ?? ''));
      const from = last ? Number(last) : 0;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      const body = Buffer.concat([Buffer.from(`retry: 1\n${READY}`), ...events.slice(from)]);
      if (cuts >= 100) {
        res.write(body);
        return;
      } // stay open with everything sent
      cuts++;
      // Cut somewhere in the next ~4 events (any byte: mid-line, mid-UTF-8, between CR and LF).
      const cut = Math.min(body.length, Math.floor(rnd() * 700));
      let offset = 0;
      const boundaries = new Set<number>();
      let acc = Buffer.byteLength(`retry: 1\n${READY}`);
      for (const e of events.slice(from)) {
        boundaries.add(acc);
        acc += e.length;
      }
      if (!boundaries.has(cut)) midEventCuts++;
      // Write in random small pieces, then drop the socket.
      const writeNext = () => {
        if (offset >= cut) {
          res.socket?.destroy();
          return;
        }
        const n = Math.max(1, Math.min(cut - offset, Math.floor(rnd() * 97)));
        res.write(body.subarray(offset, offset + n), () => setImmediate(writeNext));
        offset += n;
      };
      writeNext();
    }));
    const bus = createEventBus();
    const got: string[] = [];
    bus.on('run:started', (p) => got.push(p.run_id));
    const errors: ScpError[] = [];
    bridge = connectEventBridge({
      url: urlOf(server),
      bus,
      initialDelayMs: 1,
      minRetryMs: 1,
      maxDelayMs: 20,
      random: rnd,
      onError: (e) => errors.push(e),
    });
    await until(() => got.length >= TOTAL).catch((e) => {
      throw new Error(
        `${e.message}: got ${got.length}, cuts ${cuts}, connections ${bridge?.connections}, errors ${errors.slice(-3).map((x) => x.message)}`,
      );
    });
    await new Promise((r) => setTimeout(r, 50)); // nothing more may arrive
    assert.equal(cuts, 100);
    assert.ok(midEventCuts > 50, `most cuts should land mid-event (got ${midEventCuts})`);
    assert.deepEqual(
      got,
      Array.from({ length: TOTAL }, (_, i) => `run_${i + 1}`),
    );
    assert.equal(bridge.lastEventId, String(TOTAL));
    assert.ok(bridge.connections >= 101);
    // Every resume asked for the last fully dispatched id, never one beyond it.
    assert.ok(resumedFrom.slice(1).every((id) => id === '' || Number(id) <= TOTAL));
    assert.ok(
      errors.every((e) => e.code === 'network'),
      `only dropped-connection errors expected, got ${errors.map((e) => e.code).join(',')}`,
    );
  });

  it('skips a replayed duplicate (numeric id not advancing) after the server overlaps a resume', async () => {
    ({ server } = await listen((req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const from = Number(req.headers['last-event-id'] ?? 0);
      // The server replays one event too many (from - 1).
      const body =
        READY +
        [1, 2, 3, 4]
          .filter((n) => n >= from)
          .map(wireEvent)
          .join('');
      if (from) res.write(body);
      else
        res.write(body.slice(0, READY.length + wireEvent(1).length + wireEvent(2).length + 5), () =>
          res.socket?.destroy(),
        );
    }));
    const bus = createEventBus();
    const got: string[] = [];
    bus.on('run:started', (p) => got.push(p.run_id));
    bridge = connectEventBridge({ url: urlOf(server), bus, initialDelayMs: 1 });
    await until(() => got.length >= 4);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(got, ['run_1', 'run_2', 'run_3', 'run_4']);
  });

  it('survives a hostile stream (huge line, bad JSON, bad ids, bad envelope) with typed errors on one connection', async () => {
    const huge = `data: ${'z'.repeat(300_000)}`;
    ({ server } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(READY);
      res.write(wireEvent(1));
      res.write(`event: run:started\nid: 2\n${huge}\n\n`);
      res.write('event: run:started\nid: 3\ndata: {not json\n\n');
      res.write(
        `event: run:started\nid: has space\ndata: ${JSON.stringify({ type: 'run:started', key: 'run_x', data: { run_id: 'run_x', type: 't', subtype: 't', summary: 's' } })}\n\n`,
      );
      res.write(`event: run:started\nid: ${'9'.repeat(300)}\ndata: {"type":"run:started","data":{}}\n\n`);
      res.write('event: run:started\nid: 6\ndata: [1,2,3]\n\n');
      res.write(wireEvent(7));
    }));
    const bus = createEventBus();
    const got: string[] = [];
    bus.on('run:started', (p) => got.push(p.run_id));
    const errors: ScpError[] = [];
    bridge = connectEventBridge({ url: urlOf(server), bus, maxLineLength: 64 * 1024, onError: (e) => errors.push(e) });
    await until(() => got.includes('run_7'));
    assert.deepEqual(got, ['run_1', 'run_x', 'run_7']);
    assert.equal(bridge.connections, 1);
    assert.equal(bridge.state, 'open');
    assert.equal(bridge.lastEventId, '7');
    const whats = errors.map((e) => `${e.code}:${(e.data as { what?: string }).what}`);
    assert.deepEqual(whats, [
      'validation:sse line',
      'validation:sse event data',
      'validation:sse id',
      'validation:sse id',
      'validation:sse run:started',
      'validation:sse envelope',
    ]);
    assert.ok(errors.every((e) => e instanceof ScpError));
  });

  it('a changed sys:ready instance_id resets once and drops the stale cursor', async () => {
    let n = 0;
    const seen: string[] = [];
    ({ server } = await listen((req, res) => {
      seen.push(String(req.headers['last-event-id'] ?? ''));
      n++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n === 1) {
        res.write(READY + wireEvent(1) + wireEvent(2), () => res.socket?.destroy());
        return;
      }
      res.write('event: sys:ready\ndata: {"instance_id":"inst-2","cache_keys":[]}\n\n');
    }));
    const bus = createEventBus();
    const resets: string[] = [];
    bus.on('sys:reset', (p) => resets.push(p.reason));
    const refetched: string[] = [];
    bridge = connectEventBridge({
      url: urlOf(server),
      bus,
      initialDelayMs: 1,
      onReset: (r) => {
        refetched.push(r);
      },
    });
    await until(() => resets.length > 0 && n >= 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(resets, ['server_restart']);
    assert.deepEqual(refetched, ['server_restart']);
    assert.equal(seen[1], '2');
    assert.equal(bridge.lastEventId, '');
    assert.equal(bridge.instanceId, 'inst-2');
  });

  it('backs off exponentially on 5xx and on retry: 0 with instant closes (no tight loop), and stops for good on 401', async () => {
    let hits = 0;
    ({ server } = await listen((_req, res) => {
      hits++;
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"busy"}');
    }));
    const errors: ScpError[] = [];
    bridge = connectEventBridge({
      url: urlOf(server),
      bus: createEventBus(),
      initialDelayMs: 20,
      maxDelayMs: 10_000,
      onError: (e) => errors.push(e),
    });
    await new Promise((r) => setTimeout(r, 1000));
    bridge.close();
    // Delays >= 10, 20, 40, 80, 160, 320, 640 ms (equal jitter): at most ~8 attempts in a second.
    assert.ok(hits >= 3 && hits <= 8, `hits=${hits}`);
    assert.ok(errors.every((e) => e.code === 'http_error' && (e.data as { status: number }).status === 503));
    await stop(server!);

    // A server asking for `retry: 0` and closing at once gets the floor and the backoff, not a storm.
    hits = 0;
    ({ server } = await listen((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end('retry: 0\n\n');
    }));
    bridge = connectEventBridge({ url: urlOf(server), bus: createEventBus(), initialDelayMs: 1 });
    await new Promise((r) => setTimeout(r, 1000));
    bridge.close();
    assert.ok(hits >= 2 && hits <= 6, `retry: 0 hits=${hits}`);
    await stop(server!);

    hits = 0;
    const errors401: ScpError[] = [];
    ({ server } = await listen((_req, res) => {
      hits++;
      res.writeHead(401);
      res.end('{"error":"unauthorized"}');
    }));
    bridge = connectEventBridge({
      url: urlOf(server),
      bus: createEventBus(),
      initialDelayMs: 1,
      onError: (e) => errors401.push(e),
    });
    await until(() => bridge!.state === 'closed');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(hits, 1);
    assert.equal((errors401[0]!.data as { status: number }).status, 401);
  });

  it('sends auth headers and Last-Event-ID, and honours a heartbeat-less idle timeout by reconnecting', async () => {
    const auths: string[] = [];
    let n = 0;
    ({ server } = await listen((req, res) => {
      auths.push(String(req.headers.authorization));
      n++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(READY + (n === 1 ? wireEvent(1) : ''));
      // then silence: the client must give up after idleTimeoutMs and resume
    }));
    let token = 0;
    bridge = connectEventBridge({
      url: urlOf(server),
      bus: createEventBus(),
      headers: () => ({ authorization: `Bearer t${++token}` }),
      idleTimeoutMs: 150,
      initialDelayMs: 1,
    });
    await until(() => n >= 2);
    assert.deepEqual(auths.slice(0, 2), ['Bearer t1', 'Bearer t2']);
    assert.equal(bridge.lastEventId, '1');
  });
});

describe('SSE bridge: cache:done capture', () => {
  it('stages each cache:done scan result into a local core with stageCacheResults', async () => {
    const { createScp } = await import('../../../src/core/client.js');
    const { createMemoryLedger } = await import('../../../src/core/ledger/memory.js');
    const { stageCacheResults } = await import('../../../src/core/host/sse-bridge.js');
    const local = createScp({ ledger: createMemoryLedger(), channel: false });
    const cache = (n: number, key: string, data: unknown) =>
      `event: cache:done\nid: ${n}\ndata: ${JSON.stringify({ v: 1, ts: 1, seq: n, type: 'cache:done', key, data, duration_s: 1.5 })}\n\n`;
    const { server, url } = await listen((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(READY + cache(1, 'security', { score: 78, issues: 3 }) + cache(2, 'k8s', { pods: 5 }));
    });
    const errors: ScpError[] = [];
    const bridge = connectEventBridge({
      url,
      bus: createEventBus(),
      onCacheDone: stageCacheResults(local.staging),
      onError: (e) => errors.push(e),
    });
    try {
      await until(() => bridge.lastEventId === '2');
      let pending: { card_key: string; duration_s: number }[] = [];
      await until(() => {
        void local.staging.list().then((l) => {
          pending = l;
        });
        return pending.length === 2;
      });
      assert.deepEqual(pending.map((p) => [p.card_key, p.duration_s]).sort(), [
        ['k8s', 1.5],
        ['security', 1.5],
      ]);
      const sec = pending.find((p) => p.card_key === 'security')! as unknown as { snapshot_id: string };
      assert.deepEqual((await local.staging.get(sec.snapshot_id)).data, { score: 78, issues: 3 });
      assert.deepEqual(errors, []);
    } finally {
      bridge.close();
      await stop(server);
      await local.close();
    }
  });
});

function urlOf(server: Server | undefined): string {
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}/api/events`;
}
