// Load on the Node host (loopback only, bounded): N concurrent SSE clients and M writers for a
// fixed time. Reports events/s delivered, p50/p95 delivery latency (writer's POST → client bus),
// server RSS, and checks that every client got every event exactly once, in order.
// Baseline in the same run: 1 SSE client and 1 writer (the unloaded latency).
//   node --import tsx bench/host-load.bench.ts            (50 clients, 20 writers, 30 s)
//   HOST_LOAD_SECONDS=5 node --import tsx bench/host-load.bench.ts   (HOST_LOAD_CPU_PROF=<dir> profiles the server)
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createEventBus } from '../src/core/events/bus.js';
import { connectEventBridge, type EventBridge } from '../src/core/host/sse-bridge.js';

export interface HostLoadOptions {
  clients?: number;
  writers?: number;
  seconds?: number;
}
export interface HostLoadResult {
  clients: number;
  writers: number;
  seconds: number;
  written: number;
  delivered: number;
  eventsPerSecond: number;
  writesPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  rssMb: number;
  peakRssMb: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
}

const now = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};
const mb = (b: number) => Math.round(b / 1e5) / 10;

function startServer(): Promise<{ child: ChildProcess; url: string; ask<T>(type: string): Promise<T> }> {
  const child = fork(fileURLToPath(new URL('./host-load.server.ts', import.meta.url)), [], {
    execArgv: [
      '--import',
      'tsx',
      ...(process.env.HOST_LOAD_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.HOST_LOAD_CPU_PROF}`] : []),
    ],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ask = <T>(type: string) =>
    new Promise<T>((resolve) => {
      const on = (m: { type: string }) => {
        if (m.type === type) {
          child.off('message', on);
          resolve(m as T);
        }
      };
      child.on('message', on);
      child.send({ type });
    });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { type: string; url: string }) => resolve({ child, url: m.url, ask }));
  });
}

async function phase(
  url: string,
  ask: <T>(t: string) => Promise<T>,
  clients: number,
  writers: number,
  seconds: number,
): Promise<HostLoadResult> {
  const latencies: number[] = [];
  const perClient: { seen: Set<string>; dup: number; order: number; last: Map<string, number> }[] = [];
  const bridges: EventBridge[] = [];
  for (let c = 0; c < clients; c++) {
    const bus = createEventBus();
    const stats = { seen: new Set<string>(), dup: 0, order: 0, last: new Map<string, number>() };
    perClient.push(stats);
    bus.on('audit:pending', (p) => {
      const m = /^(w\d+)#(\d+)@([\d.]+)$/.exec(p.summary);
      if (!m) return;
      const key = `${m[1]}#${m[2]}`;
      if (stats.seen.has(key)) stats.dup++;
      stats.seen.add(key);
      const n = Number(m[2]);
      if ((stats.last.get(m[1]!) ?? -1) >= n) stats.order++;
      stats.last.set(m[1]!, n);
      latencies.push(now() - Number(m[3]));
    });
    const b = connectEventBridge({ url: `${url}/api/events`, bus, initialDelayMs: 100 });
    bridges.push(b);
  }
  await Promise.all(bridges.map((b) => b.ready()));
  await ask('reset-peak');

  let written = 0;
  const stopAt = Date.now() + seconds * 1000;
  const t0 = now();
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let i = 0; Date.now() < stopAt; i++) {
        const res = await fetch(`${url}/api/audits/stage`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            card_key: `card${w}`,
            result: { i, findings: [{ id: i, sev: 'low' }] },
            options: { summary: `w${w}#${i}@${now()}` },
          }),
        });
        const r = (await res.json()) as { staged?: boolean };
        if (r.staged) written++;
      }
    }),
  );
  const writeSeconds = (now() - t0) / 1000;
  // Let the streams drain (bounded wait).
  const drainUntil = Date.now() + 30_000;
  while (Date.now() < drainUntil && perClient.some((c) => c.seen.size < written))
    await new Promise((r) => setTimeout(r, 50));
  const elapsed = (now() - t0) / 1000;
  const stats = await ask<{ rss: number; peakRss: number }>('stats');
  for (const b of bridges) b.close();
  const delivered = perClient.reduce((s, c) => s + c.seen.size, 0);
  return {
    clients,
    writers,
    seconds: Math.round(writeSeconds * 10) / 10,
    written,
    delivered,
    eventsPerSecond: Math.round(delivered / elapsed),
    writesPerSecond: Math.round(written / writeSeconds),
    p50Ms: Math.round(pct(latencies, 0.5) * 10) / 10,
    p95Ms: Math.round(pct(latencies, 0.95) * 10) / 10,
    maxMs: Math.round(latencies.reduce((m, x) => Math.max(x, m), 0)),
    rssMb: mb(stats.rss),
    peakRssMb: mb(stats.peakRss),
    lost: perClient.reduce((s, c) => s + (written - c.seen.size), 0),
    duplicates: perClient.reduce((s, c) => s + c.dup, 0),
    outOfOrder: perClient.reduce((s, c) => s + c.order, 0),
  };
}

export async function run(options: HostLoadOptions = {}): Promise<{ baseline: HostLoadResult; load: HostLoadResult }> {
  const clients = options.clients ?? 50;
  const writers = options.writers ?? 20;
  const seconds = options.seconds ?? Number(process.env.HOST_LOAD_SECONDS ?? 30);
  const server = await startServer();
  try {
    const baseline = await phase(server.url, server.ask, 1, 1, Math.max(2, Math.min(5, seconds / 5)));
    const load = await phase(server.url, server.ask, clients, writers, seconds);
    const line = (name: string, r: HostLoadResult) =>
      console.log(
        `${name.padEnd(9)} ${r.clients} SSE clients, ${r.writers} writers, ${r.seconds} s: ${r.written} events written (${r.writesPerSecond}/s), ` +
          `${r.delivered} deliveries (${r.eventsPerSecond}/s), latency p50 ${r.p50Ms} ms p95 ${r.p95Ms} ms max ${r.maxMs} ms, ` +
          `server RSS ${r.rssMb} MB (peak ${r.peakRssMb} MB), lost ${r.lost}, duplicates ${r.duplicates}, out of order ${r.outOfOrder}`,
      );
    line('baseline', baseline);
    line('load', load);
    console.log(
      `ratio load/baseline: p95 latency ×${(load.p95Ms / baseline.p95Ms).toFixed(1)}, deliveries/s ×${(load.eventsPerSecond / baseline.eventsPerSecond).toFixed(1)}, peak RSS ×${(load.peakRssMb / baseline.peakRssMb).toFixed(2)}`,
    );
    console.log(
      load.lost === 0 && load.duplicates === 0 && load.outOfOrder === 0 && baseline.lost === 0
        ? 'no event lost, duplicated or reordered'
        : 'EVENTS LOST, DUPLICATED OR REORDERED',
    );
    return { baseline, load };
  } finally {
    server.child.send({ type: 'stop' });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { load, baseline } = await run();
  process.exit(load.lost || load.duplicates || load.outOfOrder || baseline.lost ? 1 : 0);
}
