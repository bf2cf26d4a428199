// A small host on 127.0.0.1 serving the host API (docs/host-api.md) from the core, with the
// ledger as a git repository and pending snapshots in a JSON file, both under --dir:
//   node scripts/serve-host.mjs --dir ./host-data --port 8787 [--cors http://127.0.0.1:8000] [--token secret [--host 0.0.0.0]]
// Without --token anyone who reaches the port can write, so it listens on 127.0.0.1 only.
// <dir>/ledger        git repository (branch scp-ledger), readable with plain git
// <dir>/staging.json  pending snapshots and live runs (survive a restart)
// <dir>/events/       the SSE journal (durable replay window)
import { register } from 'tsx/esm/api';
import { createServer } from 'node:http';
import * as nodeFs from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

register();

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    port: { type: 'string', default: '8787' },
    cors: { type: 'string', multiple: true },
    token: { type: 'string' },
    actor: { type: 'string', default: 'host-user' },
    host: { type: 'string' },
  },
});
if (!values.dir) {
  console.error(
    'usage: node scripts/serve-host.mjs --dir <folder> [--port 8787] [--cors <origin>] [--token <bearer token> [--host <address>]]',
  );
  process.exit(2);
}
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
if (values.host && !values.token && !LOOPBACK.has(values.host)) {
  console.error(
    `--host ${values.host}: refused without --token (anyone who reaches it could write); give --token <secret>, or leave --host out for 127.0.0.1`,
  );
  process.exit(2);
}
const bindHost = values.host ?? '127.0.0.1';
const dir = resolve(values.dir);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`--port: not a port number: ${values.port}`);
  process.exit(2);
}

const { createScp } = await import('../src/core/client.ts');
const { createGitLedger } = await import('../src/core/ledger/git/index.ts');
const { createScpRequestHandler, unauthorized } = await import('../src/core/host/node/index.ts');
const { createFileStagingStore } = await import('../src/core/host/node/file-staging-store.ts');

nodeFs.mkdirSync(join(dir, 'ledger'), { recursive: true });
const ledger = await createGitLedger({ fs: nodeFs, dir: join(dir, 'ledger') });
const scp = createScp({
  ledger,
  staging: createFileStagingStore({ file: join(dir, 'staging.json') }),
  channel: false,
  actor: values.actor,
});

const handler = createScpRequestHandler({
  scp,
  eventsDir: join(dir, 'events'),
  ...(values.token && {
    auth: (req) => {
      if (req.headers.authorization !== `Bearer ${values.token}`)
        throw unauthorized('Send "Authorization: Bearer <token>"');
      return { actor: values.actor };
    },
  }),
  cors: {
    origins: values.cors?.length ? values.cors : ['http://127.0.0.1:8000', 'http://localhost:8000'],
    credentials: true,
  },
  // Every answer of 500 and above (a full disk is 507) is logged with its cause.
  onError: (e) => console.error(`scp host: ${e?.stack ?? String(e)}`),
});
const server = createServer((req, res) => {
  void handler(req, res);
});
server.listen(port, bindHost, () => {
  const { port: p } = server.address();
  const shown = bindHost.includes(':') ? `[${bindHost}]` : bindHost;
  console.log(`scp host: http://${shown}:${p}/api/  (ledger ${join(dir, 'ledger')}, Ctrl-C to stop)`);
  if (!values.token)
    console.log(`no --token: anyone on this machine can read and write, so it listens on ${bindHost} (loopback) only`);
});
const shutdown = async () => {
  await handler.close();
  server.closeAllConnections();
  server.close();
  await scp.close();
  process.exit(0);
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
