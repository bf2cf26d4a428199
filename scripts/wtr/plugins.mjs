// Dev-server plugins shared by the browser tests (web-test-runner.config.mjs) and the demo server
// (demo/serve.mjs):
// - CommonJS pre-bundling: isomorphic-git's dependencies and lightning-fs are CommonJS and expect a
//   global `Buffer`; the usual commonjs dev-server plugin is broken for current versions, so these
//   packages are bundled once with esbuild (ESM out, `Buffer` injected from the `buffer` package)
//   and served from a virtual path when the browser imports them by bare specifier.
// - A real git smart-HTTP server (test/helpers/git-server.mjs) started with the dev server, plus
//   `/__git__/*` endpoints so pages can create repos and read the push log.
// - Test-runner commands (`executeServerCommand`) that drive a Node-side git clone for sync tests.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { transform } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startGitServer } from '../../test/helpers/git-server.mjs';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(join(projectRoot, 'package.json'));

const VIRTUAL_PREFIX = '/__prebundled__/';

/**
 * Bare specifiers served as pre-bundled ESM. `cjs: true` means the package is CommonJS: its named
 * exports are listed by loading it in Node, because `export *` cannot see through CommonJS.
 */
const PREBUNDLED = {
  'isomorphic-git': { cjs: false, hasDefault: true },
  'isomorphic-git/http/web': { cjs: false, hasDefault: true },
  '@isomorphic-git/lightning-fs': { cjs: true },
  buffer: { cjs: true },
  pako: { cjs: true },
};

const virtualPathOf = (specifier) =>
  `${VIRTUAL_PREFIX}${specifier.replace(/[@/]/g, (c) => (c === '/' ? '__' : ''))}.js`;

function entrySource(specifier, { cjs, hasDefault }) {
  const spec = JSON.stringify(specifier);
  if (!cjs) {
    return `export * from ${spec};${hasDefault ? ` export { default } from ${spec};` : ''}`;
  }
  const mod = require(specifier);
  const names =
    (typeof mod === 'object' || typeof mod === 'function') && mod !== null
      ? Object.keys(mod).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && n !== 'default')
      : [];
  return (
    `import * as ns from ${spec}; import def from ${spec}; export default def;` +
    (names.length ? ` export const { ${names.join(', ')} } = ns;` : '')
  );
}

let shimPath;
async function bufferShim() {
  if (shimPath) return shimPath;
  const dir = join(projectRoot, 'node_modules', '.cache', 'scp-prebundle');
  await mkdir(dir, { recursive: true });
  shimPath = join(dir, 'buffer-shim.mjs');
  await writeFile(shimPath, "import { Buffer } from 'buffer';\nexport { Buffer };\n");
  return shimPath;
}

const bundles = new Map();

/** Bundles one bare specifier to a browser ESM module (cached for the life of the process). */
export function prebundle(specifier) {
  const options = PREBUNDLED[specifier];
  if (!options) throw new Error(`${specifier} is not in the pre-bundled list`);
  let p = bundles.get(specifier);
  if (!p) {
    p = (async () => {
      const esbuild = await import('esbuild');
      const result = await esbuild.build({
        stdin: {
          contents: entrySource(specifier, options),
          resolveDir: projectRoot,
          sourcefile: `prebundle:${specifier}`,
        },
        bundle: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        mainFields: ['browser', 'module', 'main'],
        conditions: ['browser', 'import'],
        inject: [await bufferShim()],
        define: { global: 'globalThis', 'process.env.NODE_ENV': '"development"' },
        write: false,
        logLevel: 'silent',
      });
      return result.outputFiles[0].text;
    })();
    p.catch(() => bundles.delete(specifier));
    bundles.set(specifier, p);
  }
  return p;
}

/** Serves the CommonJS-heavy git packages as ESM bundles. */
export function prebundlePlugin() {
  const byPath = new Map(Object.keys(PREBUNDLED).map((s) => [virtualPathOf(s), s]));
  return {
    name: 'scp-prebundle-cjs',
    resolveImport({ source }) {
      if (Object.hasOwn(PREBUNDLED, source)) return virtualPathOf(source);
      return undefined;
    },
    async serve(context) {
      const specifier = byPath.get(context.path);
      if (!specifier) return undefined;
      return { body: await prebundle(specifier), type: 'js', headers: { 'Cache-Control': 'no-cache' } };
    },
  };
}

let sharedServer;
let sharedUsers = 0;

/** The git server shared by every plugin instance in this process (started on first use). */
export async function acquireGitServer() {
  sharedUsers++;
  sharedServer ??= startGitServer().catch((e) => {
    sharedServer = undefined;
    throw e;
  });
  return sharedServer;
}

async function releaseGitServer() {
  if (sharedUsers === 0) return;
  sharedUsers--;
  if (sharedUsers === 0 && sharedServer) {
    const s = sharedServer;
    sharedServer = undefined;
    await (await s).stop();
  }
}

// The serve hook always answers 200: failures are reported as `{ error }`.
const json = (value) => ({
  body: JSON.stringify(value),
  type: 'application/json',
  headers: { 'Cache-Control': 'no-store' },
});

/**
 * Starts a real git server with the dev server and exposes:
 * - `GET /__git__/new-repo?name=x[&protect=0]` → `{ name, url }` (a fresh bare repo; the name gets a
 *   `-2`, `-3`, ... suffix when taken),
 * - `GET /__git__/push-log?name=x` → the ref updates pushed to it,
 * - `GET /__git__/force-pushes?name=x` → the force pushes among them (tests assert `[]`),
 * - `GET /__git__/server` → `{ url }`,
 * - `new-repo` with `auth=1` requires a token, with `cors=0` sends no CORS headers (reach it
 *   through `<server>/cors-proxy/`); `GET /__git__/token?name=x&ttl=ms` → `{ token }`;
 *   `GET /__git__/request-log?name=x` → what each request brought (auth outcome, proxied).
 */
export function gitServerPlugin() {
  let started;
  const ensure = () => (started ??= acquireGitServer());
  return {
    name: 'scp-git-server',
    async serverStart() {
      await ensure();
    },
    async serverStop() {
      if (started) {
        started = undefined;
        await releaseGitServer();
      }
    },
    async serve(context) {
      if (!context.path.startsWith('/__git__/')) return undefined;
      const s = await ensure();
      const q = context.query ?? {};
      const name = typeof q.name === 'string' ? q.name : undefined;
      try {
        switch (context.path) {
          case '/__git__/server':
            return json({ url: s.url });
          case '/__git__/new-repo': {
            const base = name || `repo-${Date.now().toString(36)}`;
            const repo = await s.createUniqueRepo(base, { protectBranches: q.protect !== '0' });
            if (q.auth === '1' || q.cors === '0')
              s.setPolicy(repo.name, { requireToken: q.auth === '1', cors: q.cors !== '0' });
            return json(repo);
          }
          case '/__git__/token':
            return json({ token: s.issueToken(name, Number(q.ttl ?? 60_000)) });
          case '/__git__/request-log':
            return json(s.requestLog(name));
          case '/__git__/push-log':
            return json(await s.pushLog(name));
          case '/__git__/force-pushes':
            return json(await s.forcePushes(name));
          default:
            return json({ error: `unknown endpoint ${context.path}` });
        }
      } catch (e) {
        return json({ error: e instanceof Error ? e.message : String(e) });
      }
    },
  };
}

const commandHandlers = new Map();

/**
 * Registers a Node-side handler for `executeServerCommand(name, payload)` in browser tests.
 * Handlers get `(payload, { gitServer })` and return a JSON-serialisable value.
 */
export function registerServerCommand(name, handler) {
  commandHandlers.set(name, handler);
}

/** Routes test-runner commands registered with `registerServerCommand`. */
export function serverCommandsPlugin() {
  return {
    name: 'scp-server-commands',
    async executeCommand({ command, payload }) {
      const handler = commandHandlers.get(command);
      if (!handler) return undefined;
      const gitServer = await acquireGitServer();
      try {
        return await handler(payload, { gitServer });
      } finally {
        await releaseGitServer();
      }
    },
  };
}

/**
 * `executeServerCommand('scp-node-call', { module, fn, args })`: runs an exported function of a
 * TypeScript module under test/ or bench/ in Node (loaded with tsx) and returns its result —
 * how browser tests drive a Node-side git clone against the same git server. The function gets
 * `...args, { gitServer }`.
 */
registerServerCommand('scp-node-call', async (payload, ctx) => {
  const { module, fn, args = [] } = payload ?? {};
  if (typeof module !== 'string' || !/^(test|bench)\/[\w./-]+\.ts$/.test(module) || module.includes('..')) {
    throw new Error(`scp-node-call: module must be a .ts file under test/ or bench/, got ${JSON.stringify(module)}`);
  }
  const { tsImport } = await import('tsx/esm/api');
  const mod = await tsImport(pathToFileURL(join(projectRoot, module)).href, import.meta.url);
  const f = mod[fn];
  if (typeof f !== 'function') throw new Error(`scp-node-call: ${module} exports no function ${fn}`);
  return f(...args, ctx);
});

/**
 * Sources say `new URL('./worker.js', import.meta.url)` (what a bundler and the built package
 * need); in the dev server that file is still `worker.ts`, so a missing `.js` is served from `.ts`.
 */
function tsForJsPlugin() {
  return {
    name: 'scp-ts-for-js',
    async serve(context) {
      if (!context.path.startsWith('/src/') || !context.path.endsWith('.js')) return undefined;
      const js = join(projectRoot, context.path);
      const ts = js.replace(/\.js$/, '.ts');
      if (existsSync(js) || !existsSync(ts)) return undefined;
      const { code } = await transform(await readFile(ts, 'utf8'), {
        loader: 'ts',
        target: 'es2022',
        format: 'esm',
        sourcefile: ts,
      });
      return { body: code, type: 'js' };
    },
    resolveMimeType(context) {
      if (context.path.startsWith('/src/') && context.path.endsWith('.js')) return 'js';
      return undefined;
    },
  };
}

export function wtrPlugins() {
  return [tsForJsPlugin(), prebundlePlugin(), gitServerPlugin(), serverCommandsPlugin()];
}
