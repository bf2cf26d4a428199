import { createServer, type IncomingMessage } from 'node:http';
import { join, resolve } from 'node:path';
import * as z from 'zod/mini';
import type { ScpRequestHandlerOptions } from '../../core/host/node/index.js';
import { checkOptions, parseArgs, str, UsageError, type ParsedArgs } from '../args.js';
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

/** A port number as text: digits, at most 65535 (0 lets the system choose). */
const Port = z.string().check(
  z.regex(/^\d+$/, 'not a port number'),
  z.refine((t) => Number(t) <= 65535, 'not a port number'),
);

/** The command line's options, checked before anything starts. */
function serveOptions(flags: ParsedArgs['flags'], io: Io) {
  const portText = str(flags, 'port') ?? '8787';
  checkOptions(Port, portText, { '': 'port' }, `got ${portText}`);
  const postgres = str(flags, 'postgres') ?? io.env.SCP_POSTGRES_URL;
  const remote = str(flags, 'remote');
  if (postgres && !remote)
    throw new UsageError(
      '--postgres needs --remote <git url>: with several instances the ledger of record is a git remote',
    );
  const cors = str(flags, 'cors')
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    dir: resolve(io.cwd, str(flags, 'dir') ?? '.scp-host'),
    port: Number(portText),
    host: str(flags, 'host') ?? '127.0.0.1',
    postgres,
    remote,
    token: str(flags, 'token') ?? io.env.SCP_HOST_TOKEN,
    actor: str(flags, 'actor') ?? 'host-user',
    cors,
    branch: str(flags, 'branch'),
  };
}
type ServeOptions = ReturnType<typeof serveOptions>;
type HostCommon = Pick<ScpRequestHandlerOptions, 'auth' | 'cors' | 'onError'>;

/** One machine: the ledger, pending snapshots and the event journal in files under `dir`. */
async function startFileHost(o: ServeOptions, common: HostCommon) {
  const fs = await import('node:fs');
  const { createScp } = await import('../../core/client.js');
  const { createGitLedger } = await import('../../core/ledger/git/index.js');
  const { createFileStagingStore } = await import('../../core/host/node/file-staging-store.js');
  const { createScpRequestHandler } = await import('../../core/host/node/index.js');
  const http = await import('isomorphic-git/http/node');
  fs.mkdirSync(join(o.dir, 'ledger'), { recursive: true });
  const ledger = await createGitLedger({
    fs,
    http,
    dir: join(o.dir, 'ledger'),
    ...(o.remote && { remote: { url: o.remote } }),
    ...(o.branch && { branch: o.branch }),
  });
  const scp = createScp({
    ledger,
    staging: createFileStagingStore({ file: join(o.dir, 'staging.json') }),
    channel: false,
    actor: o.actor,
  });
  const handler = createScpRequestHandler({ scp, eventsDir: join(o.dir, 'events'), ...common });
  const closeAll = async () => {
    await handler.close();
    await scp.close();
  };
  return { handler, closeAll };
}

/** Several instances: PostgreSQL shared, a git remote as the ledger of record. */
async function startPostgresHost(o: ServeOptions & { postgres: string }, common: HostCommon) {
  const { createPostgresHost } = await import('../../core/host/node/postgres/index.js');
  const h = await createPostgresHost({
    postgres: o.postgres,
    remote: o.remote!,
    dir: o.dir,
    actor: o.actor,
    ...(o.branch && { branch: o.branch }),
    ...common,
  });
  return { handler: h.handler, closeAll: () => h.close() };
}

export async function serveCommand(argv: string[], io: Io, stop: StopSignal = signals): Promise<number> {
  const { flags } = parseArgs(argv, {
    booleans: ['help'],
    values: ['dir', 'port', 'host', 'postgres', 'remote', 'token', 'actor', 'cors', 'branch'],
  });
  if (flags.help) {
    io.out(serveHelp);
    return 0;
  }
  const o = serveOptions(flags, io);
  const { unauthorized } = await import('../../core/host/node/index.js');
  const { token, actor, cors, postgres } = o;
  const auth = token
    ? (req: IncomingMessage) => {
        if (req.headers.authorization !== `Bearer ${token}`) throw unauthorized('Send "Authorization: Bearer <token>"');
        return { actor };
      }
    : undefined;
  const common: HostCommon = {
    ...(auth && { auth }),
    ...(cors?.length && { cors: { origins: cors, credentials: true } }),
    onError: (e: unknown) => io.err(`scp-ledger serve: ${(e as Error)?.stack ?? String(e)}`),
  };
  const { handler, closeAll } = postgres
    ? await startPostgresHost({ ...o, postgres }, common)
    : await startFileHost(o, common);

  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((r, j) => {
    server.once('error', j);
    server.listen(o.port, o.host, () => r());
  });
  const addr = server.address() as { port: number };
  io.out(
    `listening on http://${o.host}:${addr.port}/api/ (${postgres ? `postgres, ledger of record ${o.remote}` : `files in ${o.dir}`})`,
  );
  await stop();
  await closeAll();
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  return 0;
}
