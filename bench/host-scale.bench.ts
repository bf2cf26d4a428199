// Host mode on several instances (separate `scp-ledger serve` processes, loopback only):
//  - events: 50 SSE clients + 20 writers staging scans for a fixed time, spread over the
//    instances; events/s delivered (all clients), p95 delivery latency (writer's POST → client),
//    lost / duplicated / reordered. 1 instance on files (the baseline), 1 and 3 on PostgreSQL.
//  - machineBusy: the share of all cores busy during the timed part (2 cores shared by everything).
//  - saves: 20 writers staging and saving for a fixed time; saves/s acknowledged (on the git
//    remote), 1 vs 3 instances on PostgreSQL.
//   node --import tsx bench/host-scale.bench.ts      (30 s per phase; HOST_SCALE_SECONDS=10 for a first figure)
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSseParser } from '../src/core/host/sse-parser.js';
import { startGitServer } from '../test/helpers/git-server.mjs';
import { createTestDatabase } from '../test/helpers/postgres.mjs';

const SECONDS = Number(process.env.HOST_SCALE_SECONDS ?? 30);
const CLIENTS = 50;
const WRITERS = 20;
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const now = () => performance.timeOrigin + performance.now();
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))]! : NaN;
};

/** Share of all cores busy between two readings (the whole machine: instances, PostgreSQL, clients). */
const cpuTimes = () =>
  cpus().reduce(
    (t, c) => ({
      busy: t.busy + c.times.user + c.times.nice + c.times.sys + c.times.irq,
      all: t.all + c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle,
    }),
    { busy: 0, all: 0 },
  );
const busySince = (a: ReturnType<typeof cpuTimes>) => {
  const b = cpuTimes();
  return Math.round(((b.busy - a.busy) / (b.all - a.all)) * 100) / 100;
};

interface Instance {
  proc: ChildProcess;
  url: string;
}
function serve(args: string[]): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\S+)/.exec(out);
      if (m) resolve({ proc, url: m[1]! });
    });
    proc.once('exit', (c) => reject(new Error(`serve exited (${c})`)));
  });
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

interface EventsResult {
  machineBusy: number;
  written: number;
  delivered: number;
  eventsPerSecond: number;
  p50Ms: number;
  p95Ms: number;
  lost: number;
  duplicates: number;
  outOfOrder: number;
}

async function eventsPhase(urls: string[]): Promise<EventsResult> {
  const latencies: number[] = [];
  const clients = Array.from({ length: CLIENTS }, () => ({
    seen: new Set<string>(),
    dup: 0,
    order: 0,
    last: new Map<string, number>(),
    abort: new AbortController(),
    ready: false,
  }));
  const readers = clients.map(async (c, i) => {
    try {
      const res = await fetch(`${urls[i % urls.length]}events`, { signal: c.abort.signal });
      const parser = createSseParser({
        onMessage: (m) => {
          if (m.type === 'sys:ready') c.ready = true;
          if (m.type !== 'audit:pending') return;
          const summary = (JSON.parse(m.data) as { data: { summary: string } }).data.summary;
          const x = /^(w\d+)#(\d+)@([\d.]+)$/.exec(summary);
          if (!x) return;
          const key = `${x[1]}#${x[2]}`;
          if (c.seen.has(key)) c.dup++;
          c.seen.add(key);
          if ((c.last.get(x[1]!) ?? -1) >= Number(x[2])) c.order++;
          c.last.set(x[1]!, Number(x[2]));
          latencies.push(now() - Number(x[3]));
        },
      });
      const dec = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
        parser.push(dec.decode(chunk, { stream: true }));
    } catch {
      /* aborted at the end */
    }
  });
  while (!clients.every((c) => c.ready)) await new Promise((r) => setTimeout(r, 20));
  const end = now() + SECONDS * 1000;
  const cpu = cpuTimes();
  let written = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0; now() < end; n++) {
        const r = await post(`${urls[w % urls.length]}audits/stage`, {
          card_key: `w${w}`,
          result: { n },
          options: { summary: `w${w}#${n}@${now()}` },
        });
        if (r.status === 200) written++;
      }
    }),
  );
  const machineBusy = busySince(cpu);
  // Let the streams drain (bounded), then count.
  const drainEnd = now() + 15_000;
  while (now() < drainEnd && !clients.every((c) => c.seen.size >= written)) await new Promise((r) => setTimeout(r, 50));
  for (const c of clients) c.abort.abort();
  await Promise.all(readers);
  const delivered = clients.reduce((s, c) => s + c.seen.size, 0);
  return {
    machineBusy,
    written,
    delivered,
    eventsPerSecond: Math.round(delivered / SECONDS),
    p50Ms: Math.round(pct(latencies, 0.5)),
    p95Ms: Math.round(pct(latencies, 0.95)),
    lost: clients.reduce((s, c) => s + (written - c.seen.size), 0),
    duplicates: clients.reduce((s, c) => s + c.dup, 0),
    outOfOrder: clients.reduce((s, c) => s + c.order, 0),
  };
}

async function savesPhase(
  urls: string[],
): Promise<{ machineBusy: number; acknowledged: number; failed: number; savesPerSecond: number }> {
  const end = now() + SECONDS * 1000;
  const cpu = cpuTimes();
  let acknowledged = 0;
  let failed = 0;
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let n = 0; now() < end; n++) {
        const url = urls[(w + n) % urls.length]!;
        const s = await post(`${url}audits/stage`, { card_key: `s${w}`, result: { n, w } });
        if (s.status !== 200) {
          failed++;
          continue;
        }
        const id = (s.body.snapshot as { snapshot_id: string }).snapshot_id;
        const r = await post(`${urls[(w + n + 1) % urls.length]}audits/save`, { snapshot_ids: [id] });
        if (r.status === 200 && now() <= end + 30_000) acknowledged++;
        else failed++;
      }
    }),
  );
  return {
    machineBusy: busySince(cpu),
    acknowledged,
    failed,
    savesPerSecond: Math.round((acknowledged / SECONDS) * 100) / 100,
  };
}

const work = mkdtempSync(join(tmpdir(), 'scp-host-scale-'));
const git = await startGitServer();
const started: Instance[] = [];
const stopAll = async () => {
  for (const i of started.splice(0)) {
    i.proc.kill('SIGTERM');
    await new Promise((r) => i.proc.once('exit', r));
  }
};
try {
  console.log(`host-scale: ${CLIENTS} SSE clients, ${WRITERS} writers, ${SECONDS} s per phase`);
  let k = 0;
  async function deployment(kind: 'files' | 'postgres', n: number): Promise<string[]> {
    const db = kind === 'postgres' ? await createTestDatabase('bench') : '';
    const remote = await git.createRepo(`ledger-${++k}`);
    const list = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        serve(
          kind === 'files'
            ? ['--dir', join(work, `files-${k}`)]
            : ['--dir', join(work, `pg-${k}-${i}`), '--postgres', db, '--remote', remote],
        ),
      ),
    );
    started.push(...list);
    return list.map((i) => i.url);
  }
  const files1 = await eventsPhase(await deployment('files', 1));
  await stopAll();
  console.log('events, 1 instance on files     ', files1);
  const pg1 = await eventsPhase(await deployment('postgres', 1));
  await stopAll();
  console.log('events, 1 instance on PostgreSQL', pg1);
  const pg3 = await eventsPhase(await deployment('postgres', 3));
  await stopAll();
  console.log('events, 3 instances on PostgreSQL', pg3);
  const s1 = await savesPhase(await deployment('postgres', 1));
  await stopAll();
  console.log('saves, 1 instance ', s1);
  const s3 = await savesPhase(await deployment('postgres', 3));
  await stopAll();
  console.log('saves, 3 instances', s3);
  const r = (a: number, b: number) => (b ? Math.round((a / b) * 100) / 100 : NaN);
  console.log(
    `ratios: events/s PG1/files1 ${r(pg1.eventsPerSecond, files1.eventsPerSecond)}, PG3/files1 ${r(pg3.eventsPerSecond, files1.eventsPerSecond)}, PG3/PG1 ${r(pg3.eventsPerSecond, pg1.eventsPerSecond)}; ` +
      `p95 PG1/files1 ${r(pg1.p95Ms, files1.p95Ms)}, PG3/files1 ${r(pg3.p95Ms, files1.p95Ms)}; saves/s 3/1 ${r(s3.savesPerSecond, s1.savesPerSecond)}`,
  );
} finally {
  await stopAll();
  await git.stop();
  rmSync(work, { recursive: true, force: true });
  process.exit(0);
}
