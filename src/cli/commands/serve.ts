import { createServer, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import { parseArgs, str, UsageError } from '../args.js';
import type { Io } from '../io.js';

export const serveHelp = `Usage: scp-ledger serve [--dir folder] [--port 8787] [--host 127.0.0.1]
                        [--postgres url --remote git-url] [--token secret] [--actor name] [--cors origin,...]

Serves the host API and its event stream (docs/host-api.md).

One machine (default): the ledger, pending snapshots and the event journal live under --dir
(default .scp-host).

Several instances behind a load balancer: pass --postgres (the database they share: pending
snapshots, live runs, the event journal; the schema is created or migrated on start) and
--remote (the git remote that is the ledger of record: a save is answered once its commit is
there). --dir is then this instance's working clone. Needs the "pg" package installed.

Prints "listening on http://host:port/api/" when ready; stops on SIGINT/SIGTERM.
`;

/** Waits for SIGINT/SIGTERM (tests pass their own). */
export type StopSignal = () => Promise<void>;
const signals: StopSignal = () =>
  new Promise((r) => {
    process.once('SIGINT', () => r());
    process.once('SIGTERM', () => r());
  });

export async function serveCommand(argv: string[], io: Io, stop: StopSignal = signals): Promise<number> {
  const { flags } = parseArgs(argv, {
    booleans: ['help'],
    values: ['dir', 'port', 'host', 'postgres', 'remote', 'token', 'actor', 'cors', 'branch'],
  });
  if (flags.help) {
    io.out(serveHelp);
    return 0;
  }
  const dir = resolve(io.cwd, str(flags, 'dir') ?? '.scp-host');
  const portText = str(flags, 'port') ?? '8787';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new UsageError(`--port: not a port number: ${portText}`);
  const host = str(flags, 'host') ?? '127.0.0.1';
  const postgres = str(flags, 'postgres') ?? io.env.SCP_POSTGRES_URL;
  const remote = str(flags, 'remote');
  if (postgres && !remote)
    throw new UsageError(
      '--postgres needs --remote <git url>: with several instances the ledger of record is a git remote',
    );
  const token = str(flags, 'token') ?? io.env.SCP_HOST_TOKEN;
  const actor = str(flags, 'actor') ?? 'host-user';
  const cors = str(flags, 'cors')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const branch = str(flags, 'branch');

  const { createScpRequestHandler, unauthorized } = await import('../../core/host/node/index.js');
  const auth = token
    ? (req: IncomingMessage) => {
        if (req.headers.authorization !== `Bearer ${token}`) throw unauthorized('Send "Authorization: Bearer <token>"');
        return { actor };
      }
    : undefined;
  const common = {
    ...(auth && { auth }),
    ...(cors?.length && { cors: { origins: cors, credentials: true } }),
    onError: (e: unknown) => io.err(`scp-ledger serve: ${(e as Error)?.stack ?? String(e)}`),
  };

  let handler: import('../../core/host/node/index.js').ScpRequestHandler;
  let closeAll: () => Promise<void>;
  if (postgres) {
    const { createPostgresHost } = await import('../../core/host/node/postgres/index.js');
    const h = await createPostgresHost({ postgres, remote: remote!, dir, actor, ...(branch && { branch }), ...common });
    handler = h.handler;
    closeAll = () => h.close();
  } else {
    const fs = await import('node:fs');
    const { createScp } = await import('../../core/client.js');
    const { createGitLedger } = await import('../../core/ledger/git/index.js');
    const { createFileStagingStore } = await import('../../core/host/node/file-staging-store.js');
    const http = await import('isomorphic-git/http/node');
    fs.mkdirSync(join(dir, 'ledger'), { recursive: true });
    const ledger = await createGitLedger({
      fs,
      http,
      dir: join(dir, 'ledger'),
      ...(remote && { remote: { url: remote } }),
      ...(branch && { branch }),
    });
    const scp = createScp({
      ledger,
      staging: createFileStagingStore({ file: join(dir, 'staging.json') }),
      channel: false,
      actor,
    });
    handler = createScpRequestHandler({ scp, eventsDir: join(dir, 'events'), ...common });
    closeAll = async () => {
      await handler.close();
      await scp.close();
    };
  }

  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(port, host, () => r());
  });
  const addr = server.address() as { port: number };
  io.out(
    `listening on http://${host}:${addr.port}/api/ (${postgres ? `postgres, ledger of record ${remote}` : `files in ${dir}`})`,
  );
  await stop();
  await closeAll();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return 0;
}
