// The origin's event stream exactly as it frames it (see shared origin-contract.md): `sys:ready`
// is an ordinary envelope with its own seq and `instance_id` under `data`; after a restart the
// seqs begin again at 1; a cursor older than its buffer gets a `state:snapshot` envelope; runs
// recorded through record_run are announced only by `ledger:run`. The transcript below is replayed
// over three connections (a restart, then a stale cursor) and nothing may be lost or repeated.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEventBus } from '../../../src/core/events/bus.js';
import { connectEventBridge, type EventBridge } from '../../../src/core/host/sse-bridge.js';
import { until } from '../../helpers/until.js';

let ts = 1_790_000_000;
function frame(
  seq: number,
  type: string,
  key: string,
  data: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): string {
  return `event: ${type}\nid: ${seq}\ndata: ${JSON.stringify({ v: 1, ts: ts++, seq, type, key, data, ...extra })}\n\n`;
}
const ledgerRun = (seq: number, id: string, status: string) =>
  frame(seq, 'ledger:run', id, {
    type: 'deploy',
    subtype: 'deploy:k8s',
    status,
    summary: `deploy ${id}`,
    user: 'ops',
    code_ref: '0123456789ab',
  });

/** What the origin sent on each connection, in its framing. */
const TRANSCRIPT = [
  // Instance A, fresh client: ready (seq 3: the origin had published before), then live events.
  frame(3, 'sys:ready', '', { instance_id: 'A', cache_keys: ['security'] }) +
    frame(4, 'audit:pending', 'security', {}, { snapshot_id: 'security_20260217_200000' }) +
    ledgerRun(5, 'run_20260217T200000Z_deploy_a1', 'ok') +
    frame(6, 'run:completed', 'run_20260217T200001Z_build_a2', {
      run_id: 'run_20260217T200001Z_build_a2',
      type: 'build',
      subtype: 'build:docker',
      status: 'failed',
      summary: 'build',
      duration_ms: 1200,
    }),
  // The origin restarted as B: its seqs begin again at 1; the old cursor (6) is not in its buffer.
  frame(1, 'sys:ready', '', { instance_id: 'B', cache_keys: [] }) +
    frame(1, 'state:snapshot', '', { pending: [] }) +
    frame(2, 'audit:saved', 'security_20260217_200000', {
      card_key: 'security',
      status: 'ok',
      summary: 's',
      iso: '2026-02-17T20:00:00Z',
    }) +
    ledgerRun(3, 'run_20260217T200500Z_deploy_b1', 'failed'),
  // The client was away while B published 700 events: its cursor (3) fell out of the buffer.
  frame(703, 'sys:ready', '', { instance_id: 'B', cache_keys: [] }) +
    frame(703, 'state:snapshot', '', { pending: [] }) +
    frame(704, 'audit:pending', 'k8s', {}, { snapshot_id: 'k8s_20260217_210000' }),
];

describe("the origin's event stream, exactly as it frames it", () => {
  let server: Server | undefined;
  let bridge: EventBridge | undefined;
  afterEach(async () => {
    bridge?.close();
    server?.closeAllConnections();
    if (server) await new Promise<void>((r) => server!.close(() => r()));
  });

  it('across an origin restart and a stale cursor: every event once, one reset each, the right cursors sent', async () => {
    const cursorsSent: string[] = [];
    server = createServer((req, res) => {
      const n = cursorsSent.length;
      cursorsSent.push(String(req.headers['last-event-id'] ?? ''));
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      if (n < TRANSCRIPT.length) {
        // Between the 2nd and 3rd connection the client is "away": the origin ends the stream.
        res.end(TRANSCRIPT[n]);
      } else {
        res.write(': idle\n\n'); // stays open
      }
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/events`;

    const bus = createEventBus();
    const seen: string[] = [];
    bus.on('audit:pending', (p) => seen.push(`audit:pending ${p.snapshot_id}`));
    bus.on('audit:saved', (p) => seen.push(`audit:saved ${p.snapshot_id}`));
    bus.on('run:completed', (p) => seen.push(`run:completed ${p.run_id} ${p.status}`));
    bus.on('sys:reset', (p) => seen.push(`reset ${p.reason}`));
    bridge = connectEventBridge({ url, bus, initialDelayMs: 1, random: () => 0 });
    await until(() => cursorsSent.length > TRANSCRIPT.length, 'the fourth connection', 10_000);

    assert.deepEqual(seen, [
      'audit:pending security_20260217_200000',
      'run:completed run_20260217T200000Z_deploy_a1 ok',
      'run:completed run_20260217T200001Z_build_a2 failed',
      'reset server_restart',
      'audit:saved security_20260217_200000',
      'run:completed run_20260217T200500Z_deploy_b1 failed',
      'reset cursor_expired',
      'audit:pending k8s_20260217_210000',
    ]);
    assert.deepEqual(cursorsSent, ['', '6', '3', '704']);
    assert.equal(bridge.instanceId, 'B');
  });
});
