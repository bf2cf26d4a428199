// The playground's dev server, in-process: serves the repo root (demo/ and src/, TypeScript compiled
// on the fly) on 127.0.0.1. Used by `npm start`, the end-to-end tests and the browser benchmarks.
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { wtrPlugins } from '../scripts/wtr/plugins.mjs';

/** Starts the server; `port: 0` picks a free one. Resolves to `{ url, stop }`. */
export async function startDemoServer({ port = 8000, quiet = true } = {}) {
  const server = await startDevServer({
    config: {
      rootDir: '.',
      hostname: '127.0.0.1',
      port,
      nodeResolve: { exportConditions: ['browser', 'development'] },
      open: false,
      // msw's worker must be served from the root scope for the host-mode page.
      middleware: [
        (ctx, next) => {
          if (ctx.path === '/mockServiceWorker.js') ctx.path = '/node_modules/msw/lib/mockServiceWorker.js';
          return next();
        },
      ],
      plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), ...wtrPlugins()],
    },
    readCliArgs: false,
    readFileConfig: false,
    logStartMessage: !quiet,
  });
  const address = server.server?.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  return { url: `http://127.0.0.1:${actualPort}`, stop: () => server.stop() };
}
