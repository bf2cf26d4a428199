// The consumer fixtures (test/consumers/<name>): each is copied to a temp folder with the shared
// app and the packed tarball, installed with `npm ci` from its own lockfile (bundlers pinned
// there, fetched from the npm registry), built with its bundler, and served.
import { spawn } from 'node:child_process';
import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { root, run, startStaticServer } from '../dist/packed-package.js';

export const consumers = join(root, 'test/consumers');

export interface Prepared {
  name: string;
  dir: string;
  installMs: number;
  buildMs: number;
}
export interface Served {
  url: string;
  stop(): Promise<void>;
}

/** Copies fixture `name` into `tmp/<name>` beside `tmp/scp-ledger.tgz` and runs `npm ci`. */
export async function install(tmp: string, name: string): Promise<Omit<Prepared, 'buildMs'>> {
  const dir = join(tmp, name);
  await cp(join(consumers, name), dir, { recursive: true });
  if (!name.endsWith('-types')) await cp(join(consumers, 'shared/app.js'), join(dir, 'app.js'));
  // The tarball is rebuilt with every change: its integrity in the committed lockfile is stale by
  // design (the bundlers' entries are what the lockfile pins).
  const lockFile = join(dir, 'package-lock.json');
  const lock = JSON.parse(await readFile(lockFile, 'utf8'));
  delete lock.packages['node_modules/scp-ledger'].integrity;
  await writeFile(lockFile, JSON.stringify(lock, null, 2));
  const t = performance.now();
  await run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    maxBuffer: 64 << 20,
  });
  return { name, dir, installMs: performance.now() - t };
}

export async function build(dir: string): Promise<number> {
  const t = performance.now();
  await run('npm', ['run', 'build'], {
    cwd: dir,
    maxBuffer: 64 << 20,
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  return performance.now() - t;
}

export const serveStatic = (dir: string): Promise<Served> =>
  startStaticServer(dir).then((s) => ({ url: `${s.url}/index.html`, stop: s.close }));

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address() as { port: number };
  await new Promise((ok) => srv.close(ok));
  return port;
}

/** Starts a long-running server (`node <bin> ...args`, with `{port}` filled in) and waits until it answers. */
export async function serveWith(dir: string, bin: string, args: string[]): Promise<Served> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(dir, bin), ...args.map((a) => a.replace('{port}', String(port)))], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    // Its own process group: the server's children (next-server) stop with it.
    detached: true,
  });
  const stopGroup = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  let output = '';
  child.stdout.on('data', (b) => {
    output += b;
  });
  child.stderr.on('data', (b) => {
    output += b;
  });
  const url = `http://127.0.0.1:${port}/`;
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${bin} exited (${child.exitCode}): ${output}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > until) {
      stopGroup();
      throw new Error(`${bin} did not answer on ${url}: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    stop: () =>
      new Promise<void>((ok) => {
        if (child.exitCode !== null) {
          ok();
          return;
        }
        child.once('exit', () => ok());
        stopGroup();
      }),
  };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

/**
 * gzip size of the ledger Worker as the bundler emitted it: the smallest built .js file holding the
 * Worker's code (webpack and Vite emit the file and also keep the text copy the package ships for
 * bundlers that do not; esbuild and Rollup have only the text copy).
 */
export async function workerKB(outDir: string): Promise<number> {
  let best = Infinity;
  for (const f of await walk(outDir)) {
    if (!f.endsWith('.js')) continue;
    const body = await readFile(f);
    if (!body.includes('The ledger worker was not opened')) continue;
    best = Math.min(best, gzipSync(body).length / 1024);
  }
  return best === Infinity ? 0 : Math.round(best * 10) / 10;
}
