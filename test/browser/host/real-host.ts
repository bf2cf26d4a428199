// Node side of the Chromium tests against the real Node host, run in the test runner's process
// through the `scp-node-call` server command (scripts/wtr/plugins.mjs): a host on a loopback port
// with a memory ledger, allowing the test page's origin (CORS, cross-site write guard).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScp } from '../../../src/core/client.js';
import { createScpRequestHandler, type ScpRequestHandler } from '../../../src/core/host/node/index.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';

interface Running {
  server: Server;
  handler: ScpRequestHandler;
  dir: string;
}
// tsx may load this module afresh per call: keep the hosts on the process.
const processState = globalThis as { __scpRealHosts?: Map<string, Running> };
processState.__scpRealHosts ??= new Map();
const hosts = processState.__scpRealHosts;

/** Starts a host that the page at `pageOrigin` may call; returns its base URL (also its key for stopRealHost). */
export async function startRealHost(pageOrigin: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'scp-real-host-'));
  const handler = createScpRequestHandler({
    scp: createScp({ ledger: createMemoryLedger(), channel: false, runs: { groupCommitMs: 0 } }),
    eventsDir: dir,
    cors: { origins: [pageOrigin] },
  });
  const server = createServer((req, res) => {
    void handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  hosts.set(url, { server, handler, dir });
  return url;
}

/** Stops it; answers true (a server command must answer something). */
export async function stopRealHost(url: string): Promise<boolean> {
  const h = hosts.get(url);
  if (!h) return true;
  hosts.delete(url);
  await h.handler.close();
  h.server.closeAllConnections();
  await new Promise<void>((r) => h.server.close(() => r()));
  rmSync(h.dir, { recursive: true, force: true });
  return true;
}
