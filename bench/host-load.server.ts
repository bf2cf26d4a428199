// The server side of bench/host-load.bench.ts, run in a child process so its memory is its own:
// a Node request handler over a memory-ledger core with the event journal on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScp } from '../src/core/client.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import { createScpRequestHandler } from '../src/core/host/node/index.js';

const eventsDir = mkdtempSync(join(tmpdir(), 'scp-host-load-'));
const scp = createScp({ ledger: createMemoryLedger(), channel: false, skipUnchanged: false });
const handler = createScpRequestHandler({ scp, eventsDir, heartbeatMs: 5000, retention: { maxEvents: 200_000 } });
const server = createServer((req, res) => {
  void handler(req, res);
});
let peakRss = 0;
const sample = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);
server.listen(0, '127.0.0.1', () => {
  process.send!({ type: 'listening', url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
});
process.on('message', async (m: { type: string }) => {
  if (m.type === 'stats')
    process.send!({ type: 'stats', rss: process.memoryUsage().rss, peakRss, streams: handler.streams });
  if (m.type === 'reset-peak') {
    peakRss = process.memoryUsage().rss;
    process.send!({ type: 'reset-peak' });
  }
  if (m.type === 'stop') {
    clearInterval(sample);
    await handler.close();
    server.closeAllConnections();
    server.close();
    await scp.close();
    rmSync(eventsDir, { recursive: true, force: true });
    process.exit(0);
  }
});
