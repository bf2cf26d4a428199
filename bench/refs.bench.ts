// Resolving a ref and an autocomplete keystroke over 100,000 saved entries in the memory ledger,
// against a naive baseline (linear scan, filter + sort of every entry) measured in the same run.
// Run alone: node --import tsx bench/refs.bench.ts [--entries N] [--queries N]
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { createScp } from '../src/core/client.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import type { SavedAudit } from '../src/core/schemas/audit.js';
import type { RunRecord } from '../src/core/schemas/run.js';
import { seededRandom } from '../test/helpers/seeded-random.js';
import { numberArg } from './args.js';

export interface RefsBenchOptions {
  entries?: number;
  queries?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface Percentiles {
  p50: number;
  p95: number;
  max: number;
}

export interface RefsBenchResult {
  entries: number;
  queries: number;
  loadMs: number;
  resolve: { ours: Percentiles; naive: Percentiles; ratioP95: number };
  autocomplete: { ours: Percentiles; naive: Percentiles; ratioP95: number };
  targetMs: number;
  withinTarget: boolean;
}

const TARGET_P95_MS = 16;
const CARDS = [
  'security',
  'testing',
  'quality',
  'packages',
  'env',
  'docs',
  'k8s',
  'terraform',
  'dns',
  'git',
  'github',
  'ci',
  'docker',
  'pages',
  'audit:scores',
  'audit:l2:risks',
];
const RUN_TYPES = [
  'install',
  'build',
  'deploy',
  'destroy',
  'setup',
  'plan',
  'validate',
  'test',
  'scan',
  'backup',
  'git',
  'ci',
];
const WORDS = [
  'tls',
  'expired',
  'cluster',
  'healthy',
  'score',
  'issues',
  'api',
  'web',
  'worker',
  'rollout',
  'cache',
  'vault',
  'dns',
  'image',
  'lint',
  'coverage',
  'drift',
  'backup',
];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'ci-bot'];

function percentiles(samples: number[]): Percentiles {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: at(0.5), p95: at(0.95), max: s[s.length - 1]! };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
const stamp = (d: Date) => ({
  day: `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`,
  time: `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
});

export function generate(count: number, rnd: () => number): { audits: SavedAudit[]; runs: RunRecord[] } {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const rand4 = () =>
    Array.from({ length: 4 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(rnd() * 36)]).join('');
  const now = Date.now();
  const seen = new Set<string>();
  const audits: SavedAudit[] = [];
  const runs: RunRecord[] = [];
  while (audits.length + runs.length < count) {
    const at = new Date(now - Math.floor(rnd() * 365 * 86_400_000));
    const { day, time } = stamp(at);
    const summary = `${1 + Math.floor(rnd() * 9)} ${pick(WORDS)} · ${pick(WORDS)} ${pick(WORDS)}`;
    if (rnd() < 0.7) {
      const card = pick(CARDS);
      const id = `${card.replace(/[:/]/g, '_')}_${day}_${time}_${rand4()}`;
      if (seen.has(id)) continue;
      seen.add(id);
      audits.push({
        snapshot_id: id,
        card_key: card,
        audit_type: card.startsWith('audit:') ? 'project' : 'devops',
        computed_at: at.getTime() / 1000,
        iso: at.toISOString(),
        status: rnd() < 0.9 ? 'ok' : 'error',
        duration_s: Math.round(rnd() * 5000) / 1000,
        summary,
        data: { score: Math.floor(rnd() * 100) },
        saved_at: at.toISOString(),
        saved_by: pick(USERS),
      });
    } else {
      const type = pick(RUN_TYPES);
      const id = `run_${day}T${time}Z_${type}_${rand4()}`;
      if (seen.has(id)) continue;
      seen.add(id);
      const ms = Math.floor(rnd() * 120_000);
      runs.push({
        run: {
          run_id: id,
          type,
          subtype: `${type}:${pick(WORDS)}`,
          status: rnd() < 0.85 ? 'ok' : 'failed',
          user: pick(USERS),
          code_ref: 'abcdef0123456789abcdef0123456789abcdef01',
          started_at: at.toISOString(),
          ended_at: new Date(at.getTime() + ms).toISOString(),
          duration_ms: ms,
          summary,
          target: pick(WORDS),
        },
        events: [],
      });
    }
  }
  return { audits, runs };
}

/** The baseline: what a store without an index does — scan every entry, filter, sort, cut. */
function naiveStore(audits: SavedAudit[], runs: RunRecord[]) {
  // Times are parsed once up front, so the baseline pays for the scan and the sort, not for Date.parse.
  type Flat = { kind: 'audit' | 'run'; id: string; t: number; entry: SavedAudit | RunRecord };
  const all: Flat[] = [
    ...audits.map((a) => ({
      kind: 'audit' as const,
      id: a.snapshot_id,
      t: Date.parse(a.iso),
      entry: a as SavedAudit | RunRecord,
    })),
    ...runs.map((r) => ({
      kind: 'run' as const,
      id: r.run.run_id,
      t: Date.parse(r.run.started_at),
      entry: r as SavedAudit | RunRecord,
    })),
  ];
  return {
    resolve(kind: string, id: string) {
      return all.find((e) => e.kind === kind && e.id === id)?.entry;
    },
    autocomplete(kind: string, query: string, limit = 50) {
      const q = query.toLowerCase();
      return all
        .filter((e) => {
          if (e.kind !== kind) return false;
          if (!q) return true;
          const x = e.entry as Record<string, unknown> & { run?: Record<string, unknown> };
          const f = kind === 'run' ? x.run! : x;
          return [e.id, f['card_key'], f['summary'], f['subtype'], f['saved_by'] ?? f['user'], f['target']].some(
            (v) => typeof v === 'string' && v.toLowerCase().includes(q),
          );
        })
        .sort((a, b) => b.t - a.t || (a.id < b.id ? 1 : -1))
        .slice(0, limit);
    },
  };
}

export async function runRefsBench(options: RefsBenchOptions = {}): Promise<RefsBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const count = options.entries ?? 100_000;
  const queries = options.queries ?? 1_000;
  const rnd = seededRandom(options.seed ?? 42);
  const { audits, runs } = generate(count, rnd);

  const ledger = createMemoryLedger();
  const loadStart = performance.now();
  const BATCH = 1_000;
  for (let i = 0; i < audits.length; i += BATCH) await ledger.write({ audits: audits.slice(i, i + BATCH) });
  for (let i = 0; i < runs.length; i += BATCH) await ledger.write({ runs: runs.slice(i, i + BATCH) });
  const loadMs = performance.now() - loadStart;
  const scp = createScp({ ledger, channel: false, actor: 'bench' });
  for (const card of ['security', 'k8s', 'dns'])
    await scp.staging.stage(card, { card }, { summary: `pending ${card}` });
  const naive = naiveStore(audits, runs);

  // Queries: existing audits and runs, plus 10% well-formed ids that are missing.
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  const resolveRefs = Array.from({ length: queries }, (_, i) => {
    if (i % 10 === 9) return { kind: 'audit', id: `security_20200101_000000_${i.toString(36)}` };
    return rnd() < 0.7 ? { kind: 'audit', id: pick(audits).snapshot_id } : { kind: 'run', id: pick(runs).run.run_id };
  });
  // Keystrokes: prefixes of real ids (1 to full length), card names and summary words being typed.
  const keystrokes = Array.from({ length: queries }, () => {
    const r = rnd();
    const isRun = rnd() < 0.35;
    let query: string;
    if (r < 0.6) {
      const id = isRun ? pick(runs).run.run_id : pick(audits).snapshot_id;
      query = id.slice(0, 1 + Math.floor(rnd() * id.length));
    } else if (r < 0.85) {
      const word = isRun ? pick(RUN_TYPES) : pick(WORDS);
      query = word.slice(0, 1 + Math.floor(rnd() * word.length));
    } else if (r < 0.95) {
      query = '';
    } else {
      query = `zz${Math.floor(rnd() * 1e6)}`; // matches nothing: a full scan
    }
    return { kind: isRun ? 'run' : 'audit', query };
  });

  // Warm both paths so the JIT does not count against either side.
  for (let i = 0; i < 50; i++) {
    await scp.refs.resolve(`@${resolveRefs[i]!.kind}:${resolveRefs[i]!.id}`);
    await scp.refs.autocomplete(`@${keystrokes[i]!.kind}:${keystrokes[i]!.query}`);
    naive.resolve(resolveRefs[i]!.kind, resolveRefs[i]!.id);
    naive.autocomplete(keystrokes[i]!.kind, keystrokes[i]!.query);
  }

  const time = async (fn: () => unknown) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const ours = { resolve: [] as number[], auto: [] as number[] };
  const base = { resolve: [] as number[], auto: [] as number[] };
  let found = 0;
  for (const r of resolveRefs) {
    ours.resolve.push(
      await time(async () => {
        if ((await scp.refs.resolve(`@${r.kind}:${r.id}`)).exists) found++;
      }),
    );
    base.resolve.push(await time(() => naive.resolve(r.kind, r.id)));
  }
  let suggested = 0;
  for (const k of keystrokes) {
    ours.auto.push(
      await time(async () => {
        suggested += (await scp.refs.autocomplete(`@${k.kind}:${k.query}`)).length;
      }),
    );
    base.auto.push(await time(() => naive.autocomplete(k.kind, k.query)));
  }
  await scp.close();

  const result: RefsBenchResult = {
    entries: audits.length + runs.length,
    queries,
    loadMs,
    resolve: { ours: percentiles(ours.resolve), naive: percentiles(base.resolve), ratioP95: 0 },
    autocomplete: { ours: percentiles(ours.auto), naive: percentiles(base.auto), ratioP95: 0 },
    targetMs: TARGET_P95_MS,
    withinTarget: false,
  };
  result.resolve.ratioP95 = result.resolve.naive.p95 / result.resolve.ours.p95;
  result.autocomplete.ratioP95 = result.autocomplete.naive.p95 / result.autocomplete.ours.p95;
  result.withinTarget = result.resolve.ours.p95 <= TARGET_P95_MS && result.autocomplete.ours.p95 <= TARGET_P95_MS;

  const f = (n: number) => n.toFixed(3).padStart(9);
  const row = (name: string, p: Percentiles) =>
    `  ${name.padEnd(34)} p50 ${f(p.p50)} ms   p95 ${f(p.p95)} ms   max ${f(p.max)} ms`;
  log(
    `refs bench: ${result.entries.toLocaleString('en')} saved entries (${audits.length.toLocaleString('en')} audits, ${runs.length.toLocaleString('en')} runs) in the memory ledger, loaded in ${(loadMs / 1000).toFixed(2)} s; ${queries} queries each`,
  );
  log(`resolve a ref (${found} of ${queries} exist):`);
  log(row('memory ledger + refs.resolve', result.resolve.ours));
  log(row('baseline: linear scan', result.resolve.naive));
  log(`  ratio (baseline p95 / ours p95): ${result.resolve.ratioP95.toFixed(1)}x`);
  log(`autocomplete keystroke (${(suggested / queries).toFixed(1)} suggestions on average):`);
  log(row('memory ledger + refs.autocomplete', result.autocomplete.ours));
  log(row('baseline: filter + sort all entries', result.autocomplete.naive));
  log(`  ratio (baseline p95 / ours p95): ${result.autocomplete.ratioP95.toFixed(1)}x`);
  log(
    `target p95 <= ${TARGET_P95_MS} ms: ${result.withinTarget ? 'met' : 'MISSED'} (machine load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')})`,
  );
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = numberArg;
  const entries = arg('entries');
  const queries = arg('queries');
  const result = await runRefsBench({ ...(entries && { entries }), ...(queries && { queries }) });
  process.exitCode = result.withinTarget ? 0 : 1;
}
