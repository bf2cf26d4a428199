import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import pg from 'pg';
import assert from 'node:assert/strict';
import { envelope, journalContract } from '../../../contract/event-journal.js';
import { until } from '../../../helpers/until.js';
import { createEventJournal } from '../../../../src/core/host/node/event-journal.js';
import { createPostgresJournal, closeJournalListener } from '../../../../src/core/host/node/postgres/journal.js';
import { migrate } from '../../../../src/core/host/node/postgres/migrations.js';
import { createTestDatabase } from '../../../helpers/postgres.mjs';

const root = mkdtempSync(join(tmpdir(), 'scp-journal-contract-'));
let n = 0;
after(() => rmSync(root, { recursive: true, force: true }));

journalContract('memory', async (setup) => ({ journal: createEventJournal({ ...setup }) }));

journalContract('JSONL files', async (setup) => {
  const dir = join(root, `j${++n}`);
  // Small segments, so retention (whole segments) shows within a few dozen events.
  const make = () => createEventJournal({ dir, segmentEvents: 5, ...setup });
  return { journal: make(), reopen: async () => make() };
});

let pool: Pool;
let pools: Pool[] = [];
before(async () => {
  const url = await createTestDatabase('journal');
  pool = new pg.Pool({ connectionString: url, max: 10 });
  await migrate(pool);
  pools = [new pg.Pool({ connectionString: url, max: 10 })];
});
after(async () => {
  for (const p of [pool, ...pools]) {
    await closeJournalListener(p);
    await p.end();
  }
});

journalContract('PostgreSQL', async (setup) => {
  const tenant = `t${++n}`;
  const make = (p: Pool) => createPostgresJournal({ pool: p, tenant, ...setup });
  // The peer uses its own pool: a second host instance has its own connections and LISTEN.
  return { journal: await make(pool), peer: () => make(pools[0]!), reopen: () => make(pools[0]!) };
});

describe('PostgreSQL journal wake-ups', () => {
  it('reads what was appended while its LISTEN connection was down, once it is back', async () => {
    const tenant = `reconnect${++n}`;
    // Its own pool, so its LISTEN connection waits a second before coming back: the appends
    // below surely happen while it is down.
    const readerPool = new pg.Pool({ connectionString: pools[0]!.options.connectionString, max: 4 });
    pools.push(readerPool);
    const reader = await createPostgresJournal({ pool: readerPool, tenant, reconnectMs: 1000 });
    const writer = await createPostgresJournal({ pool: pools[0]!, tenant });
    try {
      const seen: number[] = [];
      reader.subscribe((e) => seen.push(e.seq));
      await writer.append(envelope());
      await until(() => seen.length === 1, 'the first event');
      // Cut the reader's LISTEN connection (the server restarting, a network cut) and append
      // while it is down: the notifications of these appends are lost.
      const cut = await pools[0]!.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid()",
      );
      assert.ok(cut.rowCount! >= 1, 'a LISTEN connection was cut');
      for (let i = 0; i < 5; i++) await writer.append(envelope());
      await until(() => seen.length === 6, 'the events appended while disconnected', 10_000);
      assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
    } finally {
      await reader.close?.();
      await writer.close?.();
    }
  });
});
