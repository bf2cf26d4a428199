// The browser ledger at real size: a remote of 2,000, 20,000 and 100,000 entries (seeded in Node
// by the project's own ledger, 5,000 entries per commit) synced into a fresh Chromium profile.
// Figures, with their baselines from the same run:
// - first sync against native `git clone` of the same remote over the same server;
// - first rows listed after the sync finished, and the time until every entry is indexed;
// - entries listed after the catch-up (count against the remote's, by native git);
// - full verify at each size (ratio against the smallest), incremental verify after 100 new
//   entries arrive by sync;
// - pushing 100 new entries (ratio against the smallest size, and against native `git push` of a
//   commit of 100 files to the same remote);
// - the longest main-thread task during sync, indexing and verify; the Worker's JS heap.
// Run alone: node --import tsx bench/browser-sync.bench.ts [--sizes 2000,20000,100000] [--full-verify-max 20000]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startBenchDevServer } from './dev-page.js';
import { appendEntries, entriesOnBranch, seedRepo } from '../test/helpers/seed-ledger.js';

const root = fileURLToPath(new URL('..', import.meta.url));
type GitServer = { createUniqueRepo(n: string): Promise<{ name: string; url: string }>; pathOf(n: string): string };
type Plugins = { wtrPlugins(): unknown[]; acquireGitServer(): Promise<GitServer> };

// Asynchronous: the git server answering these commands runs in this very process.
const run = promisify(execFile);
const git = async (args: string[], cwd?: string) =>
  (await run('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 28 })).stdout.trim();
const timed = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/**
 * The ledger Worker's used JS heap, through the browser's CDP endpoint: Workers expose no
 * `performance.memory`, and Playwright opens CDP sessions for pages only, so the Worker target
 * is attached here and asked through Target.sendMessageToTarget.
 */
async function workerHeapUsed(browser: import('playwright-core').Browser): Promise<number | undefined> {
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { targetInfos } = (await cdp.send('Target.getTargets')) as {
      targetInfos: { targetId: string; type: string }[];
    };
    const worker = targetInfos.find((t) => t.type === 'worker');
    if (!worker) return undefined;
    const { sessionId } = (await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false })) as {
      sessionId: string;
    };
    const answer = new Promise<number>((resolve) => {
      cdp.on('Target.receivedMessageFromTarget', (e: { sessionId: string; message: string }) => {
        const m = JSON.parse(e.message) as { id?: number; result?: { usedSize: number } };
        if (e.sessionId === sessionId && m.id === 1 && m.result) resolve(m.result.usedSize);
      });
    });
    // Collect first, so the figure is what the Worker holds rather than garbage not yet freed.
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: 0, method: 'HeapProfiler.collectGarbage' }),
    });
    await cdp.send('Target.sendMessageToTarget', {
      sessionId,
      message: JSON.stringify({ id: 1, method: 'Runtime.getHeapUsage' }),
    });
    const used = await Promise.race([answer, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    await cdp.send('Target.detachFromTarget', { sessionId }).catch(() => undefined);
    return used;
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export async function runBrowserSyncBench(
  options: { sizes?: number[]; fullVerifyMax?: number; log?: (line: string) => void } = {},
): Promise<Record<string, number>> {
  const { sizes = [2_000, 20_000, 100_000], fullVerifyMax = 20_000, log = console.log } = options;
  const out: Record<string, number> = {};
  const dev = await startBenchDevServer(root, { chromiumArgs: ['--enable-precise-memory-info'] });
  const { origin, browser } = dev;
  const plugins = dev.plugins as unknown as Plugins;
  const gs = await plugins.acquireGitServer();
  const scratch = mkdtempSync(join(tmpdir(), 'scp-bench-sync-'));
  try {
    for (const n of sizes) {
      log(`  --- ${n.toLocaleString('en')} entries`);
      const { name: repo, url } = await gs.createUniqueRepo(`bench-sync-${n}`);
      const [, seedMs] = await (async () => {
        const t0 = performance.now();
        await seedRepo(gs.pathOf(repo), n);
        return [0, performance.now() - t0];
      })();
      const onRemote = entriesOnBranch(gs.pathOf(repo));
      log(
        `  seeded the remote in Node (${Math.ceil(n / 5000)} commits) in ${s(seedMs)}; native git counts ${onRemote} entries`,
      );

      const cloneDir = join(scratch, `clone-${n}`);
      const [, cloneMs] = await timed(() =>
        git(['clone', '-q', '--bare', '--single-branch', '--branch', 'scp-ledger', url, cloneDir]),
      );
      out[`nativeClone${n}Ms`] = cloneMs;

      // A fresh profile: a new browser context has its own IndexedDB.
      const context = await browser.newContext();
      const page = await context.newPage();
      page.on('pageerror', (e) => log(`  page error: ${e.message}`));
      if (process.env.BENCH_VERBOSE) page.on('console', (m) => log(`  [page] ${m.text()}`));
      await page.goto(`${origin}/__git__/server`);
      await page.addScriptTag({ type: 'module', url: '/bench/browser-sync.page.ts' });
      await page.waitForFunction(() => 'syncBench' in globalThis, null, { timeout: 60_000 });
      type Api = { syncBench: Record<string, (...a: unknown[]) => Promise<unknown>> };
      const call = <T>(fn: string, ...args: unknown[]) =>
        page.evaluate(([f, a]) => (globalThis as unknown as Api).syncBench[f as string]!(...(a as unknown[])), [
          fn,
          args,
        ] as const) as Promise<T>;

      if (process.env.BENCH_VERBOSE)
        await page.evaluate(() => {
          (globalThis as { benchVerbose?: boolean }).benchVerbose = true;
        });
      await call('open', `bench-sync-${n}`, url);
      const first = await call<{
        syncMs: number;
        firstRowsMs: number;
        indexedMs: number;
        fetched: number;
        longest: number;
        progressEvents: number;
        lastSyncProgress?: unknown;
      }>('firstSync');
      out[`firstSync${n}Ms`] = first.syncMs;
      out[`firstRows${n}Ms`] = first.firstRowsMs;
      out[`indexed${n}Ms`] = first.indexedMs;
      log(
        `  first sync ${s(first.syncMs)} vs native git clone ${s(cloneMs)} (${(first.syncMs / cloneMs).toFixed(1)}x; goal <= 3x at 100,000); ${first.progressEvents} progress events, last: ${JSON.stringify(first.lastSyncProgress)}`,
      );
      log(
        `  first rows listed ${s(first.firstRowsMs)} after the sync (goal <= 2 s); every entry indexed after ${s(first.indexedMs)}; longest main-thread task ${first.longest.toFixed(0)} ms (goal <= 50)`,
      );
      const listed = await call<number>('countListed');
      out[`listedPct${n}`] = (100 * listed) / onRemote;
      log(`  entries listed: ${listed} of ${onRemote} (${((100 * listed) / onRemote).toFixed(1)}%)`);

      const mem = await workerHeapUsed(browser).catch(() => undefined);
      if (mem !== undefined) {
        out[`workerHeap${n}MB`] = mem / 2 ** 20;
        log(
          `  Worker JS heap after catching up: ${(mem / 2 ** 20).toFixed(1)} MB (CDP Runtime.getHeapUsage of the ledger Worker)`,
        );
      } else log('  Worker JS heap: not available');

      if (n <= fullVerifyMax) {
        const v = await call<{ ms: number; ok: boolean; commits: number; entries: number; longest: number }>(
          'verify',
          true,
        );
        out[`fullVerify${n}Ms`] = v.ms;
        log(
          `  full verify ${s(v.ms)} (ok ${v.ok}, ${v.commits} commits, ${v.entries} entries; longest main-thread task ${v.longest.toFixed(0)} ms)`,
        );
        await appendEntries(gs.pathOf(repo), 100, { card: 'dns' });
        const synced = await call<{ ms: number; fetched: number }>('sync');
        const inc = await call<{ ms: number; ok: boolean; commits: number; entries: number }>('verify', false);
        out[`incrementalVerify${n}Ms`] = inc.ms;
        log(
          `  100 new entries synced in ${s(synced.ms)} (fetched ${synced.fetched}); incremental verify ${s(inc.ms)} (ok ${inc.ok}, ${inc.commits} commits, ${inc.entries} entries; goal <= 1 s at 100,000)`,
        );
      } else {
        log(
          `  full verify skipped above ${fullVerifyMax.toLocaleString('en')} entries (--full-verify-max); an incremental verify needs a verified head first`,
        );
      }

      // Push 100 new entries: ours, then native git push of a commit of 100 files from the clone.
      await call('write', 100);
      const push = await call<{ ms: number; pushed: number; longest: number }>('sync');
      out[`push100At${n}Ms`] = push.ms;
      await git(['fetch', '-q', url, '+scp-ledger:scp-ledger'], cloneDir);
      const work = join(scratch, `work-${n}`);
      await git(['worktree', 'add', '-q', work, 'scp-ledger'], cloneDir);
      mkdirSync(join(work, 'native'), { recursive: true });
      for (let i = 0; i < 100; i++)
        writeFileSync(join(work, 'native', `n${i}.json`), `${JSON.stringify({ i, at: Date.now() })}\n`);
      await git(['-c', 'user.name=bench', '-c', 'user.email=b@x', 'add', '-A'], work);
      await git(['-c', 'user.name=bench', '-c', 'user.email=b@x', 'commit', '-q', '-m', 'native: 100 files'], work);
      const [, nativePushMs] = await timed(() => git(['push', '-q', url, 'HEAD:refs/heads/scp-native'], work));
      out[`nativePush${n}Ms`] = nativePushMs;
      log(
        `  push 100 new entries ${s(push.ms)} (pushed ${push.pushed} commit; longest task ${push.longest.toFixed(0)} ms) vs native git push ${s(nativePushMs)} (${(push.ms / nativePushMs).toFixed(1)}x; goal <= 3x)`,
      );
      await call('close');
      await context.close();
    }
    const base = sizes[0]!;
    for (const n of sizes.slice(1)) {
      if (out[`fullVerify${n}Ms`] !== undefined)
        log(
          `  full verify ${n} / ${base}: ${(out[`fullVerify${n}Ms`]! / out[`fullVerify${base}Ms`]!).toFixed(1)}x (goal <= ${((12 * n) / 20_000).toFixed(0)}x for linear-ish)`,
        );
      log(
        `  push 100 at ${n} / ${base}: ${(out[`push100At${n}Ms`]! / out[`push100At${base}Ms`]!).toFixed(2)}x (goal <= 1.5x)`,
      );
    }
  } finally {
    await dev.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = (name: string) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  console.log('browser ledger at real size (Chromium, fresh profile, real git http-backend):');
  await runBrowserSyncBench({
    ...(arg('sizes') && { sizes: arg('sizes')!.split(',').map(Number) }),
    ...(arg('full-verify-max') && { fullVerifyMax: Number(arg('full-verify-max')) }),
  });
  process.exit(0);
}
