import type { Pool } from 'pg';

/**
 * The schema, as numbered steps. A database records the steps it ran in `scp_schema`; the server
 * runs the missing ones on start, in order, each in its own transaction, under an advisory lock
 * so two instances starting at once never run a step twice. Steps are only ever appended.
 */
export const MIGRATIONS: readonly { version: number; sql: string }[] = [
  {
    version: 1,
    sql: `
-- The event journal: one row per event; seq is per tenant, gapless, assigned by the head row.
CREATE TABLE scp_journal_heads (
  tenant     text PRIMARY KEY,
  journal_id uuid NOT NULL,
  last_seq   bigint NOT NULL
);
CREATE TABLE scp_journal (
  tenant text   NOT NULL,
  seq    bigint NOT NULL,
  at     bigint NOT NULL,          -- ms since the epoch
  type   text   NOT NULL,
  body   text   NOT NULL,          -- the envelope JSON without its seq
  PRIMARY KEY (tenant, seq)
);
CREATE INDEX scp_journal_by_age ON scp_journal (tenant, at);

-- The staging store: pending snapshots (with a save claim and, once saved, the ledger commit),
-- live runs (with a lease), and small key/value facts.
CREATE TABLE scp_pending (
  tenant        text NOT NULL,
  snapshot_id   text NOT NULL,
  meta          text NOT NULL,     -- AuditMeta JSON (no data), for lists
  body          text NOT NULL,     -- the whole AuditSnapshot JSON
  claimed_by    text,
  claimed_until timestamptz,
  saved_commit  text,              -- set once saved: the row stays as a marker, hidden from lists
  saved_at      timestamptz,
  PRIMARY KEY (tenant, snapshot_id)
);
CREATE TABLE scp_live_runs (
  tenant      text NOT NULL,
  run_id      text NOT NULL,
  body        text NOT NULL,
  lease_owner text,
  lease_until timestamptz,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (tenant, run_id)
);
CREATE TABLE scp_meta (
  tenant text NOT NULL,
  key    text NOT NULL,
  value  text NOT NULL,
  PRIMARY KEY (tenant, key)
);
`,
  },
  {
    version: 2,
    sql: `
-- The shared read index: one row per ledger entry (its EntryMeta), and the ledger head the rows
-- reflect. Batches of a long catch-up wait in scp_index_staged until the head that completes them.
CREATE TABLE scp_index_heads (
  name text PRIMARY KEY,           -- the ledger (branch) the rows belong to
  head text                        -- a commit the remote holds; NULL while empty
);
CREATE TABLE scp_index_rows (
  name   text   NOT NULL,
  kind   text   NOT NULL,          -- audit | run | action
  id     text   NOT NULL,
  t      bigint NOT NULL,          -- the entry's time, ms since the epoch (newest-first order)
  search text   NOT NULL,          -- lower-cased text a search matches
  meta   jsonb  NOT NULL,          -- the EntryMeta
  PRIMARY KEY (name, kind, id)
);
CREATE INDEX scp_index_rows_newest ON scp_index_rows (name, t DESC, id COLLATE "C" DESC);
CREATE TABLE scp_index_staged (
  name      text NOT NULL,
  run       text NOT NULL,
  kind      text NOT NULL,
  id        text NOT NULL,
  meta      jsonb NOT NULL,
  staged_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (name, run, kind, id)
);
`,
  },
];

/** Any fixed number: the advisory lock our migrations take. */
const LOCK_KEY = 0x5c91ed9e;

/** Brings the database's schema up to the newest step; returns the versions it ran. */
export async function migrate(pool: Pool): Promise<number[]> {
  const client = await pool.connect();
  const ran: number[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await client.query(
        'CREATE TABLE IF NOT EXISTS scp_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = new Set(
        (await client.query<{ version: number }>('SELECT version FROM scp_schema')).rows.map((r) => r.version),
      );
      for (const m of MIGRATIONS) {
        if (done.has(m.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(m.sql);
          await client.query('INSERT INTO scp_schema (version) VALUES ($1)', [m.version]);
          await client.query('COMMIT');
        } catch (e) {
          await client.query('ROLLBACK');
          throw e;
        }
        ran.push(m.version);
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
    }
  } finally {
    client.release();
  }
  return ran;
}
