import assert from 'node:assert/strict';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { faultyLedger } from '../../helpers/faulty-ledger.js';
import { fixture, until, type Fixture } from './runs-fixture.js';

describe('runs recovery', () => {
  let f: Fixture;
  afterEach(() => f.dispose());

  it('finishes a run whose heartbeat is older than the lease as abandoned, duration frozen at the last heartbeat', async () => {
    f = fixture({ heartbeatMs: 5 });
    const h = await f.runs.start({ type: 'deploy', subtype: 'deploy:k8s' });
    await h.event({ type: 'step', target: 'api' });
    f.clock.advance(4_000);
    await until(
      () => f.store.getRun(h.id),
      (r) => r?.run.heartbeat_at === '2026-02-17T20:45:04.000Z',
    ); // heartbeat at T0 + 4 s
    f.runs.dispose(); // the tab dies: no more heartbeats
    assert.equal((await f.store.getRun(h.id))?.run.heartbeat_at, '2026-02-17T20:45:04.000Z');

    f.clock.advance(30_001);
    const next = f.another();
    const abandoned = await next.recoverAbandoned();
    assert.deepEqual(
      abandoned.map((r) => [r.run_id, r.status]),
      [[h.id, 'abandoned']],
    );
    const rec = await f.ledger.getRun(h.id);
    assert.equal(rec?.run.status, 'abandoned');
    assert.equal(rec?.run.ended_at, '2026-02-17T20:45:04.000Z');
    assert.equal(rec?.run.duration_ms, 4_000);
    assert.deepEqual(
      rec?.events.map((e) => e.seq),
      [1],
      'events recorded before the crash are kept',
    );
    assert.equal(
      await until(
        () => f.store.getRun(h.id),
        (r) => r === undefined,
      ),
      undefined,
    );
    const completed = f.seen
      .filter((s) => s.name === 'run:completed')
      .map((s) => s.payload as { status: string; run_id: string });
    assert.deepEqual(
      completed.map((c) => [c.run_id, c.status]),
      [[h.id, 'abandoned']],
    );
  });

  it('leaves alone a run of another live client whose heartbeat is within the lease', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'deploy' });
    f.clock.advance(29_000);
    const other = f.another();
    assert.deepEqual(await other.recoverAbandoned(), []);
    assert.equal((await f.store.getRun(h.id))?.run.status, 'running');
    assert.equal(await f.ledger.getRun(h.id), undefined);
    await h.finish();
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(h.id))?.run.status, 'ok', 'its owner still writes it');
  });

  it('recovers on start-up by default, without the host asking', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'backup' });
    f.runs.dispose();
    f.clock.advance(60_000);
    f.another({ recoverOnStart: true });
    await until(
      () => f.ledger.getRun(h.id),
      (r) => r !== undefined,
    );
    assert.equal((await f.ledger.getRun(h.id))?.run.status, 'abandoned');
  });

  it('writes on the next start the finished runs a failed ledger write left in the store', async () => {
    const ledger = faultyLedger(createMemoryLedger());
    f = fixture({ ledger });
    ledger.failWrites(Infinity);
    const ids = await Promise.all([1, 2, 3].map(() => f.runs.track({ type: 'build' }, (h) => h.id)));
    await assert.rejects(f.runs.flush());
    f.runs.dispose(); // reload while the ledger was failing
    assert.deepEqual(
      (await f.store.listRuns()).map((r) => r.run.status),
      ['ok', 'ok', 'ok'],
    );

    ledger.failWrites(0);
    const next = f.another();
    assert.deepEqual(await next.recoverAbandoned(), [], 'finished runs are written as they were, not abandoned');
    for (const id of ids) assert.equal((await ledger.getRun(id))?.run.status, 'ok');
    assert.deepEqual(
      await until(
        () => f.store.listRuns(),
        (l) => l.length === 0,
      ),
      [],
    );
  });

  it('does not write twice a finished run that reached the ledger before its tab died', async () => {
    f = fixture();
    const h = await f.runs.start({ type: 'git' });
    const finishedRun = await h.finish();
    await f.runs.flush();
    // The tab died between the ledger write and the store cleanup: the store still holds it.
    await f.store.putRun({ run: { ...finishedRun }, events: [] });
    f.runs.dispose();
    const writes = f.ledger.writes.length;
    await f.another().recoverAbandoned();
    assert.equal(f.ledger.writes.length, writes);
    assert.equal(await f.store.getRun(h.id), undefined);
  });

  it('when another client already wrote some of a batch, writes the rest without an error', async () => {
    f = fixture({ groupCommitMs: 60_000 });
    const first = await f.runs.track({ type: 'build' }, (h) => h.id);
    await f.another().recoverAbandoned(); // adopts and writes the finished run waiting in the store
    assert.equal((await f.ledger.getRun(first))?.run.status, 'ok');
    const second = await f.runs.track({ type: 'build' }, (h) => h.id);
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(second))?.run.status, 'ok');
    const written = f.ledger.writes.flatMap((w) => w.runs ?? []).map((r) => r.run.run_id);
    assert.deepEqual(
      written,
      [first, first, second, second],
      'adopted write, conflicting batch, then the missing part alone',
    );
  });

  it('retries a failed background group commit on the next heartbeat', async () => {
    f = fixture({ heartbeatMs: 10, groupCommitMs: 1 });
    f.ledger.failWrites(1);
    const id = await f.runs.track({ type: 'deploy' }, (h) => h.id);
    await until(
      () => f.ledger.getRun(id),
      (r) => r !== undefined,
    );
    assert.equal(f.ledger.writes.length, 2);
    assert.equal((await f.ledger.getRun(id))?.run.status, 'ok');
  });
});
