// Host-backend mode in Chromium: the host client against the origin's API reproduced by msw in a
// real service worker (served at /mockServiceWorker.js), including the SSE stream over fetch.
import { expect } from '@esm-bundle/chai';
import { setupWorker } from 'msw/browser';
import { ScpError } from '../../../src/core/errors/index.js';
import { createHostClient, type HostClient } from '../../../src/core/host/host-client.js';
import { createOriginState, originHandlers, originSnapshot, type OriginState } from '../../../demo/origin-api/index.js';

const BASE = `${location.origin}/origin-host`;
const READY = (id: string) => `event: sys:ready\ndata: {"instance_id":"${id}","cache_keys":["security"]}\n\n`;

function runStarted(n: number, eol = '\n'): string {
  const env = {
    v: 1,
    ts: 1_771_360_000 + n,
    seq: n,
    type: 'run:started',
    key: `run_${n}`,
    data: { run_id: `run_${n}`, type: 'deploy', subtype: 'deploy:k8s', summary: `deploy ${n}` },
  };
  return `event: run:started${eol}id: ${n}${eol}data: ${JSON.stringify(env)}${eol}${eol}`;
}

// A wait for the stream to deliver, not a speed bound: in the full suite it shares the 2 cores
// with the 20,000-entry catch-up files, where 5 s was not always enough for an SSE round.
function until(cond: () => boolean, ms = 30_000): Promise<void> {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const tick = () =>
      cond() ? resolve() : Date.now() - start > ms ? reject(new Error('timed out')) : setTimeout(tick, 10);
    tick();
  });
}

describe('host client in Chromium against the origin API (msw service worker)', () => {
  let state: OriginState;
  let client: HostClient | undefined;
  const worker = setupWorker();

  before(async () => {
    await worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
  });
  after(() => worker.stop());
  beforeEach(() => {
    state = createOriginState();
    worker.resetHandlers(...originHandlers(state, BASE));
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('is served by a real service worker controlling the page', () => {
    expect(navigator.serviceWorker.controller?.scriptURL).to.equal(`${location.origin}/mockServiceWorker.js`);
  });

  it('lists, saves with explicit ids and resolves with the origin quirks', async () => {
    const a = originSnapshot('security', 3);
    const b = originSnapshot('k8s', 1);
    state.pending.set(a.snapshot_id, a).set(b.snapshot_id, b);
    client = createHostClient({ baseUrl: BASE, events: false, headers: { authorization: 'Bearer demo' } });
    expect((await client.staging.list()).map((p) => p.card_key)).to.deep.equal(['security', 'k8s']);
    expect(await client.staging.save([a.snapshot_id])).to.deep.equal({ saved: [a.snapshot_id], commit: '' });
    expect([...state.saved.keys()]).to.deep.equal([a.snapshot_id]);
    expect([...state.pending.keys()]).to.deep.equal([b.snapshot_id]);
    expect((await client.refs.resolve(`@audit:${a.snapshot_id}`)).source).to.equal('ledger');
    expect((await client.refs.resolve('@audit:security_20990101_000000')).exists).to.equal(false);
    let err: unknown;
    try {
      await client.refs.resolve('@thread:t1');
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(ScpError);
    expect((err as ScpError).code).to.equal('unknown_ref_kind');
    expect(state.requests.every((r) => r.headers.authorization === 'Bearer demo')).to.equal(true);
  });

  it('streams SSE over fetch: a cut mid-event (between CR and LF) resumes with Last-Event-ID, each event once', async () => {
    const first = READY('i1') + runStarted(1, '\r\n') + runStarted(2, '\r\n');
    const cut = first.length - 30;
    const crlf = first.lastIndexOf('\r\n', cut);
    state.streams.push(
      () => [first.slice(0, crlf + 1), first.slice(crlf + 1, cut)], // ends mid-event 2, right after a CR
      (last) => (last === '1' ? [READY('i1'), runStarted(2), runStarted(3)] : undefined),
    );
    client = createHostClient({ baseUrl: BASE, events: { initialDelayMs: 10 } });
    const got: string[] = [];
    client.bus.on('run:started', (p) => got.push(p.run_id));
    await until(() => got.length >= 3);
    expect(got).to.deep.equal(['run_1', 'run_2', 'run_3']);
    expect(client.events!.lastEventId).to.equal('3');
    const lastIds = state.requests
      .filter((r) => r.path.startsWith('/origin-host/api/events'))
      .map((r) => r.headers['last-event-id'] ?? '');
    expect(lastIds.slice(0, 2)).to.deep.equal(['', '1']);
  });

  it('maps audit:pending (snapshot_id at the top level) onto the bus and handles reset with one refetch', async () => {
    const pendingEnv = {
      v: 1,
      ts: 1_771_360_100,
      seq: 7,
      type: 'audit:pending',
      key: 'security',
      snapshot_id: 'security_20260217_204500',
      data: {},
    };
    state.streams.push(() => [
      READY('i1'),
      `event: audit:pending\nid: 7\ndata: ${JSON.stringify(pendingEnv)}\n\n`,
      'event: reset\nid: 42\ndata: {"reason":"cursor_expired"}\n\n',
      ': keep-alive comment\n\n',
    ]);
    const s = originSnapshot('security', 2);
    state.pending.set(s.snapshot_id, s);
    client = createHostClient({ baseUrl: BASE, events: { initialDelayMs: 5000 } });
    const pending: unknown[] = [];
    client.bus.on('audit:pending', (p) => pending.push(p));
    const resets: string[] = [];
    client.bus.on('sys:reset', (p) => resets.push(p.reason));
    const refetched: string[][] = [];
    client.events!.onReset(async () => {
      refetched.push((await client!.staging.list()).map((p) => p.snapshot_id));
    });
    await until(() => refetched.length === 1);
    expect(pending).to.deep.equal([
      {
        snapshot_id: 'security_20260217_204500',
        card_key: 'security',
        summary: '',
        iso: new Date(1_771_360_100_000).toISOString(),
        replaced: [],
      },
    ]);
    expect(resets).to.deep.equal(['cursor_expired']);
    expect(refetched).to.deep.equal([[s.snapshot_id]]);
    expect(client.events!.lastEventId).to.equal('42');
  });
});
