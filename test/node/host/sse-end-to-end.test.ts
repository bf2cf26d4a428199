// The real Node handler behind a TCP proxy that cuts each event-stream connection after a random
// number of bytes (headers, chunk framing, mid-event, heartbeats): the bridge must still deliver
// every event once, in order, by resuming from the durable journal.
import assert from 'node:assert/strict';
import { createServer as createTcpServer, connect, type Server as TcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createEventBus } from '../../../src/core/events/bus.js';
import { createHttpBackend } from '../../../src/core/host/http-backend.js';
import { connectEventBridge, type EventBridge } from '../../../src/core/host/sse-bridge.js';
import { startHost, until, type RunningHost } from './support/host-server.js';
import { seededRandom, testSeed } from '../../helpers/seeded-random.js';

function cuttingProxy(target: URL, budget: () => number, maxCuts: number) {
  let cuts = 0;
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    sockets.add(client).add(upstream);
    const cut = cuts < maxCuts;
    let left = cut ? budget() : Infinity;
    if (cut) cuts++;
    client.on('data', (b) => upstream.write(b));
    upstream.on('data', (b: Buffer) => {
      if (b.length < left) {
        left -= b.length;
        client.write(b);
        return;
      }
      client.write(b.subarray(0, left), () => {
        client.destroy();
        upstream.destroy();
      });
      left = 0;
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  return {
    server,
    get cuts() {
      return cuts;
    },
    async listen() {
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('SSE end to end through the Node handler with 100 cut connections', () => {
  let host: RunningHost;
  let bridge: EventBridge | undefined;
  afterEach(async () => {
    bridge?.close();
    await host?.stop();
  });

  it('delivers 300 events exactly once and in order while writes go on', async () => {
    const seed = testSeed('sse end-to-end cuts');
    const rnd = seededRandom(seed);
    host = await startHost({ heartbeatMs: 40, retryMs: 1 });
    const proxy = cuttingProxy(new URL(host.baseUrl), () => Math.floor(rnd() * 1500), 100);
    const proxyUrl = await proxy.listen();
    try {
      const bus = createEventBus();
      const got: string[] = [];
      bus.on('audit:pending', (p) => got.push(p.card_key));
      const resets: string[] = [];
      bus.on('sys:reset', (p) => resets.push(p.reason));
      const { staging } = createHttpBackend({ baseUrl: host.baseUrl });
      await staging.stage('c000', { n: 0 }); // the stream starts with a cursor: replay from seq 0
      bridge = connectEventBridge({
        url: `${proxyUrl}/api/events`,
        bus,
        lastEventId: '0',
        initialDelayMs: 1,
        minRetryMs: 1,
        maxDelayMs: 20,
        random: rnd,
      });
      for (let i = 1; i < 300; i++) {
        await staging.stage(`c${String(i).padStart(3, '0')}`, { n: i });
        if (i % 10 === 0) await new Promise((r) => setTimeout(r, 5 + Math.floor(rnd() * 10)));
      }
      await until(() => got.length >= 300 && proxy.cuts >= 100, 60_000, 'all events after 100 cuts');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(proxy.cuts, 100);
      assert.deepEqual(
        got,
        Array.from({ length: 300 }, (_, i) => `c${String(i).padStart(3, '0')}`),
      );
      assert.deepEqual(resets, []);
      assert.equal(bridge.lastEventId, '300');
      assert.ok(bridge.connections > 100);
    } finally {
      await proxy.close();
    }
  });
});
