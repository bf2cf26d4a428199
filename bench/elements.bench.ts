// Elements in real Chromium (production Lit build): first render of <scp-audit-manager> with 10,000
// pending snapshots (ms, DOM row count) against the same rows rendered without windowing, and
// <scp-ref-preview> with 20 refs (ms until every card shows, resolves per ref) against the core
// resolving the same refs with no element. Medians of N rounds.
// Run alone: node --import tsx bench/elements.bench.ts [--count N] [--refs N] [--rounds N]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { numberArg } from './args.js';

const ORIGIN = 'http://localhost:5998'; // intercepted below, never dialled; localhost is a secure context

async function chromiumFlags(): Promise<{ chromiumPath: string; chromiumArgs: string[] }> {
  return import(new URL('../scripts/wtr/chromium.mjs', import.meta.url).href) as Promise<{
    chromiumPath: string;
    chromiumArgs: string[];
  }>;
}

async function bundlePage(): Promise<string> {
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./elements.page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    logLevel: 'silent',
    minify: true,
  });
  return out.outputFiles[0]!.text;
}

interface Figures {
  manager: Record<string, number>;
  refPreview: Record<string, number>;
}

export async function runElementsBench(
  options: { count?: number; refs?: number; rounds?: number; log?: (line: string) => void } = {},
): Promise<Figures> {
  const { count = 10_000, refs = 20, rounds = 5, log = console.log } = options;
  const [script, { chromiumPath, chromiumArgs }] = await Promise.all([bundlePage(), chromiumFlags()]);
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      if (path === '/bench.js') return route.fulfill({ contentType: 'text/javascript', body: script });
      if (path === '/')
        return route.fulfill({
          contentType: 'text/html',
          body: '<!doctype html><html lang="en"><link rel="icon" href="data:,"><body><script type="module" src="/bench.js"></script></body></html>',
        });
      return route.fulfill({ status: 404, body: '' });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction(() => 'runElementsBenchInPage' in globalThis);
    const r = await page.evaluate(
      ([c, n, k]) =>
        (
          globalThis as unknown as { runElementsBenchInPage(c: number, n: number, k: number): Promise<Figures> }
        ).runElementsBenchInPage(c!, n!, k!),
      [count, refs, rounds],
    );
    const ms = (v: number | undefined) => `${(v ?? Number.NaN).toFixed(1)} ms`;
    const m = r.manager;
    log(`<scp-audit-manager> with ${m.count!.toLocaleString('en')} pending snapshots, median of ${m.rounds} rounds:`);
    log(
      `  first render, show() until the rows are in the DOM: ${ms(m.firstRenderDomMs)}; until painted: ${ms(m.firstRenderMs)} (of which staging.list of ${m.count!.toLocaleString('en')}: ${ms(m.listMs)})`,
    );
    log(`  DOM: ${m.rowsInDom} row elements, ${m.nodesInDom} nodes in the shadow root`);
    log(`  scroll to the middle, re-render:                                  ${ms(m.scrollMs)}`);
    log(`  baseline, the same rows without windowing: ${ms(m.naiveMs)}, ${m.naiveNodes!.toLocaleString('en')} nodes`);
    log(`  ratio baseline / manager first render: ${m.ratioNaiveVsManager!.toFixed(1)}x`);
    const p = r.refPreview;
    log(`<scp-ref-preview> with ${p.refCount} refs (half audits, half runs), median of ${p.rounds} rounds:`);
    log(
      `  input until all ${p.cards} cards are in the DOM (debounce 0): ${ms(p.coldDomMs)}; until painted: ${ms(p.coldMs)}; max resolves per ref: ${p.maxResolvesPerRef}`,
    );
    log(`  same refs again, from the cache: ${ms(p.warmMs)} (0 resolves)`);
    log(`  baseline, core resolving the ${p.refCount} refs one after another: ${ms(p.baselineMs)}`);
    log(`  ratio element (cards in DOM) / core baseline: ${p.ratioElementVsCore!.toFixed(1)}x`);
    log(JSON.stringify({ bench: 'elements', ...r }));
    return r;
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = numberArg;
  await runElementsBench({
    ...(arg('count') && { count: arg('count') }),
    ...(arg('refs') && { refs: arg('refs') }),
    ...(arg('rounds') && { rounds: arg('rounds') }),
  });
}
