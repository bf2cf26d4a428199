// The git ledger in Node: a batch of 100 audits (2 KB each) saved into a ledger of 0 and of
// 100,000 entries, against native git doing the same batch in the same run (`git fast-import`,
// and the origin's way: git add + git commit + annotated tag per audit); read one entry by id at
// 100,000 entries; sync 1,000 new entries between two clones over loopback.
// Run alone: node --import tsx bench/git-ledger.bench.ts [--entries N] [--rounds N] [--sync N]
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import http from 'isomorphic-git/http/node';
import { createGitLedger, auditPath } from '../src/core/ledger/git/index.js';
import type { SavedAudit } from '../src/core/schemas/audit.js';
import { startGitServer } from '../test/helpers/git-server.mjs';
import { numberArg } from './args.js';

export interface GitLedgerBenchOptions {
  /** Size of the large ledger (default 100,000). */
  entries?: number;
  /** Measured batches per case (median reported; default 5). */
  rounds?: number;
  /** Entries synced between two clones (default 1,000). */
  sync?: number;
  log?: (line: string) => void;
}

export interface GitLedgerBenchResult {
  entries: number;
  batch: number;
  /** Median ms to save one batch of 100 audits. */
  ours: { empty: number; large: number; coldFirst: number; warmMs: number; cpuEmpty: number; cpuLarge: number };
  fastImport: { empty: number; large: number };
  /** Origin's way (git add + commit + tag per audit) for the same 100 audits, into an empty ledger. */
  originWay: number;
  ratios: { largeVsEmpty: number; vsFastImportLarge: number; vsFastImportEmpty: number; originWayVsOurs: number };
  readById: { medianMs: number; p95Ms: number };
  sync: { entries: number; pushSeconds: number; fetchSeconds: number };
  seedSeconds: number;
}

const BATCH = 100;
const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'bench',
  GIT_AUTHOR_EMAIL: 'bench@x',
  GIT_COMMITTER_NAME: 'bench',
  GIT_COMMITTER_EMAIL: 'bench@x',
};
const CARDS = ['security', 'testing', 'quality', 'packages', 'env', 'docs', 'k8s', 'terraform', 'dns'];

let serial = 0;
/** A saved audit of about 2 KB of JSON. */
function audit(i: number, prefix: string): SavedAudit {
  const card = CARDS[i % CARDS.length]!;
  const n = ++serial;
  const iso = new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString();
  return {
    snapshot_id: `${card}_20260101_000000_${prefix}${n.toString(36)}`,
    card_key: card,
    audit_type: 'devops',
    computed_at: Date.parse(iso) / 1000,
    iso,
    status: 'ok',
    duration_s: 1.25,
    summary: `${i % 17} issues · Score: ${50 + (i % 50)}`,
    saved_at: iso,
    saved_by: 'bench',
    data: {
      findings: Array.from({ length: 14 }, (_, k) => ({
        rule: `rule-${(i * 7 + k) % 97}`,
        severity: ['low', 'medium', 'high'][k % 3],
        path: `src/module-${(i + k) % 211}/file-${k}.ts`,
        line: (i * 31 + k) % 1000,
      })),
      score: 50 + (i % 50),
    },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))]!;
}

function git(gitdir: string, args: string[], input?: string): string {
  return execFileSync('git', [`--git-dir=${gitdir}`, ...args], {
    encoding: 'utf8',
    input,
    env: GIT_ENV,
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

function pretty(v: unknown): string {
  return `${JSON.stringify(v, null, 2)}\n`;
}

/** A fast-import stream appending `audits` (our sharded layout) to `branch` in one commit. */
function fastImportChunk(branch: string, audits: SavedAudit[], from: string | undefined, message: string): Buffer {
  const parts: Buffer[] = [];
  const msg = Buffer.from(message);
  parts.push(
    Buffer.from(`commit refs/heads/${branch}\ncommitter bench <bench@x> 1767225600 +0000\ndata ${msg.length}\n`),
    msg,
    Buffer.from('\n'),
  );
  if (from) parts.push(Buffer.from(`from ${from}\n`));
  for (const a of audits) {
    const body = Buffer.from(pretty(a));
    parts.push(
      Buffer.from(`M 100644 inline ${auditPath(a.snapshot_id, 'sharded')}\ndata ${body.length}\n`),
      body,
      Buffer.from('\n'),
    );
  }
  return Buffer.concat(parts);
}

function runFastImport(gitdir: string, stream: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', [`--git-dir=${gitdir}`, 'fast-import', '--quiet', '--done'], {
      env: GIT_ENV,
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
    });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import failed: ${err}`))));
    child.stdin.end(Buffer.concat([stream, Buffer.from('done\n')]));
  });
}

/** Seeds `dir` (a new repo) with an origin-style `ledger: init` commit and `n` audits via fast-import. */
async function seed(dir: string, n: number): Promise<SavedAudit[]> {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const gitdir = join(dir, '.git');
  const all: SavedAudit[] = [];
  const parts: Buffer[] = [
    Buffer.from('commit refs/heads/scp-ledger\ncommitter bench <bench@x> 1767225600 +0000\ndata 13\nledger: init\n\n'),
  ];
  const perCommit = 10_000;
  for (let i = 0; i < n; i += perCommit) {
    const chunk = Array.from({ length: Math.min(perCommit, n - i) }, (_, k) => audit(i + k, 's'));
    all.push(...chunk);
    parts.push(fastImportChunk('scp-ledger', chunk, undefined, `ledger: seed ${chunk.length} audits`));
  }
  await runFastImport(gitdir, Buffer.concat(parts));
  return all;
}

/** The origin's save: per audit, write the file in the ledger worktree, git add, git commit, git tag -a. */
function timeOriginWay(dir: string): number {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const gitdir = join(dir, '.git');
  writeFileSync(join(dir, 'README.md'), 'host\n');
  execFileSync('git', ['-C', dir, 'add', 'README.md'], { env: GIT_ENV });
  execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'initial'], { env: GIT_ENV });
  const wt = join(dir, '.scp-ledger');
  const emptyTree = git(gitdir, ['hash-object', '-t', 'tree', '-w', '--stdin'], '').trim();
  const init = git(gitdir, ['commit-tree', emptyTree, '-m', 'ledger: init']).trim();
  git(gitdir, ['update-ref', 'refs/heads/scp-ledger', init]);
  execFileSync('git', ['-C', dir, 'worktree', 'add', '-q', wt, 'scp-ledger'], { env: GIT_ENV, stdio: 'ignore' });
  mkdirSync(join(wt, 'audits'), { recursive: true });
  const mainHead = git(gitdir, ['rev-parse', 'main']).trim();
  const batch = Array.from({ length: BATCH }, (_, k) => audit(k, 'o'));
  const t0 = performance.now();
  for (const a of batch) {
    const rel = `audits/${a.snapshot_id}.json`;
    writeFileSync(join(wt, rel), pretty(a));
    execFileSync('git', ['-C', wt, 'add', rel], { env: GIT_ENV });
    execFileSync('git', ['-C', wt, 'commit', '-q', '-m', `audit: ${a.card_key} ${a.snapshot_id}`], { env: GIT_ENV });
    execFileSync(
      'git',
      [
        '-C',
        dir,
        'tag',
        '-a',
        `scp/audit/${a.snapshot_id}`,
        '-m',
        JSON.stringify({
          snapshot_id: a.snapshot_id,
          card_key: a.card_key,
          status: a.status,
          iso: a.iso,
          summary: a.summary,
        }),
        mainHead,
      ],
      { env: GIT_ENV },
    );
  }
  return performance.now() - t0;
}

export async function runGitLedgerBench(options: GitLedgerBenchOptions = {}): Promise<GitLedgerBenchResult> {
  const log = options.log ?? console.log;
  const entries = options.entries ?? 100_000;
  const rounds = options.rounds ?? 9;
  const syncN = options.sync ?? 1_000;
  const root = mkdtempSync(join(tmpdir(), 'scp-git-bench-'));
  try {
    // The large ledger, seeded by fast-import; one copy for us, one for fast-import.
    const t0 = performance.now();
    const big = join(root, 'big');
    const seeded = await seed(big, entries);
    const seedSeconds = (performance.now() - t0) / 1000;
    const bigFi = join(root, 'big-fi');
    fs.cpSync(big, bigFi, { recursive: true });
    log(`seeded ${entries.toLocaleString('en')} entries with git fast-import in ${seedSeconds.toFixed(1)} s`);

    // A fresh process opening the large ledger: the first save reads its shard trees cold.
    const large = await createGitLedger({ fs, dir: big });
    let t = performance.now();
    await large.write({ audits: Array.from({ length: BATCH }, (_, k) => audit(k, 'C')) });
    const coldFirst = performance.now() - t;
    t = performance.now();
    await large.warm();
    const warmMs = performance.now() - t;

    // Interleaved rounds (ours empty, ours large, fast-import empty, fast-import large), so a
    // change in machine load hits every case alike; the first round is a warm-up.
    const oursEmpty: number[] = [];
    const oursLarge: number[] = [];
    // CPU time of this process per save: less sensitive than wall time to other load on the machine.
    const cpuEmpty: number[] = [];
    const cpuLarge: number[] = [];
    const cpuSince = (c: NodeJS.CpuUsage) => {
      const d = process.cpuUsage(c);
      return (d.user + d.system) / 1000;
    };
    const fiEmpty: number[] = [];
    const fiLarge: number[] = [];
    const fiGitdir = join(bigFi, '.git');
    for (let r = 0; r <= rounds; r++) {
      const keep = r > 0;
      const empty = await createGitLedger({ fs, dir: join(root, `empty-${r}`) });
      let batch = Array.from({ length: BATCH }, (_, k) => audit(k, `E${r}x`));
      let cpu = process.cpuUsage();
      t = performance.now();
      await empty.write({ audits: batch });
      if (keep) {
        oursEmpty.push(performance.now() - t);
        cpuEmpty.push(cpuSince(cpu));
      }

      batch = Array.from({ length: BATCH }, (_, k) => audit(k, `L${r}x`));
      cpu = process.cpuUsage();
      t = performance.now();
      await large.write({ audits: batch });
      if (keep) {
        oursLarge.push(performance.now() - t);
        cpuLarge.push(cpuSince(cpu));
      }

      const fiDir = join(root, `fi-empty-${r}`);
      execFileSync('git', ['init', '-q', '-b', 'main', fiDir]);
      batch = Array.from({ length: BATCH }, (_, k) => audit(k, `F${r}x`));
      t = performance.now();
      await runFastImport(
        join(fiDir, '.git'),
        fastImportChunk('scp-ledger', batch, undefined, `ledger: save ${BATCH} audits`),
      );
      if (keep) fiEmpty.push(performance.now() - t);

      batch = Array.from({ length: BATCH }, (_, k) => audit(k, `G${r}x`));
      const fiHead = git(fiGitdir, ['rev-parse', 'refs/heads/scp-ledger']).trim();
      t = performance.now();
      await runFastImport(fiGitdir, fastImportChunk('scp-ledger', batch, fiHead, `ledger: save ${BATCH} audits`));
      if (keep) fiLarge.push(performance.now() - t);
    }
    log(
      `batch of ${BATCH} audits into an empty ledger: ours ${median(oursEmpty).toFixed(1)} ms, git fast-import ${median(fiEmpty).toFixed(1)} ms (median of ${rounds})`,
    );
    log(
      `batch of ${BATCH} audits into ${entries.toLocaleString('en')} entries: ours ${median(oursLarge).toFixed(1)} ms, git fast-import ${median(fiLarge).toFixed(1)} ms (median of ${rounds})`,
    );
    log(
      `  CPU time per save: empty ${median(cpuEmpty).toFixed(1)} ms, ${entries.toLocaleString('en')} entries ${median(cpuLarge).toFixed(1)} ms (ratio ${(median(cpuLarge) / median(cpuEmpty)).toFixed(2)}x)`,
    );
    log(
      `  (first save after opening the ${entries.toLocaleString('en')}-entry ledger, shard trees cold: ${coldFirst.toFixed(0)} ms; loading them: ${warmMs.toFixed(0)} ms)`,
    );

    // Read by id at the large size (fresh instance; first read loads the pack index and is excluded).
    const reader = await createGitLedger({ fs, dir: big });
    await reader.getAudit(seeded[0]!.snapshot_id);
    const reads: number[] = [];
    for (let i = 0; i < 300; i++) {
      const a = seeded[(i * 7919) % seeded.length]!;
      const t = performance.now();
      const got = await reader.getAudit(a.snapshot_id);
      reads.push(performance.now() - t);
      if (got?.snapshot_id !== a.snapshot_id) throw new Error(`read ${a.snapshot_id} failed`);
    }
    log(
      `read one entry by id at ${entries.toLocaleString('en')} entries: median ${median(reads).toFixed(2)} ms, p95 ${p95(reads).toFixed(2)} ms (300 reads)`,
    );

    const originWay = timeOriginWay(join(root, 'origin-way'));
    log(
      `origin's way (git add + git commit + git tag -a per audit), ${BATCH} audits into an empty ledger: ${originWay.toFixed(0)} ms`,
    );

    // Sync between two clones over loopback.
    const server = await startGitServer();
    let sync = { entries: syncN, pushSeconds: 0, fetchSeconds: 0 };
    try {
      const { url } = await server.createUniqueRepo('bench');
      const a = await createGitLedger({ fs, http, dir: join(root, 'clone-a'), remote: { url } });
      const b = await createGitLedger({ fs, http, dir: join(root, 'clone-b'), remote: { url } });
      await a.write({ audits: [audit(0, 'sync0')] });
      await a.sync();
      await b.sync();
      for (let i = 0; i < syncN; i += BATCH)
        await a.write({ audits: Array.from({ length: Math.min(BATCH, syncN - i) }, (_, k) => audit(i + k, 'S')) });
      let t = performance.now();
      await a.sync();
      const pushSeconds = (performance.now() - t) / 1000;
      t = performance.now();
      await b.sync();
      const fetchSeconds = (performance.now() - t) / 1000;
      if ((await b.head()) !== (await a.head())) throw new Error('clones did not converge');
      sync = { entries: syncN, pushSeconds, fetchSeconds };
      log(
        `sync ${syncN.toLocaleString('en')} new entries between two clones over loopback: push ${pushSeconds.toFixed(2)} s, fetch ${fetchSeconds.toFixed(2)} s`,
      );
    } finally {
      await server.stop();
    }

    const result: GitLedgerBenchResult = {
      entries,
      batch: BATCH,
      ours: {
        empty: median(oursEmpty),
        large: median(oursLarge),
        coldFirst,
        warmMs,
        cpuEmpty: median(cpuEmpty),
        cpuLarge: median(cpuLarge),
      },
      fastImport: { empty: median(fiEmpty), large: median(fiLarge) },
      originWay,
      ratios: {
        largeVsEmpty: median(oursLarge) / median(oursEmpty),
        vsFastImportLarge: median(oursLarge) / median(fiLarge),
        vsFastImportEmpty: median(oursEmpty) / median(fiEmpty),
        originWayVsOurs: originWay / median(oursEmpty),
      },
      readById: { medianMs: median(reads), p95Ms: p95(reads) },
      sync,
      seedSeconds,
    };
    const r = result.ratios;
    log(`ratio ours ${entries.toLocaleString('en')} / ours empty: ${r.largeVsEmpty.toFixed(2)}x (target <= 1.5x)`);
    log(
      `ratio ours / git fast-import at ${entries.toLocaleString('en')}: ${r.vsFastImportLarge.toFixed(2)}x (target <= 2x); empty: ${r.vsFastImportEmpty.toFixed(2)}x`,
    );
    log(`ratio origin's way / ours (empty ledger): ${r.originWayVsOurs.toFixed(1)}x slower`);
    log(`read by id median ${result.readById.medianMs.toFixed(2)} ms (target <= 5 ms)`);
    return result;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = numberArg;
  const opts: GitLedgerBenchOptions = {};
  const e = arg('entries');
  if (e) opts.entries = e;
  const r = arg('rounds');
  if (r) opts.rounds = r;
  const s = arg('sync');
  if (s) opts.sync = s;
  await runGitLedgerBench(opts);
}
