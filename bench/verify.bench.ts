// verify() at 2,000 and 20,000 entries, in Node and in Chromium (Worker ledger over the
// IndexedDB fs). The ledgers are written by the ledger itself (20 entries per commit, audits and
// runs), then packed by native git (`git repack -adf`, deltas included: what a clone or a sync
// from a git server delivers). Figures: full verify at both sizes and the ratio 20,000 / 2,000
// (goal <= 12x, and 20,000 in <= 20 s in Chromium), and an incremental verify after 100 new
// entries at the larger size.
// Run alone: node --import tsx bench/verify.bench.ts [--sizes 2000,20000] [--per-commit 20] [--no-browser]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBenchDevServer } from './dev-page.js';
import { createGitLedger } from '../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../test/contract/ledger.js';
import { numberArg } from './args.js';

export const SCALE_TARGET = 12;
const root = fileURLToPath(new URL('..', import.meta.url));

async function seed(entries: number, perCommit: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'scp-bench-verify-'));
  execFileSync('git', ['init', '-q', '--bare', dir]);
  const ledger = await createGitLedger({ fs, dir, gitdir: dir });
  for (let done = 0; done < entries; done += perCommit) {
    const n = Math.min(perCommit, entries - done);
    const runs = Math.floor(n / 5);
    await ledger.write({
      audits: Array.from({ length: n - runs }, (_, i) =>
        makeAudit({ card_key: `card${i % 7}`, data: { score: i, findings: ['x'.repeat(200)] } }),
      ),
      runs: Array.from({ length: runs }, () => makeRun()),
    });
  }
  await ledger.close?.();
  execFileSync('git', [`--git-dir=${dir}`, 'repack', '-q', '-adf']);
  rmSync(join(dir, 'scp-ledger-verified-head'), { force: true });
  return dir;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

async function nodeVerify(dir: string, full: boolean) {
  const ledger = await createGitLedger({ fs, dir, gitdir: dir });
  const t0 = performance.now();
  const r = await ledger.verify({ full });
  const ms = performance.now() - t0;
  await ledger.close?.();
  if (!r.ok) throw new Error(`verify failed: ${r.message}`);
  return { ms, commits: r.checked.commits, entries: r.checked.entries };
}

export async function runVerifyBench(
  o: { sizes?: number[]; perCommit?: number; browser?: boolean; log?: (l: string) => void } = {},
): Promise<Record<string, number>> {
  const { sizes = [2000, 20_000], perCommit = 20, browser = true, log = console.log } = o;
  const out: Record<string, number> = {};
  const seeds = new Map<number, string>();
  try {
    for (const n of sizes) {
      const t0 = Date.now();
      seeds.set(n, await seed(n, perCommit));
      log(`  seeded ${n} entries (${Math.ceil(n / perCommit)} commits) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
    for (const n of sizes) {
      const r = await nodeVerify(seeds.get(n)!, true);
      out[`nodeFull${n}Ms`] = r.ms;
      log(
        `  Node full verify, ${n} entries: ${(r.ms / 1000).toFixed(2)} s (${r.commits} commits, ${r.entries} files checked)`,
      );
    }
    const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
    out.nodeRatio = out[`nodeFull${large}Ms`]! / out[`nodeFull${small}Ms`]!;
    log(
      `  Node ratio ${large} / ${small}: ${out.nodeRatio.toFixed(2)}x (entries x${large / small}; target <= ${SCALE_TARGET}x: ${out.nodeRatio <= SCALE_TARGET ? 'met' : 'NOT met'})`,
    );
    {
      const dir = seeds.get(large)!;
      await nodeVerify(dir, true); // sets the verified head
      const l = await createGitLedger({ fs, dir, gitdir: dir });
      await l.write({ audits: Array.from({ length: 100 }, () => makeAudit()) });
      await l.close?.();
      const r = await nodeVerify(dir, false);
      out.nodeIncremental100Ms = r.ms;
      log(`  Node incremental verify after 100 new entries at ${large}: ${r.ms.toFixed(0)} ms (${r.commits} commit)`);
    }
    if (browser) await browserPart(seeds, sizes, out, log);
  } finally {
    for (const d of seeds.values()) rmSync(d, { recursive: true, force: true });
  }
  return out;
}

async function browserPart(
  seeds: Map<number, string>,
  sizes: number[],
  out: Record<string, number>,
  log: (l: string) => void,
): Promise<void> {
  const dev = await startBenchDevServer(root);
  const { origin, browser: b } = dev;
  try {
    const page = await b.newPage();
    page.on('pageerror', (e) => log(`  page error: ${e.message}`));
    await page.route(`${origin}/__bench__/file**`, (route) => {
      const u = new URL(route.request().url());
      const dir = seeds.get(Number(u.searchParams.get('name')!.split('-').pop()));
      const rel = u.searchParams.get('p')!;
      if (!dir || rel.includes('..')) return route.fulfill({ status: 404, body: '' });
      return route.fulfill({
        status: 200,
        body: readFileSync(join(dir, rel)),
        contentType: 'application/octet-stream',
      });
    });
    await page.goto(`${origin}/__git__/server`);
    await page.addScriptTag({ type: 'module', url: '/bench/verify.page.ts' });
    await page.waitForFunction(() => 'verifyBench' in globalThis && 'gitBench' in globalThis, null, {
      timeout: 60_000,
    });
    type Api = Record<string, Record<string, (...a: unknown[]) => Promise<unknown>>>;
    const call = <T>(obj: string, fn: string, ...args: unknown[]) =>
      page.evaluate(([o, f, a]) => (globalThis as unknown as Api)[o as string]![f as string]!(...(a as unknown[])), [
        obj,
        fn,
        args,
      ] as const) as Promise<T>;
    for (const n of sizes) {
      const name = `bench-verify-${Date.now().toString(36)}-${n}`;
      const files = filesUnder(seeds.get(n)!).filter((f) => f !== 'scp-ledger-verified-head');
      await call('gitBench', 'load', name, files);
      const r = await call<{ ms: number; ok: boolean; commits: number; entries: number }>(
        'verifyBench',
        'verify',
        name,
        true,
      );
      if (!r.ok) throw new Error('browser verify failed');
      out[`chromiumFull${n}Ms`] = r.ms;
      log(`  Chromium full verify, ${n} entries: ${(r.ms / 1000).toFixed(2)} s (${r.commits} commits)`);
      if (n === sizes[sizes.length - 1]) {
        await call('verifyBench', 'append', name, 100);
        const inc = await call<{ ms: number; commits: number }>('verifyBench', 'verify', name, false);
        out.chromiumIncremental100Ms = inc.ms;
        log(
          `  Chromium incremental verify after 100 new entries at ${n}: ${inc.ms.toFixed(0)} ms (${inc.commits} commit)`,
        );
      }
      await call('verifyBench', 'close', name);
      await call('gitBench', 'close', name);
    }
    const [small, large] = [sizes[0]!, sizes[sizes.length - 1]!];
    out.chromiumRatio = out[`chromiumFull${large}Ms`]! / out[`chromiumFull${small}Ms`]!;
    log(
      `  Chromium ratio ${large} / ${small}: ${out.chromiumRatio.toFixed(2)}x (target <= ${SCALE_TARGET}x: ${out.chromiumRatio <= SCALE_TARGET ? 'met' : 'NOT met'}); ${large} in ${(out[`chromiumFull${large}Ms`]! / 1000).toFixed(1)} s (target <= 20 s)`,
    );
  } finally {
    await dev.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const i = process.argv.indexOf('--sizes');
  console.log('verify() at two ledger sizes (Node and Chromium):');
  await runVerifyBench({
    ...(i > 0 && { sizes: process.argv[i + 1]!.split(',').map(Number) }),
    ...(numberArg('per-commit') !== undefined && { perCommit: numberArg('per-commit')! }),
    browser: !process.argv.includes('--no-browser'),
  });
}
