// <scp-ref-preview> with 50, 1,000 and 10,000 refs in one text, in real Chromium (production Lit
// build): time until the cards settle, the longest main-thread task meanwhile, the longest task of
// one more keystroke, the JS heap, against the core alone doing the same lookups (same page, same
// run). Medians of N rounds.
// Run alone: node --import tsx bench/ref-preview-scale.bench.ts [--rounds N]
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { numberArg } from './args.js';

const ORIGIN = 'http://localhost:5997'; // intercepted below, never dialled

interface Figures {
  refs: number;
  rounds: number;
  cards: number;
  more: string;
  settleMs: number;
  longestTaskMs: number;
  keystrokeLongestTaskMs: number;
  heapMb: number;
  baselineMs: number;
  ratioSettleVsCore: number;
  textareaAloneLongestTaskMs: number;
  textareaAloneKeystrokeMs: number;
  applyMs: number;
  elementAloneLongestTaskMs: number;
  elementAloneKeystrokeMs: number;
}

export async function runRefScaleBench(
  options: { counts?: number[]; rounds?: number; log?: (line: string) => void } = {},
): Promise<Figures[]> {
  const { counts = [50, 1000, 10_000], rounds = 3, log = console.log } = options;
  const out = await build({
    entryPoints: [fileURLToPath(new URL('./ref-preview-scale.page.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['browser'],
    logLevel: 'silent',
    minify: true,
  });
  const script = out.outputFiles[0]!.text;
  const { chromiumPath, chromiumArgs } = (await import(
    new URL('../scripts/wtr/chromium.mjs', import.meta.url).href
  )) as { chromiumPath: string; chromiumArgs: string[] };
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs, '--enable-precise-memory-info'],
    headless: true,
  });
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
    await page.waitForFunction(() => 'runRefScaleBenchInPage' in globalThis);
    const figures = await page.evaluate(
      ([c, r]) =>
        (
          globalThis as unknown as { runRefScaleBenchInPage(c: number[], r: number): Promise<Figures[]> }
        ).runRefScaleBenchInPage(c as number[], r as number),
      [counts, rounds] as const,
    );
    const ms = (v: number) => `${v.toFixed(1)} ms`;
    log(`<scp-ref-preview>, refs in one text, median of ${rounds} rounds:`);
    log('  refs    cards  settle      longest task  keystroke (longest task)  heap      core baseline  ratio');
    for (const f of figures) {
      log(
        `  ${f.refs.toLocaleString('en').padEnd(7)} ${String(f.cards).padEnd(6)} ${ms(f.settleMs).padEnd(11)} ${ms(f.longestTaskMs).padEnd(13)} ${ms(f.keystrokeLongestTaskMs).padEnd(25)} ${`${f.heapMb.toFixed(1)} MB`.padEnd(9)} ${ms(f.baselineMs).padEnd(14)} ${f.ratioSettleVsCore.toFixed(1)}x`,
      );
      log(`          one scan of the text by the element (apply): ${ms(f.applyMs)}${f.more ? `; "${f.more}"` : ''}`);
      log(
        `          the bare textarea (no element), longest task: taking the text ${ms(f.textareaAloneLongestTaskMs)}, one keystroke ${ms(f.textareaAloneKeystrokeMs)}`,
      );
      log(
        `          the element alone (its text property, no textarea), longest task: taking the text ${ms(f.elementAloneLongestTaskMs)}, one keystroke ${ms(f.elementAloneKeystrokeMs)}`,
      );
      log(
        `          added by the element, longest task: taking the text ${ms(f.longestTaskMs - f.textareaAloneLongestTaskMs)}, one keystroke ${ms(f.keystrokeLongestTaskMs - f.textareaAloneKeystrokeMs)}`,
      );
    }
    log(JSON.stringify({ bench: 'ref-preview-scale', figures }));
    return figures;
  } finally {
    await browser.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runRefScaleBench({ ...(numberArg('rounds') && { rounds: numberArg('rounds') }) });
}
