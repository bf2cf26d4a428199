// Staging 1,000 snapshots of 10 KB into IndexedDB in real Chromium: ms per snapshot amortized
// (target <= 0.5 ms) for the batched path, against one transaction per put measured in the same run.
// Run alone: node --import tsx bench/staging-idb.bench.ts [--count N] [--bytes N] [--rounds N]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { numberArg } from './args.js';

export const STAGING_TARGET_MS = 0.5;
const ORIGIN = 'http://localhost:5999'; // intercepted below, never dialled; localhost is a secure context (WebCrypto)

async function chromiumFlags(): Promise<{ chromiumPath: string; chromiumArgs: string[] }> {
  const url = new URL('../scripts/wtr/chromium.mjs', import.meta.url).href;
  return import(url) as Promise<{ chromiumPath: string; chromiumArgs: string[] }>;
}

async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./staging-idb.page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    logLevel: 'silent',
  });
  return out.outputFiles[0]!.text;
}

export async function runStagingBench(
  options: { count?: number; bytes?: number; rounds?: number; log?: (line: string) => void } = {},
): Promise<Record<string, number>> {
  const { count = 1000, bytes = 10_000, rounds = 3, log = console.log } = options;
  const [script, { chromiumPath, chromiumArgs }] = await Promise.all([bundlePage(), chromiumFlags()]);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    const page = await browser.newPage();
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/bench.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      if (path === '/')
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><link rel="icon" href="data:,"><script type="module" src="/bench.js"></script>',
        });
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'runStagingBenchInPage' in globalThis);
    const r = await page.evaluate(
      ([c, b, n]) =>
        (
          globalThis as unknown as {
            runStagingBenchInPage(c: number, b: number, n: number): Promise<Record<string, number>>;
          }
        ).runStagingBenchInPage(c!, b!, n!),
      [count, bytes, rounds],
    );
    const ms = (v: number | undefined) => `${(v ?? Number.NaN).toFixed(3)} ms`;
    log(
      `staging ${r.count} snapshots of ~${Math.round(r.snapshotBytes! / 1000)} KB into IndexedDB (Chromium), per snapshot, best of ${r.rounds} rounds:`,
    );
    log(
      `  baseline, one transaction per put:       ${ms(r.putPerTransactionMs)}   (relaxed durability ${ms(r.putPerTransactionRelaxedMs)})`,
    );
    log(`  store.writeSnapshots, one transaction:   ${ms(r.putOneTransactionMs)}`);
    log(`  staging.stage() per scan (full pipeline): ${ms(r.stageEachMs)}`);
    log(
      `  staging.stageMany() (full pipeline):     ${ms(r.stageManyMs)}   (relaxed durability ${ms(r.stageManyRelaxedMs)})`,
    );
    log(
      `  ratio one-transaction-per-put / stageMany: ${r.ratioPerTransactionVsStageMany!.toFixed(2)}x; stage() / stageMany: ${r.ratioStageEachVsStageMany!.toFixed(2)}x`,
    );
    log(
      `  target <= ${STAGING_TARGET_MS} ms amortized: ${r.stageManyMs! <= STAGING_TARGET_MS ? 'met' : 'NOT met'} (stageMany ${ms(r.stageManyMs)})`,
    );
    log(`  stageMany() with a store that drops writes (CPU side only): ${ms(r.stageManyNoStoreMs)}`);
    log(
      `  CPU per snapshot: redact ${ms(r.cpuRedactMs)} + canonical JSON ${ms(r.cpuCanonicalJsonMs)} (one walk for both: ${ms(r.cpuRedactCanonicalMs)}), SHA-256 ${ms(r.cpuSha256Ms)}`,
    );
    log(
      `listing ${r.count} pending: metadata store ${ms(r.listPendingMs)} vs reading full records ${ms(r.listFullRecordsMs)} (${r.ratioFullRecordsVsMetaList!.toFixed(1)}x)`,
    );
    return r;
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = numberArg;
  await runStagingBench({
    ...(arg('count') && { count: arg('count') }),
    ...(arg('bytes') && { bytes: arg('bytes') }),
    ...(arg('rounds') && { rounds: arg('rounds') }),
  });
}
