import { esbuildPlugin } from '@web/dev-server-esbuild';
import { chromeLauncher } from '@web/test-runner-chrome';
import { defaultReporter } from '@web/test-runner';
import { countsReporter } from './scripts/wtr/counts-reporter.mjs';
import { chromiumArgs, chromiumPath } from './scripts/wtr/chromium.mjs';
import { wtrPlugins } from './scripts/wtr/plugins.mjs';

export default {
  files: ['test/browser/**/*.test.ts'],
  nodeResolve: { exportConditions: ['browser', 'development'] },
  concurrency: 2,
  concurrentBrowsers: 1,
  testsFinishTimeout: 600_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: [chromeLauncher({ launchOptions: { executablePath: chromiumPath, headless: true, args: chromiumArgs } })],
  plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), ...wtrPlugins()],
  reporters: [defaultReporter({ reportTestResults: true, reportTestProgress: false }), countsReporter()],
};
