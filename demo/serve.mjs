// The playground: serves demo/ and the sources (TypeScript compiled on the fly) on 127.0.0.1.
import { startDevServer } from '@web/dev-server';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { wtrPlugins } from '../scripts/wtr/plugins.mjs';

const port = Number(process.env.PORT ?? 8000);
const server = await startDevServer({
  config: {
    rootDir: '.',
    hostname: '127.0.0.1',
    port,
    nodeResolve: { exportConditions: ['browser', 'development'] },
    appIndex: 'demo/index.html',
    open: false,
    plugins: [esbuildPlugin({ ts: true, target: 'es2022', tsconfig: 'tsconfig.json' }), ...wtrPlugins()],
  },
  readCliArgs: false,
  readFileConfig: false,
  logStartMessage: false,
});
console.log(`scp-ledger playground: http://127.0.0.1:${port}/demo/`);
process.on('SIGINT', () => server.stop().then(() => process.exit(0)));
