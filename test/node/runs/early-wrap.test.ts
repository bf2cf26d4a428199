import assert from 'node:assert/strict';
import { createScp } from '../../../src/core/client.js';
import { RunPendingError, StorageClosedError } from '../../../src/core/errors/index.js';
import { createRuns } from '../../../src/core/runs/runs.js';
import { createLazyRuns } from '../../../src/core/runs/lazy.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import { createEventBus } from '../../../src/core/events/bus.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';

// createScp loads the runs code after it returns; `wrap` called before that must behave as it does after.
const SECRET = `ghp_${'A1b2C3d4E5'.repeat(4)}`;

describe('runs.wrap before the runs code has loaded', () => {
  function lazyRuns(delayMs: number) {
    const ledger = createMemoryLedger();
    let loaded = false;
    const runs = createLazyRuns(async (now) => {
      await new Promise((r) => setTimeout(r, delayMs));
      loaded = true;
      return createRuns({
        store: createMemoryStagingStore(),
        ledger,
        bus: createEventBus({ channel: false }),
        redactor: createRedactor(),
        now,
        groupCommitMs: 0,
      });
    });
    return { runs, ledger, isLoaded: () => loaded };
  }

  it('keeps a synchronous function synchronous and records its run, events and times once the code is in', async () => {
    const { runs, ledger, isLoaded } = lazyRuns(40);
    const before = Date.now();
    let seenHandle: { event(e: { type: string; message?: string }): Promise<unknown> } | undefined;
    const value = runs.wrap!(
      { type: 'deploy', subtype: 'deploy:k8s', target: 'prod', summary: `pushing with ${SECRET}` },
      (h) => {
        seenHandle = h;
        void h.event({ type: 'step', message: 'rolling out' });
        return 42;
      },
    );
    const after = Date.now();
    assert.equal(value, 42, 'the value comes back synchronously');
    assert.equal(isLoaded(), false, 'the call happened before the runs code arrived');
    const early = (seenHandle as unknown as { id: string }).id;
    assert.match(early, /^run_\d{8}T\d{6}Z_deploy_/, 'the handle knows its id before the code is in');
    assert.throws(() => (seenHandle as unknown as { run: unknown }).run, RunPendingError);
    await runs.flush();
    const [entry] = (await ledger.list({ kind: 'run' })).entries;
    assert.ok(entry, 'the run reached the ledger');
    assert.equal(entry.id, early, 'the run is recorded under the id the handle gave out');
    const rec = await ledger.getRun(entry.id);
    assert.equal(rec?.run.status, 'ok');
    assert.equal(rec?.run.target, 'prod');
    assert.ok(!rec?.run.summary.includes(SECRET), `the summary was redacted: ${rec?.run.summary}`);
    const started = Date.parse(rec!.run.started_at);
    assert.ok(
      started >= before - 1 && started <= after + 1,
      `started_at is the time of the call (${rec!.run.started_at})`,
    );
    assert.ok(
      (rec?.run.duration_ms ?? Infinity) < 30,
      `duration is the function's, not the load's (${rec?.run.duration_ms} ms)`,
    );
    assert.deepEqual(
      rec?.events.map((e) => [e.type, e.message]),
      [['step', 'rolling out']],
    );
  });

  it('passes a throw through unchanged and records the run as failed', async () => {
    const { runs, ledger } = lazyRuns(20);
    const boom = new Error('disk full');
    assert.throws(
      () =>
        runs.wrap!({ type: 'backup' }, () => {
          throw boom;
        }),
      (e) => e === boom,
    );
    await runs.flush();
    await new Promise((r) => setTimeout(r, 30));
    await runs.flush();
    const [entry] = (await ledger.list({ kind: 'run' })).entries;
    assert.equal((await ledger.getRun(entry!.id))?.run.status, 'failed');
  });

  it('resolves a promise-returning function once its run is recorded, and honours a finish() the function made itself', async () => {
    const { runs, ledger } = lazyRuns(20);
    const out = runs.wrap!({ type: 'build' }, async (h) => {
      await h.finish({ status: 'partial', summary: '3 of 4 targets built' });
      return 'done';
    });
    assert.equal(await out, 'done');
    await runs.flush();
    const [entry] = (await ledger.list({ kind: 'run' })).entries;
    const run = (await ledger.getRun(entry!.id))?.run;
    assert.deepEqual([run?.status, run?.summary], ['partial', '3 of 4 targets built']);
  });

  it('refuses new runs after dispose, as the loaded runs do', () => {
    const { runs } = lazyRuns(20);
    runs.dispose();
    assert.throws(() => runs.wrap!({ type: 'test' }, () => 1), StorageClosedError);
  });

  it('works through createScp right after it returns', async () => {
    const scp = createScp({ actor: 'ana', runs: { groupCommitMs: 0 } });
    const v = scp.runs.wrap!({ type: 'setup' }, () => 'ok');
    assert.equal(v, 'ok');
    const ledger = scp.ledger;
    await scp.close();
    const [entry] = (await ledger.list({ kind: 'run' })).entries;
    assert.equal((await ledger.getRun(entry!.id))?.run.user, 'ana');
  });
});
