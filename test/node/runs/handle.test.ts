import assert from 'node:assert/strict';
import { QuotaError, RunFinishedError } from '../../../src/core/errors/index.js';
import type { RunEvent } from '../../../src/core/schemas/run.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import type { StagingStore } from '../../../src/core/storage/types.js';
import { fixture, GH_TOKEN, sleep, until, type Fixture } from './runs-fixture.js';

describe('runs manual handle', () => {
  let f: Fixture;
  afterEach(() => f.dispose());

  it('numbers events 1, 2, 3 with ISO times, redacts their detail and emits run:event for each', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'deploy', subtype: 'k8s' });
    const e1 = await h.event({
      type: 'step',
      target: 'api',
      status: 'ok',
      detail: { auth: 'Bearer abcdefgh12345678', note: GH_TOKEN },
    });
    f.clock.advance(1500);
    const [e2, e3] = await Promise.all([
      h.event({ type: 'step', target: 'web' }),
      h.event({ type: 'step', target: 'db', duration_ms: 12 }),
    ]);
    assert.deepEqual([e1.seq, e2!.seq, e3!.seq], [1, 2, 3]);
    assert.equal(e1.ts, '2026-02-17T20:45:00.000Z');
    assert.equal(e2!.ts, '2026-02-17T20:45:01.500Z');
    assert.deepEqual(e1.detail, { auth: 'Bearer [REDACTED:bearer_auth]', note: '[REDACTED:github_token]' });
    const emitted = f.seen
      .filter((s) => s.name === 'run:event')
      .map((s) => (s.payload as { event: RunEvent }).event.seq);
    assert.deepEqual(emitted, [1, 2, 3]);
    const run = await h.finish({ status: 'partial', summary: '2 of 3 deployed' });
    assert.equal(run.status, 'partial');
    assert.equal(run.subtype, 'deploy:k8s');
    assert.equal(run.duration_ms, 1500);
    await f.runs.flush();
    const rec = await f.ledger.getRun(h.id);
    assert.deepEqual(
      rec?.events.map((e) => [e.seq, e.target]),
      [
        [1, 'api'],
        [2, 'web'],
        [3, 'db'],
      ],
    );
    assert.equal(rec?.run.summary, '2 of 3 deployed');
    assert.equal(rec?.run.heartbeat_at, undefined, 'live-only fields stay out of the ledger');
  });

  it('keeps event details far more whole than run metadata, bounded, JSON-only', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'git' });
    const files = Array.from({ length: 400 }, (_, i) => `f${i}.txt`);
    const e = await h.event({ type: 'repo_changes', detail: { files, tail: 'y'.repeat(20_000), fn: () => 1 } });
    assert.equal((e.detail!.files as string[]).length, 400);
    assert.equal((e.detail!.tail as string).length, 16_384);
    assert.ok(!('fn' in e.detail!));
    const wrapped = await h.event({ type: 'note', detail: 'plain text' as unknown as Record<string, unknown> });
    assert.deepEqual(wrapped.detail, { value: 'plain text' });
  });

  it('refuses a second finish and an event after finish with RunFinishedError', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'build' });
    await h.finish();
    await assert.rejects(
      h.finish(),
      (e) => e instanceof RunFinishedError && e.code === 'run_finished' && e.data.run_id === h.id,
    );
    await assert.rejects(h.event({ type: 'late' }), (e) => e instanceof RunFinishedError && e.data.status === 'ok');
  });

  it('does not finish twice when the action finishes its own run inside track', async () => {
    f = fixture();
    let id = '';
    const out = await f.runs.track({ type: 'plan' }, async (h) => {
      id = h.id;
      await h.finish({ status: 'partial' });
      return 'done';
    });
    assert.equal(out, 'done');
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(id))?.run.status, 'partial');
    assert.equal(f.seen.filter((s) => s.name === 'run:completed').length, 1);
  });

  it('rejects an event without a type', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'build' });
    await assert.rejects(h.event({ type: ' ' }), (e: { code?: string }) => e.code === 'validation');
  });

  it('records who/what/where from the spec first, then the context provider, else unknown and empty', async () => {
    f = fixture({
      context: () => ({
        actor: 'ctx-user',
        code_ref: 'abc123',
        correlation_id: 'req-ctx',
        target: 'ctx-target',
        environment: 'prod',
      }),
    });
    const a = await f.runs.start({
      type: 'deploy',
      actor: 'ana',
      target: 'cluster-1',
      reason: 'hotfix #12',
      correlation_id: 'req-1',
      code_ref: 'def456',
    });
    assert.deepEqual(
      [a.run.user, a.run.target, a.run.reason, a.run.correlation_id, a.run.code_ref, a.run.environment],
      ['ana', 'cluster-1', 'hotfix #12', 'req-1', 'def456', 'prod'],
    );
    const b = await f.runs.start({ type: 'deploy' });
    assert.deepEqual(
      [b.run.user, b.run.target, b.run.reason, b.run.correlation_id, b.run.code_ref],
      ['ctx-user', 'ctx-target', undefined, 'req-ctx', 'abc123'],
    );
    const g = fixture({
      context: () => {
        throw new Error('provider broke');
      },
    });
    try {
      const c = await g.runs.start({ type: 'deploy' });
      assert.deepEqual([c.run.user, c.run.code_ref, c.run.target], ['unknown', '', undefined]);
    } finally {
      g.dispose();
    }
  });

  it('keeps a live run in the store with a heartbeat until it is written, and live() lists it', async () => {
    f = fixture({ heartbeatMs: 10 });
    const h = await f.runs.start({ type: 'deploy' });
    const stored = await f.store.getRun(h.id);
    assert.equal(stored?.run.status, 'running');
    assert.equal(stored?.run.heartbeat_at, '2026-02-17T20:45:00.000Z');
    f.clock.advance(7_000);
    const beat = await until(
      () => f.store.getRun(h.id),
      (r) => r?.run.heartbeat_at === '2026-02-17T20:45:07.000Z',
    );
    assert.equal(beat?.run.heartbeat_at, '2026-02-17T20:45:07.000Z');
    assert.deepEqual(
      (await f.runs.live()).map((r) => r.run_id),
      [h.id],
    );
    await h.finish();
    assert.deepEqual(await f.runs.live(), []);
    await f.runs.flush();
    assert.equal(
      await until(
        () => f.store.getRun(h.id),
        (r) => r === undefined,
      ),
      undefined,
    );
  });

  it('a slow heartbeat write never puts a finished run back to running in the store', async () => {
    // A store where writing a running run is slow and writing a finished one is instant: without
    // ordered writes per run, the heartbeat's write would land after the finish and win.
    const inner = createMemoryStagingStore();
    const store: StagingStore = {
      ...inner,
      putRun: async (live) => {
        if (live.run.status === 'running') await sleep(30);
        return inner.putRun(live);
      },
    };
    f = fixture({ store, heartbeatMs: 5, groupCommitMs: 10_000 });
    const h = await f.runs.start({ type: 'deploy' });
    await sleep(8); // a heartbeat write is in flight
    await h.finish();
    await sleep(60);
    assert.equal((await inner.getRun(h.id))?.run.status, 'ok');
  });

  it('a failing staging store does not break the tracked action, and the run still reaches the ledger', async () => {
    const inner = createMemoryStagingStore();
    const store: StagingStore = {
      ...inner,
      putRun: async () => {
        throw new QuotaError('full', { data: { store: 'test' } });
      },
    };
    f = fixture({ store });
    const result = { ok: true };
    let id = '';
    assert.equal(
      await f.runs.track({ type: 'scan' }, (h) => {
        id = h.id;
        return result;
      }),
      result,
    );
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(id))?.run.status, 'ok');
  });

  it('writes a burst of 20 finished runs as one ledger write', async () => {
    f = fixture({ groupCommitMs: 30 });
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) => f.runs.track({ type: 'test', subtype: `test:${i}` }, (h) => h.id)),
    );
    for (let i = 0; i < 200 && !f.ledger.writes.length; i++) await sleep(5); // the group-commit timer fires
    await f.runs.flush(); // waits for that write to finish (nothing is left for a second one)
    assert.equal(f.ledger.writes.length, 1);
    assert.deepEqual(f.ledger.writes[0]!.runs!.map((r) => r.run.run_id).sort(), [...ids].sort());
    assert.equal(new Set(ids).size, 20);
    for (const id of ids) assert.equal((await f.ledger.getRun(id))?.run.status, 'ok');
  });

  it('get() reads the ledger first, then live runs; a missing id is undefined and a bad one an InvalidIdError', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'deploy' });
    assert.equal((await f.runs.get(h.id))?.run.status, 'running');
    await h.finish({ result: { ok: false } });
    await f.runs.flush();
    assert.equal((await f.runs.get(h.id))?.run.status, 'failed');
    assert.equal(await f.runs.get('run_20260217T204500Z_deploy_zzzz'), undefined);
    await assert.rejects(f.runs.get('../x'), (e: { code?: string }) => e.code === 'invalid_id');
  });

  it('live() shows runs of another client sharing the store', async () => {
    f = fixture();
    const other = f.another();
    const h = await other.start({ type: 'scan' });
    assert.deepEqual(
      (await f.runs.live()).map((r) => r.run_id),
      [h.id],
    );
  });

  it('refuses new runs after dispose with a typed error', async () => {
    f = fixture();
    f.runs.dispose();
    await assert.rejects(f.runs.start({ type: 'deploy' }), (e: { code?: string }) => e.code === 'storage_closed');
  });
});
