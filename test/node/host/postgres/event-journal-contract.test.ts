import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Pool } from 'pg';
import pg from 'pg';
import { journalContract } from '../../../contract/event-journal.js';
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
  for (const p of [pool, ...pools]) { await closeJournalListener(p); await p.end(); }
});

journalContract('PostgreSQL', async (setup) => {
  const tenant = `t${++n}`;
  const make = (p: Pool) => createPostgresJournal({ pool: p, tenant, ...setup });
  // The peer uses its own pool: a second host instance has its own connections and LISTEN.
  return { journal: await make(pool), peer: () => make(pools[0]!), reopen: () => make(pools[0]!) };
});
