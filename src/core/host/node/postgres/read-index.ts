import type { Pool, PoolClient } from 'pg';
import { ConflictError } from '../../../errors/index.js';
import {
  compileFilter,
  encodeCursor,
  searchTextOf,
  sortKeyOf,
  timeMs,
  type NormalizedQuery,
} from '../../../ledger/query.js';
import type { IndexKey, IndexUpdate, ReadIndex } from '../../../ledger/git/read-index.js';
import type { EntryMeta, LedgerPage } from '../../../schemas/ledger.js';
import { transaction } from './connect.js';

export interface PostgresReadIndexOptions {
  pool: Pool;
  /** Which ledger the rows belong to (one database can index several; default `scp-ledger`). */
  name?: string;
}

interface MetaRow {
  meta: EntryMeta;
}

/**
 * The read index of a deployment of several host instances: one set of rows in PostgreSQL that
 * every instance lists from, so none of them scans git to answer a list.
 *
 * Each instance has its own clone, and clones lag each other. So the index is `shared`: the
 * ledger feeds it only commits the remote holds, never moves it back to an older head, and every
 * update names the head it builds on (`base`) — an update whose base is no longer the stored
 * head is refused with a ConflictError (another instance got there first), so a lagging clone can
 * never roll the rows back. The batches of a long catch-up wait in a staging table and reach the
 * rows together with the head that completes them, in one transaction.
 */
export function createPostgresReadIndex(options: PostgresReadIndexOptions): ReadIndex {
  const { pool } = options;
  const name = options.name ?? 'scp-ledger';
  return {
    shared: true,
    head: () => storedHead(pool, name, false),
    async apply(u: IndexUpdate) {
      if (u.partial) {
        // A middle batch of a long catch-up: parked under its run until the last batch lands.
        await transaction(pool, (c) => stageBatch(c, name, u));
        return;
      }
      await transaction(pool, (c) => complete(c, name, u)).catch(async (e: unknown) => {
        // A refused or failed catch-up leaves none of its parked batches behind.
        if (u.run)
          await pool
            .query('DELETE FROM scp_index_staged WHERE name = $1 AND run = $2', [name, u.run])
            .catch(() => undefined);
        throw e;
      });
    },
    query: (q: NormalizedQuery) => queryRows(pool, name, q),
    async get(k: IndexKey) {
      const r = await pool.query<MetaRow>('SELECT meta FROM scp_index_rows WHERE name = $1 AND kind = $2 AND id = $3', [
        name,
        k.kind,
        k.id,
      ]);
      return r.rows[0]?.meta;
    },
  };
}

async function storedHead(c: PoolClient | Pool, name: string, lock: boolean): Promise<string | undefined> {
  const r = await c.query<{ head: string | null }>(
    `SELECT head FROM scp_index_heads WHERE name = $1${lock ? ' FOR UPDATE' : ''}`,
    [name],
  );
  return r.rows[0]?.head ?? undefined;
}

async function putRows(c: PoolClient, name: string, metas: EntryMeta[]): Promise<void> {
  // One statement per 500 rows: unnest keeps the parameter count fixed whatever the batch.
  for (let i = 0; i < metas.length; i += 500) {
    const slice = metas.slice(i, i + 500);
    await c.query(
      `INSERT INTO scp_index_rows (name, kind, id, t, search, meta)
       SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[], $5::text[], $6::jsonb[])
       ON CONFLICT (name, kind, id) DO UPDATE SET t = EXCLUDED.t, search = EXCLUDED.search, meta = EXCLUDED.meta`,
      [
        name,
        slice.map((m) => m.kind),
        slice.map((m) => m.id),
        slice.map((m) => timeMs(m.time)),
        slice.map(searchTextOf),
        slice.map((m) => JSON.stringify(m)),
      ],
    );
  }
}

/** A middle batch of a long catch-up, parked under its run. */
async function stageBatch(c: PoolClient, name: string, u: IndexUpdate): Promise<void> {
  for (let i = 0; i < u.put.length; i += 500) {
    const slice = u.put.slice(i, i + 500);
    await c.query(
      `INSERT INTO scp_index_staged (name, run, kind, id, meta) SELECT $1, $2, * FROM unnest($3::text[], $4::text[], $5::jsonb[])
       ON CONFLICT (name, run, kind, id) DO UPDATE SET meta = EXCLUDED.meta`,
      [name, u.run ?? '', slice.map((m) => m.kind), slice.map((m) => m.id), slice.map((m) => JSON.stringify(m))],
    );
  }
}

/** The update that completes a catch-up (or a single one): checked against its base, applied whole. */
async function complete(c: PoolClient, name: string, u: IndexUpdate): Promise<void> {
  await c.query('INSERT INTO scp_index_heads (name, head) VALUES ($1, NULL) ON CONFLICT (name) DO NOTHING', [name]);
  const current = await storedHead(c, name, true);
  if (u.base !== undefined && (u.base ?? undefined) !== current) {
    throw new ConflictError(
      `The shared read index moved to ${current ?? 'empty'} while this update was built on ${u.base ?? 'empty'}`,
      { data: { what: 'read index', expected: u.base, actual: current ?? null } },
    );
  }
  if (u.reset) await c.query('DELETE FROM scp_index_rows WHERE name = $1', [name]);
  if (u.run) {
    // Staged rows carry only their meta: move them through putRows so t and search are derived in one place.
    const staged = await c.query<MetaRow>('DELETE FROM scp_index_staged WHERE name = $1 AND run = $2 RETURNING meta', [
      name,
      u.run,
    ]);
    await putRows(
      c,
      name,
      staged.rows.map((r) => r.meta),
    );
  }
  if (u.remove.length) {
    await c.query(
      'DELETE FROM scp_index_rows r USING unnest($2::text[], $3::text[]) AS gone(kind, id) WHERE r.name = $1 AND r.kind = gone.kind AND r.id = gone.id',
      [name, u.remove.map((k) => k.kind), u.remove.map((k) => k.id)],
    );
  }
  await putRows(c, name, u.put);
  await c.query('UPDATE scp_index_heads SET head = $2 WHERE name = $1', [name, u.head ?? null]);
  // Runs that never finished (their instance died or lost the race) leave nothing behind.
  await c.query("DELETE FROM scp_index_staged WHERE name = $1 AND staged_at < now() - interval '1 hour'", [name]);
}

/**
 * One page of rows. SQL narrows by every filter; the shared predicate then confirms each row, so
 * the answer is the same as every other index's even where SQL and JS text rules differ.
 */
async function queryRows(pool: Pool, name: string, q: NormalizedQuery): Promise<LedgerPage> {
  const { where, params } = sqlFilter(name, q);
  const match = compileFilter(q.filter);
  const entries: EntryMeta[] = [];
  let after = q.after;
  for (;;) {
    const batch = Math.max(q.limit + 1, 100);
    const cursorAt = params.length + 1;
    const cursorSql = after
      ? ` AND (t, id COLLATE "C") < ($${cursorAt}::bigint, $${cursorAt + 1}::text COLLATE "C")`
      : '';
    const r = await pool.query<MetaRow>(
      `SELECT meta FROM scp_index_rows WHERE ${where}${cursorSql} ORDER BY t DESC, id COLLATE "C" DESC LIMIT ${batch}`,
      after ? [...params, after.t, after.id] : params,
    );
    for (const { meta } of r.rows) {
      if (!match(meta)) continue;
      if (entries.length === q.limit) return { entries, cursor: encodeCursor(sortKeyOf(entries[entries.length - 1]!)) };
      entries.push(meta);
    }
    if (r.rows.length < batch) return { entries };
    after = sortKeyOf(r.rows[r.rows.length - 1]!.meta);
  }
}

/** The query's filters as a WHERE clause over the row's meta (jsonb) and search text. */
function sqlFilter(name: string, q: NormalizedQuery): { where: string; params: unknown[] } {
  const params: unknown[] = [name];
  const clauses = ['name = $1'];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const f = q.filter;
  const exact: [keyof typeof f, string][] = [
    ['kind', 'kind'],
    ['card', 'card_key'],
    ['status', 'status'],
    ['actor', 'actor'],
    ['correlation', 'correlation_id'],
  ];
  for (const [key, field] of exact) {
    const v = f[key];
    if (v !== undefined) clauses.push(`meta->>'${field}' = ${p(v)}`);
  }
  if (f.action !== undefined) {
    const v = p(f.action);
    clauses.push(`(meta->>'type' = ${v} OR meta->>'subtype' = ${v})`);
  }
  if (f.idPrefix !== undefined) clauses.push(`starts_with(id, ${p(f.idPrefix)})`);
  if (f.repo !== undefined) clauses.push(`meta->'repos' ? ${p(f.repo)}`);
  if (f.event !== undefined) clauses.push(`meta->'event_types' ? ${p(f.event)}`);
  if (f.artifact !== undefined) {
    // Narrowing only (the shared predicate decides): rows with an artifact of that type.
    const type = f.artifact.includes(':') ? f.artifact.slice(0, f.artifact.indexOf(':')) : f.artifact;
    clauses.push(
      `EXISTS (SELECT 1 FROM jsonb_array_elements_text(meta->'artifacts') a WHERE starts_with(a, ${p(`${type}:`)}))`,
    );
  }
  if (f.since !== undefined) clauses.push(`t >= ${p(Date.parse(f.since))}`);
  if (f.until !== undefined) clauses.push(`t < ${p(Date.parse(f.until))}`);
  if (f.text) clauses.push(`strpos(search, ${p(f.text.toLowerCase())}) > 0`);
  return { where: clauses.join(' AND '), params };
}
