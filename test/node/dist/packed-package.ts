// The package as a consumer gets it: dist/ built once, `npm pack`ed, extracted into a temp app's
// node_modules. Shared by the packed-tarball check and the README snippet tests.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';

export const run = promisify(execFile);
export const root = resolve(import.meta.dirname, '../../..');
export const PKG = 'scp-ledger';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  const marker = join(root, 'dist/index.js');
  const cdn = join(root, 'dist/cdn/scp-ledger.js');
  return existsSync(marker) && existsSync(cdn) && statSync(marker).mtimeMs >= newestMtime(join(root, 'src'));
}

const LOCK = join(root, 'node_modules/.cache/scp-build.lock');

function lockHolderAlive(): boolean {
  try {
    process.kill(Number(readFileSync(join(LOCK, 'pid'), 'utf8')), 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `fn` holding a directory lock shared by every process of this checkout (waits for the holder, or takes over from one that is gone). */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(join(root, 'node_modules/.cache'), { recursive: true });
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      await sleep(200);
      if (existsSync(join(LOCK, 'pid')) && !lockHolderAlive()) await rm(LOCK, { recursive: true, force: true });
    }
  }
  try {
    await writeFile(join(LOCK, 'pid'), String(process.pid));
    return await fn();
  } finally {
    await rm(LOCK, { recursive: true, force: true });
  }
}

/** dist/ as CI has it after `npm run build`; rebuilt when missing or older than any source. */
async function buildIfStale(): Promise<void> {
  if (!isFresh()) await run('npm', ['run', 'build'], { cwd: root, maxBuffer: 64 << 20 });
}

/**
 * Builds dist/ when stale, then packs and installs it into `<tmp>/app`. Suites that run side by
 * side hold one lock for both steps: two builds at once would delete each other's output, and a
 * build must not start while another suite is packing.
 */
export async function buildAndPack(tmp: string): Promise<{ packed: Packed; buildMs: number; packMs: number }> {
  return withBuildLock(async () => {
    let t = performance.now();
    await buildIfStale();
    const buildMs = performance.now() - t;
    t = performance.now();
    const packed = await packAndInstall(tmp);
    return { packed, buildMs, packMs: performance.now() - t };
  });
}

export interface Packed {
  app: string;
  pkgDir: string;
  files: string[];
  manifest: Record<string, unknown>;
  tarball: string;
}

/** `npm pack`, extracted into <tmp>/app/node_modules/scp-ledger beside links to the repo's dependencies. */
async function packAndInstall(tmp: string): Promise<Packed> {
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', tmp], {
    cwd: root,
    maxBuffer: 64 << 20,
  });
  const [info] = JSON.parse(stdout.slice(stdout.indexOf('['))) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  const app = join(tmp, 'app');
  const modules = join(app, 'node_modules');
  const pkgDir = join(modules, PKG);
  await mkdir(pkgDir, { recursive: true });
  await run('tar', ['-xzf', join(tmp, info!.filename), '-C', pkgDir, '--strip-components=1']);
  // No network: the runtime dependencies (and everything they need) come from the repo's install.
  for (const name of await readdir(join(root, 'node_modules'))) {
    if (name === PKG || name.startsWith('.')) continue;
    await symlink(join(root, 'node_modules', name), join(modules, name));
  }
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'pack-check-app', private: true, type: 'module' }));
  const manifest = JSON.parse(await readFile(join(pkgDir, 'package.json'), 'utf8'));
  return { app, pkgDir, files: info!.files.map((f) => f.path), manifest, tarball: join(tmp, info!.filename) };
}

const MIME: Record<string, string> = {
  '.js': 'text/javascript',
  '.html': 'text/html',
  '.map': 'application/json',
  '.json': 'application/json',
};

/** A static file server with no module resolution at all, as a CDN or a plain web host would be. */
export async function startStaticServer(
  dir: string,
  options: { cors?: boolean } = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const path = resolve(dir, '.' + decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (!path.startsWith(dir + sep) || !existsSync(path) || !statSync(path).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(path)] ?? 'application/octet-stream',
      ...(options.cors && { 'Access-Control-Allow-Origin': '*' }),
    });
    res.end(await readFile(path));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Collects page errors and console errors from the moment it is called. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** Loads a page and waits for the result its module script leaves on `window.__result`, failing on any console error. */
export async function pageResult(page: Page, url: string): Promise<Record<string, unknown>> {
  const problems = watchProblems(page);
  await page.goto(url);
  await page
    .waitForFunction(
      () => (window as unknown as { __result?: Record<string, unknown> }).__result !== undefined,
      undefined,
      { timeout: 30_000 },
    )
    .catch((e) => {
      throw new Error(`${url} left no result (${problems.join('; ') || e.message})`);
    });
  const result = await page.evaluate(() => (window as unknown as { __result: Record<string, unknown> }).__result);
  assert.deepEqual(problems, [], `no errors on ${url}`);
  return result;
}
