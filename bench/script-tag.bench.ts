// First load of the script-tag build in real Chromium on a throttled connection: a plain page with
// every element, using dist/cdn as `npm run build` makes it (elements defined from scp-ledger.js
// and its static imports; the local staging code, the ledger Worker's starter, runs and the
// elements' parts or views in chunks that follow), against the same code bundled into one file
// (every dynamic import inlined), measured in the same run. The manager's dialog is not opened
// here, so its part is not loaded in the split build (the one-file build carries it).
// Run alone: node --import tsx bench/script-tag.bench.ts [--rounds N] [--latency MS] [--kbps N] [--cpu N]
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { numberArg } from './args.js';

const root = new URL('..', import.meta.url).pathname;
const cdn = join(root, 'dist/cdn');

async function chromiumFlags(): Promise<{ chromiumPath: string; chromiumArgs: string[] }> {
  return import(new URL('../scripts/wtr/chromium.mjs', import.meta.url).href) as Promise<{
    chromiumPath: string;
    chromiumArgs: string[];
  }>;
}

const PAGE = (
  entry: string,
) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"></head><body>
<h3>Security <scp-audit-badge card="security"></scp-audit-badge></h3>
<h3>Kubernetes <scp-run-badge card="k8s"></scp-run-badge></h3>
<scp-audit-manager></scp-audit-manager>
<textarea id="compose"></textarea>
<scp-ref-autocomplete for="compose"></scp-ref-autocomplete>
<scp-ref-preview for="compose"></scp-ref-preview>
<scp-audit-log></scp-audit-log>
<script type="module">
  const { createScp, provideScpClient } = await import('./${entry}');
  const tags = ['scp-audit-badge', 'scp-run-badge', 'scp-audit-manager', 'scp-ref-autocomplete', 'scp-ref-preview', 'scp-audit-log', 'scp-json-tree'];
  const defined = tags.every((t) => customElements.get(t)) ? performance.now() : NaN;
  provideScpClient(document.body, createScp({ channel: false, ledgerName: 'bench-' + Math.random().toString(36).slice(2) }));
  const badge = document.querySelector('scp-audit-badge');
  await badge.settled();
  const badgeSettled = performance.now();
  const log = document.querySelector('scp-audit-log');
  await log.settled();
  window.__result = { defined, badgeSettled, logSettled: performance.now() };
</script></body></html>`;

/** Static files, gzipped as a CDN sends them; counts the bytes sent. */
async function serve(
  files: Map<string, Buffer>,
): Promise<{ server: Server; url: string; sent: () => number; reset(): void }> {
  let sent = 0;
  const zipped = new Map([...files].map(([k, v]) => [k, gzipSync(v, { level: 9 })]));
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = zipped.get(path);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const type = path.endsWith('.html') ? 'text/html' : 'text/javascript';
    res.writeHead(200, { 'content-type': type, 'content-encoding': 'gzip', 'cache-control': 'no-store' });
    sent += body.length;
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sent: () => sent,
    reset() {
      sent = 0;
    },
  };
}

interface Load {
  defined: number;
  badgeSettled: number;
  logSettled: number;
  kb: number;
}

async function load(
  browser: Browser,
  url: string,
  site: Awaited<ReturnType<typeof serve>>,
  net: { latency: number; kbps: number; cpu: number },
): Promise<Load> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: net.latency,
      downloadThroughput: (net.kbps * 1024) / 8,
      uploadThroughput: (net.kbps * 1024) / 8,
    });
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: net.cpu });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    site.reset();
    await page.goto(url);
    await page.waitForFunction(() => '__result' in window, undefined, { timeout: 120_000 });
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
    const r = await page.evaluate(() => (window as unknown as { __result: Omit<Load, 'kb'> }).__result);
    return { ...r, kb: site.sent() / 1024 };
  } finally {
    await context.close();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runScriptTagBench(
  options: { rounds?: number; latency?: number; kbps?: number; cpu?: number; log?: (line: string) => void } = {},
) {
  const { rounds = 5, latency = 150, kbps = 1600, cpu = 4, log = console.log } = options;
  if (!existsSync(join(cdn, 'scp-ledger.js'))) execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });

  const files = new Map<string, Buffer>();
  for (const f of execFileSync('ls', [cdn], { encoding: 'utf8' })
    .split('\n')
    .filter((n) => n.endsWith('.js')))
    files.set(`/${f}`, readFileSync(join(cdn, f)));
  // The baseline: the same build, every dynamic import inlined into one file (the Worker stays its own file).
  const one = await build({
    entryPoints: [join(cdn, 'scp-ledger.js')],
    bundle: true,
    splitting: false,
    format: 'esm',
    minify: true,
    write: false,
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  files.set('/one-file.js', Buffer.from(one.outputFiles[0]!.contents));
  files.set('/split.html', Buffer.from(PAGE('scp-ledger.js')));
  files.set('/one.html', Buffer.from(PAGE('one-file.js')));

  const site = await serve(files);
  const { chromiumPath, chromiumArgs } = await chromiumFlags();
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
  try {
    const net = { latency, kbps, cpu };
    const split: Load[] = [];
    const whole: Load[] = [];
    await load(browser, `${site.url}/split.html`, site, net); // warm the machine (disk, JIT of the runner)
    for (let i = 0; i < rounds; i++) {
      split.push(await load(browser, `${site.url}/split.html`, site, net));
      whole.push(await load(browser, `${site.url}/one.html`, site, net));
    }
    const m = (xs: Load[], k: keyof Load) => median(xs.map((x) => x[k]));
    const ms = (v: number) => `${v.toFixed(0)} ms`;
    log(
      `script-tag page with every element, first load, ${latency} ms RTT, ${kbps} kbit/s, CPU ÷${cpu}, median of ${rounds}:`,
    );
    log(
      `  split build (dist/cdn):      elements defined ${ms(m(split, 'defined'))}, badge count known ${ms(m(split, 'badgeSettled'))}, audit log loaded ${ms(m(split, 'logSettled'))}; ${m(split, 'kb').toFixed(1)} KB sent`,
    );
    log(
      `  baseline, one file:          elements defined ${ms(m(whole, 'defined'))}, badge count known ${ms(m(whole, 'badgeSettled'))}, audit log loaded ${ms(m(whole, 'logSettled'))}; ${m(whole, 'kb').toFixed(1)} KB sent`,
    );
    log(
      `  ratio one file / split: elements defined ${(m(whole, 'defined') / m(split, 'defined')).toFixed(2)}x, badge count known ${(m(whole, 'badgeSettled') / m(split, 'badgeSettled')).toFixed(2)}x`,
    );
    const r = {
      split: { defined: m(split, 'defined'), badge: m(split, 'badgeSettled'), log: m(split, 'logSettled') },
      oneFile: { defined: m(whole, 'defined'), badge: m(whole, 'badgeSettled'), log: m(whole, 'logSettled') },
    };
    log(JSON.stringify({ bench: 'script-tag', ...r }));
    return r;
  } finally {
    await browser.close();
    site.server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const arg = numberArg;
  await runScriptTagBench({
    ...(arg('rounds') && { rounds: arg('rounds') }),
    ...(arg('latency') && { latency: arg('latency') }),
    ...(arg('kbps') && { kbps: arg('kbps') }),
    ...(arg('cpu') && { cpu: arg('cpu') }),
  });
}
