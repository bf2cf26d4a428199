// The dev server the Chromium benches load their pages from (the test runner's plugins, so the
// git server at /__git__/ and the pre-bundled dependencies are there), plus the Chromium to drive.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export interface BenchDevServer {
  origin: string;
  browser: Browser;
  /** The test runner's plugins module (its git server helpers). */
  plugins: Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startBenchDevServer(
  root: string,
  options: { chromiumArgs?: string[] } = {},
): Promise<BenchDevServer> {
  const plugins = (await import(pathToFileURL(join(root, 'scripts/wtr/plugins.mjs')).href)) as {
    wtrPlugins(): unknown[];
  } & Record<string, unknown>;
  const { chromiumArgs, chromiumPath } = (await import(pathToFileURL(join(root, 'scripts/wtr/chromium.mjs')).href)) as {
    chromiumArgs: string[];
    chromiumPath: string;
  };
  const { startDevServer } = await import('@web/dev-server');
  const { esbuildPlugin } = await import('@web/dev-server-esbuild');
  const server = await startDevServer({
    config: {
      rootDir: root,
      hostname: '127.0.0.1',
      port: 0,
      nodeResolve: { exportConditions: ['browser', 'development'] },
      plugins: [
        esbuildPlugin({ ts: true, target: 'es2022', tsconfig: join(root, 'tsconfig.json') }),
        ...plugins.wtrPlugins(),
      ] as never,
    },
    readCliArgs: false,
    readFileConfig: false,
    logStartMessage: false,
  });
  const origin = `http://127.0.0.1:${(server.server!.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [...chromiumArgs, ...(options.chromiumArgs ?? [])],
    headless: true,
  });
  return {
    origin,
    browser,
    plugins,
    async stop() {
      await browser.close();
      await server.stop();
    },
  };
}
