import assert from 'node:assert/strict';
import type { Pool } from 'pg';
import pg from 'pg';
import { stagingStoreContract, makeSnapshot } from '../../../contract/staging-store.js';
import { createPostgresStagingStore } from '../../../../src/core/host/node/postgres/staging-store.js';
import { migrate } from '../../../../src/core/host/node/postgres/migrations.js';
import { createScp } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import {
  AlreadySavedError,
  ConflictError,
  CorruptEntryError,
  NotFoundError,
} from '../../../../src/core/errors/index.js';
import { createTestDatabase } from '../../../helpers/postgres.mjs';

let pool: Pool;
let n = 0;
before(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('staging'), max: 20 });
  await migrate(pool);
});
after(async () => {
  await pool.end();
});

// Each store gets its own tenant: the suites share one database without seeing each other's rows.
stagingStoreContract('postgres', () => createPostgresStagingStore({ pool, tenant: `t${++n}` }));

describe('postgres staging store shared by several host instances', () => {
  /** Two host instances' cores on one ledger and one tenant of the shared store. */
  const twoInstances = (tenant: string) => {
    const ledger = createMemoryLedger();
    const open = (actor: string) =>
      createScp({ ledger, staging: createPostgresStagingStore({ pool, tenant }), channel: false, actor });
    return { ledger, one: open('ana'), two: open('bo') };
  };

  it('lets exactly one of two instances claim the same snapshots; the other learns who saved them', async () => {
    const tenant = `claim${++n}`;
    const a = createPostgresStagingStore({ pool, tenant });
    const b = createPostgresStagingStore({ pool, tenant });
    const s1 = makeSnapshot();
    const s2 = makeSnapshot();
    await a.writeSnapshots({ put: [s1, s2] });
    const ids = [s1.snapshot_id, s2.snapshot_id];
    const [ra, rb] = await Promise.all([a.claimForSave!(ids), b.claimForSave!([s2.snapshot_id, s1.snapshot_id])]);
    assert.equal([ra, rb].filter((r) => r.ok).length, 1, 'exactly one claim wins');
    const [winner, loser] = ra.ok ? [a, rb] : [b, ra];
    assert.deepEqual(!loser.ok && loser.busy.sort(), [...ids].sort());
    await winner.markSaved!(ids, 'c0ffee');
    const again = await b.claimForSave!(ids);
    assert.deepEqual(again, { ok: false, saved: ids.map((id) => ({ id, commit: 'c0ffee' })), busy: [], missing: [] });
    // Saved rows are no longer pending for anyone.
    assert.deepEqual(await b.listSnapshots(), []);
    assert.equal(await b.getSnapshot(s1.snapshot_id), undefined);
  });

  it('takes nothing when one id of the selection is held (all or none), and a released claim is free again', async () => {
    const tenant = `claim${++n}`;
    const a = createPostgresStagingStore({ pool, tenant });
    const b = createPostgresStagingStore({ pool, tenant });
    const [s1, s2] = [makeSnapshot(), makeSnapshot()];
    await a.writeSnapshots({ put: [s1, s2] });
    assert.deepEqual(await a.claimForSave!([s1.snapshot_id]), { ok: true });
    const r = await b.claimForSave!([s2.snapshot_id, s1.snapshot_id, 'security_20260101_000000_gone']);
    assert.equal(r.ok, false);
    assert.deepEqual(!r.ok && { busy: r.busy, missing: r.missing }, {
      busy: [s1.snapshot_id],
      missing: ['security_20260101_000000_gone'],
    });
    // s2 was not kept by the failed claim.
    assert.deepEqual(await a.claimForSave!([s2.snapshot_id]), { ok: true });
    await a.releaseClaim!([s1.snapshot_id, s2.snapshot_id]);
    assert.deepEqual(await b.claimForSave!([s1.snapshot_id, s2.snapshot_id]), { ok: true });
  });

  it('saves a snapshot once when two instances save it at the same time: the other gets already_saved', async () => {
    const { ledger, one, two } = twoInstances(`save${++n}`);
    for (let round = 0; round < 5; round++) {
      const staged = await one.staging.stage('security', { round, findings: [round] });
      assert.ok(staged.staged);
      const id = staged.snapshot.snapshot_id;
      const results = await Promise.allSettled([one.staging.save([id]), two.staging.save([id])]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 1, `round ${round}: one save wins`);
      assert.ok(failed[0]!.reason instanceof AlreadySavedError, `round ${round}: ${failed[0]!.reason}`);
      assert.equal(failed[0]!.reason.code, 'already_saved');
      const page = await ledger.list({ kind: 'audit', limit: 500 });
      assert.equal(page.entries.filter((e) => e.id === id).length, 1, 'one ledger entry');
      // Afterwards the answer names the commit.
      const late = await two.staging.save([id]).catch((e: unknown) => e);
      assert.ok(late instanceof AlreadySavedError);
      assert.equal(late.data.commits[id], (ok[0] as PromiseFulfilledResult<{ commit: string }>).value.commit);
    }
    assert.equal((await ledger.list({ kind: 'audit', limit: 500 })).entries.length, 5);
  });

  it('records a discard once when two instances discard the same snapshot at the same time: the other is told it is gone', async () => {
    const { ledger, one, two } = twoInstances(`discard${++n}`);
    const discardsOf = async (id: string) => {
      const page = await ledger.list({ kind: 'action', limit: 500 });
      const actions = await Promise.all(page.entries.map((e) => ledger.getAction!(e.id)));
      return actions.filter((a) => a?.action === 'discard' && a.targets.some((t) => t.id === id));
    };
    for (let round = 0; round < 5; round++) {
      const staged = await one.staging.stage('security', { round, discard: true });
      assert.ok(staged.staged);
      const id = staged.snapshot.snapshot_id;
      const results = await Promise.allSettled([
        one.staging.discard([id], { reason: 'noise' }),
        two.staging.discard([id], { reason: 'noise' }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      assert.equal(ok.length, 1, `round ${round}: one discard is recorded`);
      // Gone already (not pending) or still being discarded by the other (busy): typed, never a second record.
      const e = failed[0]!.reason as Error;
      assert.ok(
        e instanceof NotFoundError || (e instanceof ConflictError && e.data.reason === 'busy'),
        `round ${round}: ${e}`,
      );
      assert.equal((await discardsOf(id)).length, 1, `round ${round}: one discard entry`);
      const late = await two.staging.discard([id]).catch((x: unknown) => x);
      assert.ok(late instanceof NotFoundError, `round ${round}: a later discard: ${late}`);
      assert.equal((await discardsOf(id)).length, 1);
    }
    // A discard racing a save of the same snapshot: one of them happens, never both.
    const staged = await one.staging.stage('security', { race: true });
    assert.ok(staged.staged);
    const id = staged.snapshot.snapshot_id;
    const [saved, discarded] = await Promise.allSettled([
      one.staging.save([id]),
      two.staging.discard([id], { reason: 'noise' }),
    ]);
    assert.equal([saved, discarded].filter((r) => r.status === 'fulfilled').length, 1);
    const inLedger = (await ledger.list({ kind: 'audit', limit: 500 })).entries.some((x) => x.id === id);
    assert.equal(inLedger, saved.status === 'fulfilled');
    assert.equal((await discardsOf(id)).length, discarded.status === 'fulfilled' ? 1 : 0);
  });
});

describe('postgres staging store reading damaged rows', () => {
  it('reports a row that does not match its schema as a CorruptEntryError naming it, instead of handing it on', async () => {
    const tenant = `damaged${++n}`;
    const store = createPostgresStagingStore({ pool, tenant });
    const good = makeSnapshot();
    await store.writeSnapshots({ put: [good] });
    // Another version (or a hand edit) left rows this one cannot read as snapshots and runs.
    await pool.query('INSERT INTO scp_pending (tenant, snapshot_id, meta, body) VALUES ($1, $2, $3, $4)', [
      tenant,
      'bad_1',
      JSON.stringify({ snapshot_id: 'bad_1', card_key: 7 }),
      '{"snapshot_id": "bad_1", "data": ',
    ]);
    await pool.query('INSERT INTO scp_live_runs (tenant, run_id, body) VALUES ($1, $2, $3)', [
      tenant,
      'run_bad',
      JSON.stringify({ run: { run_id: 'run_bad' }, events: 'none' }),
    ]);
    const list = await store.listSnapshots().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(list instanceof CorruptEntryError, String(list));
    assert.match(list.data.path, /bad_1/);
    await assert.rejects(store.getSnapshot('bad_1'), CorruptEntryError);
    await assert.rejects(store.getRun('run_bad'), CorruptEntryError);
    await assert.rejects(store.listRuns(), CorruptEntryError);
    // The rows that are fine still read.
    assert.equal((await store.getSnapshot(good.snapshot_id))?.snapshot_id, good.snapshot_id);
  });
});
