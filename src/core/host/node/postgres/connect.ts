import type { Pool, PoolClient } from 'pg';
import { ScpError, type ScpErrorOptions } from '../../../errors/index.js';

/** A pool, or a connection URL (`postgres://user:pass@host:5432/db`) to open one with. */
export type PostgresConnection = Pool | string;

/** The `pg` package is an optional peer dependency: only PostgreSQL users install it. */
export class PostgresUnavailableError extends ScpError<'postgres_unavailable', { reason: string }> {
  constructor(message: string, o: ScpErrorOptions<{ reason: string }>) {
    super('postgres_unavailable', message, o);
  }
}

/** Opens a pool for a URL (importing `pg` on demand); a pool passed in is used as is and never ended by us. */
export async function openPool(connection: PostgresConnection, max = 10): Promise<{ pool: Pool; owned: boolean }> {
  if (typeof connection !== 'string') return { pool: connection, owned: false };
  let pg: typeof import('pg');
  try {
    const mod = await import('pg');
    pg = ((mod as unknown as { default?: typeof import('pg') }).default ?? mod) as typeof import('pg');
  } catch (e) {
    throw new PostgresUnavailableError(
      'PostgreSQL support needs the "pg" package: run `npm install pg` next to scp-ledger',
      { data: { reason: 'missing_pg' }, cause: e },
    );
  }
  const pool = new pg.Pool({ connectionString: connection, max });
  // An idle client losing its connection (server restart) must not crash the process: the pool
  // drops it and the next query opens a new one.
  pool.on('error', () => undefined);
  return { pool, owned: true };
}

/** Runs `fn` in one transaction on one pooled connection: committed when it resolves, rolled back when it throws. */
export async function transaction<T>(pool: Pool, fn: (c: PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  try {
    await c.query('BEGIN');
    const r = await fn(c);
    await c.query('COMMIT');
    return r;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    c.release();
  }
}
