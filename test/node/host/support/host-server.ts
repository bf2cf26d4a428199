import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScp, type ScpClient } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import type { Role } from '../../../../src/core/host/roles.js';
import type { JsonReply } from '../../../helpers/json-reply.js';
import {
  createScpRequestHandler,
  forbidden,
  unauthorized,
  type ScpRequestHandler,
  type ScpRequestHandlerOptions,
} from '../../../../src/core/host/node/index.js';

export interface RunningHost {
  baseUrl: string;
  server: Server;
  handler: ScpRequestHandler;
  clients: Map<string, ScpClient>;
  eventsDir: string;
  stop(): Promise<void>;
}

/**
 * Tokens of the test auth hook: `t-<tenant>-<actor>[-<role>]` (no role: the handler's default);
 * `t-denied` is a signed-in user with no access.
 */
export function tokenAuth(req: IncomingMessage): { actor: string; tenant: string; role?: Role } {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer t-([a-z0-9]+)-([a-z0-9]+)(?:-(viewer|operator|admin))?$/.exec(h);
  if (h === 'Bearer t-denied') throw forbidden('This account has no access to the ledger');
  if (!m) throw unauthorized('Missing or unknown token');
  return { tenant: m[1]!, actor: m[2]!, ...(m[3] && { role: m[3] as Role }) };
}

/** A Node handler on 127.0.0.1 with one memory-ledger core per tenant (or the given core). */
export async function startHost(
  over: Partial<ScpRequestHandlerOptions> & { eventsDir?: string } = {},
): Promise<RunningHost> {
  const eventsDir = over.eventsDir ?? mkdtempSync(join(tmpdir(), 'scp-host-events-'));
  const clients = new Map<string, ScpClient>();
  const handler = createScpRequestHandler({
    scp: (tenant) => {
      let c = clients.get(tenant);
      if (!c) {
        c = createScp({ ledger: createMemoryLedger(), channel: false, runs: { groupCommitMs: 0 } });
        clients.set(tenant, c);
      }
      return c;
    },
    eventsDir,
    ...over,
  });
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    server,
    handler,
    clients,
    eventsDir,
    async stop() {
      await handler.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (!over.eventsDir) rmSync(eventsDir, { recursive: true, force: true });
    },
  };
}

/** One JSON request to a running host (`token`: a tokenAuth bearer token); the answer's status and parsed body. */
export async function callHost(
  host: RunningHost,
  method: string,
  path: string,
  o: { body?: unknown; token?: string } = {},
): Promise<{ status: number; json: JsonReply | undefined }> {
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(o.token && { authorization: `Bearer ${o.token}` }) },
    ...(o.body !== undefined && { body: JSON.stringify(o.body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as JsonReply) : undefined };
}

export function until(cond: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = async () => {
      if (await cond()) resolve();
      else if (Date.now() - start > ms) reject(new Error(`${what} not met within ${ms} ms`));
      else setTimeout(tick, 10);
    };
    void tick();
  });
}
