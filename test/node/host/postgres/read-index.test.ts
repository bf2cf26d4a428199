// The shared read index in PostgreSQL: the ReadIndex contract, then what sharing adds — updates
// refused when another instance moved the index, and clones that lag each other never rolling
// the rows back or listing what the remote does not hold.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import http from 'isomorphic-git/http/node';
import type { Pool } from 'pg';
import pg from 'pg';
import { ConflictError } from '../../../../src/core/errors/index.js';
import { migrate } from '../../../../src/core/host/node/postgres/migrations.js';
import { createPostgresReadIndex } from '../../../../src/core/host/node/postgres/read-index.js';
import { createGitLedger, remoteOfRecord } from '../../../../src/core/ledger/git/index.js';
import { normalizeQuery } from '../../../../src/core/ledger/query.js';
import { makeAudit } from '../../../contract/ledger.js';
import { readIndexContract, sampleMetas } from '../../../contract/read-index.js';
import { createTestDatabase } from '../../../helpers/postgres.mjs';
import { gitServerSuite } from '../../ledger-git/git-helpers.js';

let pool: Pool;
let n = 0;
before(async () => {
  pool = new pg.Pool({ connectionString: await createTestDatabase('readindex'), max: 10 });
  await migrate(pool);
});
after(async () => {
  await pool.end();
});

// Each index its own ledger name: the suites share one database without seeing each other's rows.
readIndexContract('postgres', async () => createPostgresReadIndex({ pool, name: `ledger-${++n}` }));

describe('postgres read index shared by several host instances', () => {
  const suite = gitServerSuite('scp-shared-index-');
  const clone = (url: string, name: string) => {
    const dir = suite.scratchDir();
    return createGitLedger({ fs, http, dir, remote: { url }, index: createPostgresReadIndex({ pool, name }) });
  };
  const ids = async (l: { list: (q: object) => Promise<{ entries: { id: string }[] }> }) =>
    (await l.list({ limit: 500 })).entries.map((e) => e.id).sort();

  it('refuses an update built on a head that is no longer its own, and keeps its rows', async () => {
    const index = createPostgresReadIndex({ pool, name: `cas-${++n}` });
    const [a, b] = sampleMetas(2, 5);
    await index.apply({ head: 'a'.repeat(40), put: [a!], remove: [], reset: true, base: null });
    await assert.rejects(
      index.apply({
        head: 'c'.repeat(40),
        put: [b!],
        remove: [{ kind: a!.kind, id: a!.id }],
        reset: true,
        base: 'b'.repeat(40),
      }),
      (e: unknown) => e instanceof ConflictError && e.code === 'conflict',
    );
    assert.equal(await index.head(), 'a'.repeat(40));
    assert.deepEqual(
      (await index.query(normalizeQuery({}))).entries.map((m) => m.id),
      [a!.id],
    );
    // A refused catch-up in batches leaves none of its parked rows behind.
    const name = `cas-${n}`;
    const many = sampleMetas(1200, 9);
    await index.apply({
      head: undefined,
      put: many.slice(0, 600),
      remove: [],
      reset: true,
      base: 'b'.repeat(40),
      run: 'r1',
      partial: true,
    });
    await assert.rejects(
      index.apply({
        head: 'd'.repeat(40),
        put: many.slice(600),
        remove: [],
        base: 'b'.repeat(40),
        run: 'r1',
        partial: false,
      }),
      ConflictError,
    );
    assert.equal(
      (await pool.query('SELECT count(*)::int AS n FROM scp_index_staged WHERE name = $1', [name])).rows[0].n,
      0,
    );
    assert.deepEqual(
      (await index.query(normalizeQuery({}))).entries.map((m) => m.id),
      [a!.id],
    );
  });

  it('a lagging clone lists from the rows another instance indexed, and never rolls them back', async () => {
    const { url } = await suite.server.createUniqueRepo('shared-index');
    const name = `lag-${++n}`;
    const a = remoteOfRecord(await clone(url, name));
    const first = makeAudit();
    await a.write({ audits: [first] });
    // B fetches now, then falls behind while A saves more.
    const bGit = await clone(url, name);
    await bGit.sync();
    const later = [makeAudit(), makeAudit()];
    await a.write({ audits: [later[0]!] });
    await a.write({ audits: [later[1]!] });
    const all = [first, ...later].map((x) => x.snapshot_id).sort();
    assert.deepEqual(await ids(a), all);
    const indexHead = await createPostgresReadIndex({ pool, name }).head();
    // B's clone holds only the first save; its lists still show every save, and the index stays put.
    assert.deepEqual(await ids(bGit), all);
    assert.equal(await createPostgresReadIndex({ pool, name }).head(), indexHead);
    // Once B has caught up it moves the index forward itself after a new save lands.
    const b = remoteOfRecord(bGit);
    const third = makeAudit();
    await b.write({ audits: [third] });
    assert.deepEqual(await ids(b), [...all, third.snapshot_id].sort());
    assert.deepEqual(await ids(a), [...all, third.snapshot_id].sort());
  });

  it('never lists a commit the remote does not hold', async () => {
    const { url } = await suite.server.createUniqueRepo('shared-unpushed');
    const name = `unpushed-${++n}`;
    const a = remoteOfRecord(await clone(url, name));
    const saved = makeAudit();
    await a.write({ audits: [saved] });
    // A clone that commits locally and never pushes.
    const local = await clone(url, name);
    await local.sync();
    const unpushed = makeAudit();
    await local.write({ audits: [unpushed] });
    assert.deepEqual(await ids(local), [saved.snapshot_id]);
    assert.deepEqual(await ids(a), [saved.snapshot_id]);
  });
});
