// The simulated origin the host-mode playground runs on (demo/origin-api: the origin's endpoints,
// the ones docs/host-api.md adds and a live SSE stream), checked through the real host client in
// a real service worker: what the demo shows is what a host would answer.
import { expect } from '@esm-bundle/chai';
import { setupWorker } from 'msw/browser';
import { createHostClient, type HostClient } from '../../../src/core/host/host-client.js';
import type { BusEventName } from '../../../src/core/schemas/events.js';
import { createOriginState, simulatedOriginHandlers, type OriginState } from '../../../demo/origin-api/index.js';
import { until as pollUntil } from '../../helpers/until.js';

const BASE = `${location.origin}/simulated-origin`;

const until = (check: () => boolean, what: string) => pollUntil(check, what, 5_000);

const WATCHED: BusEventName[] = [
  'audit:pending',
  'audit:saved',
  'audit:discarded',
  'run:started',
  'run:event',
  'run:completed',
  'sys:reset',
];

describe('simulated origin API (demo/origin-api) through the host client', () => {
  let state: OriginState;
  const clients: HostClient[] = [];
  const worker = setupWorker();
  before(async () => {
    await worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
  });
  after(() => worker.stop());
  beforeEach(() => {
    state = createOriginState({ actor: 'alex', codeRef: 'a1b2c3d4e5f60718' });
    worker.resetHandlers(...simulatedOriginHandlers(state, BASE));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
  });

  /** A connected client and the bus events it has seen, as `name key`. */
  async function connect(lastEventId?: string) {
    const client = createHostClient({
      baseUrl: BASE,
      events: { initialDelayMs: 50, ...(lastEventId !== undefined && { lastEventId }) },
    });
    clients.push(client);
    const seen: string[] = [];
    for (const name of WATCHED) {
      client.bus.on(name, (p) => {
        const o = p as Record<string, unknown>;
        seen.push(
          `${name} ${String(o.snapshot_id ?? o.run_id ?? o.reason)}${name === 'run:completed' ? ` ${String(o.status)}` : ''}`,
        );
      });
    }
    await client.events!.ready();
    return { client, seen };
  }

  it('stages a scan (one pending per card), announces it on the stream, and redacts secrets it carries', async () => {
    const { client, seen } = await connect();
    const first = await client.staging.stage('security', { findings: 1 }, { summary: '1 issue' });
    const second = await client.staging.stage(
      'security',
      { findings: 2, db: { password: 'hunter2-prod' } },
      { summary: '2 issues' },
    );
    expect(first.staged && second.staged).to.equal(true);
    if (!first.staged || !second.staged) return;
    expect(first.snapshot.snapshot_id).to.match(/^security_\d{8}_\d{6}$/);
    expect(second.replaced).to.deep.equal([first.snapshot.snapshot_id]);
    expect((await client.staging.list()).map((p) => p.snapshot_id)).to.deep.equal([second.snapshot.snapshot_id]);
    const stored = await client.staging.get(second.snapshot.snapshot_id);
    expect(JSON.stringify(stored.data)).not.to.contain('hunter2-prod');
    expect(stored.redacted).to.have.length.greaterThan(0);
    expect(await client.staging.stage('security', { findings: 2, db: { password: 'hunter2-prod' } })).to.deep.equal({
      staged: false,
      reason: 'unchanged',
      card_key: 'security',
    });
    await until(() => seen.length === 2, 'two audit:pending events');
    expect(seen).to.deep.equal([
      `audit:pending ${first.snapshot.snapshot_id}`,
      `audit:pending ${second.snapshot.snapshot_id}`,
    ]);
  });

  it('save lands in the ledger history with the session user; discard and save are announced', async () => {
    const { client, seen } = await connect();
    const a = await client.staging.stage('security', { n: 1 }, { summary: 'one' });
    const b = await client.staging.stage('k8s', { n: 2 }, { summary: 'two' });
    if (!a.staged || !b.staged) throw new Error('not staged');
    expect(await client.staging.save([a.snapshot.snapshot_id])).to.deep.equal({
      saved: [a.snapshot.snapshot_id],
      commit: '',
    });
    expect(await client.staging.discard([b.snapshot.snapshot_id])).to.deep.equal({
      discarded: [b.snapshot.snapshot_id],
    });
    const page = await client.ledger.list({ kind: 'audit' });
    expect(page.entries.map((e) => [e.id, e.card_key, e.actor, e.summary])).to.deep.equal([
      [a.snapshot.snapshot_id, 'security', 'alex', 'one'],
    ]);
    expect((await client.refs.resolve(`@audit:${a.snapshot.snapshot_id}`)).source).to.equal('ledger');
    await until(() => seen.length === 4, 'four events');
    expect(seen.slice(2)).to.deep.equal([
      `audit:saved ${a.snapshot.snapshot_id}`,
      `audit:discarded ${b.snapshot.snapshot_id}`,
    ]);
  });

  it('tracks runs on the host: live while running, then recorded with their events and the origin status rule', async () => {
    const { client, seen } = await connect();
    let liveDuring: string[] = [];
    const ok = await client.runs.track({ type: 'deploy', subtype: 'deploy:k8s', target: 'k8s' }, async (run) => {
      await run.event({ type: 'step', status: 'ok', detail: { step: 'apply' } });
      liveDuring = (await client.runs.live()).map((r) => r.status);
      return { ok: true, summary: 'rolled out', replicas: 3 };
    });
    expect(ok).to.deep.equal({ ok: true, summary: 'rolled out', replicas: 3 });
    expect(liveDuring).to.deep.equal(['running']);
    await client.runs.track({ type: 'build', subtype: 'build:docker' }, async () => ({
      ok: false,
      error: 'layer push timed out',
    }));
    const [failed, done] = (
      (await fetch(`${BASE}/api/runs/recent`).then((r) => r.json())) as { runs: { run_id: string; status: string }[] }
    ).runs;
    expect([done!.status, failed!.status]).to.deep.equal(['ok', 'failed']);
    const record = await client.runs.get(done!.run_id);
    expect(record!.run).to.include({
      subtype: 'deploy:k8s',
      status: 'ok',
      summary: 'rolled out',
      user: 'alex',
      target: 'k8s',
    });
    expect(record!.run.metadata).to.deep.equal({ replicas: 3 });
    expect(record!.events.map((e) => [e.seq, e.type, e.status])).to.deep.equal([[1, 'step', 'ok']]);
    expect((await client.runs.get(failed!.run_id))!.run).to.include({
      status: 'failed',
      error: 'layer push timed out',
    });
    expect((await client.ledger.list({ kind: 'run', action: 'deploy:k8s' })).entries.map((e) => e.id)).to.deep.equal([
      done!.run_id,
    ]);
    const suggestions = await client.refs.autocomplete('@run:');
    expect(suggestions.map((s) => s.ref)).to.deep.equal([`@run:${failed!.run_id}`, `@run:${done!.run_id}`]);
    expect(
      suggestions.map((s) => s.section),
      'filed under runs (the origin sends no section)',
    ).to.deep.equal(['runs', 'runs']);
    await until(() => seen.length === 5, 'five run events');
    expect(seen).to.deep.equal([
      `run:started ${done!.run_id}`,
      `run:event ${done!.run_id}`,
      `run:completed ${done!.run_id} ok`,
      `run:started ${failed!.run_id}`,
      `run:completed ${failed!.run_id} failed`,
    ]);
  });

  it('a client resuming from its Last-Event-ID gets exactly the events it missed, in order', async () => {
    const first = await connect();
    await first.client.staging.stage('security', { n: 1 });
    await until(() => first.seen.length === 1, 'first event');
    const cursor = first.client.events!.lastEventId;
    await first.client.close();
    const missed = [
      await first.client.staging.stage('k8s', { n: 2 }),
      await first.client.staging.stage('dns', { n: 3 }),
    ].map((r) => (r.staged ? r.snapshot.snapshot_id : ''));
    const second = await connect(cursor);
    await until(() => second.seen.length === 2, 'replayed events');
    expect(second.seen).to.deep.equal(missed.map((id) => `audit:pending ${id}`));
    expect(second.client.events!.lastEventId).to.equal(String(state.seq));
  });

  it('a cursor this journal never issued gets one reset, then live events', async () => {
    const { client, seen } = await connect('9999');
    await until(() => seen.length === 1, 'reset');
    expect(seen).to.deep.equal(['sys:reset cursor_unknown']);
    const r = await client.staging.stage('docs', { n: 1 });
    await until(() => seen.length === 2, 'live event after the reset');
    expect(seen[1]).to.equal(`audit:pending ${r.staged ? r.snapshot.snapshot_id : ''}`);
  });

  it('a closed client leaves no listener behind on the origin', async () => {
    const { client } = await connect();
    expect(state.listeners.size).to.equal(1);
    await client.close();
    await until(() => state.listeners.size === 0, 'listener removed after close');
  });
});
