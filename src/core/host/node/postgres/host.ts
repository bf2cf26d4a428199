import * as nodeFs from 'node:fs';
import { createScp, type ScpClient } from '../../../client.js';
import { createGitLedger, type GitRemoteOptions } from '../../../ledger/git/git-ledger.js';
import { remoteOfRecord } from '../../../ledger/git/remote-of-record.js';
import { createScpRequestHandler, type ScpRequestHandler, type ScpRequestHandlerOptions } from '../request-handler.js';
import { openPool, type PostgresConnection } from './connect.js';
import { closeJournalListener, createPostgresJournal } from './journal.js';
import { migrate } from './migrations.js';
import { createPostgresReadIndex } from './read-index.js';
import { createPostgresStagingStore } from './staging-store.js';
import type { Pool } from 'pg';

/** The advisory lock instances take turns on to push the ledger. */
const LEDGER_LOCK = 0x5c91ed9f;

/** A session advisory lock held on its own connection for `fn` (released if the process dies). */
function advisoryLock(pool: Pool, key: number) {
  return async <T>(fn: () => Promise<T>): Promise<T> => {
    const c = await pool.connect();
    let broken: Error | undefined;
    try {
      await c.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn();
      } finally {
        await c.query('SELECT pg_advisory_unlock($1)', [key]).catch((e: Error) => {
          broken = e;
        });
      }
    } finally {
      c.release(broken);
    }
  };
}

export interface PostgresHostOptions extends Omit<ScpRequestHandlerOptions, 'scp' | 'journal' | 'eventsDir'> {
  /** The database every instance of the deployment shares (URL or a `pg` Pool). */
  postgres: PostgresConnection;
  /** The ledger of record: a git remote URL (smart HTTP), or its options (headers for auth ...). */
  remote: string | GitRemoteOptions;
  /** This instance's own working clone of the ledger (a folder; created when missing). */
  dir: string;
  /** The ledger branch (default `scp-ledger`). */
  branch?: string;
  /** Actor recorded when the auth hook names none. */
  actor?: string;
  /** Reads fetch from the remote first when the last sync is older than this (default 1000 ms). */
  readFreshMs?: number;
  /** Largest pool (default 10). */
  poolSize?: number;
}

export interface PostgresHost {
  handler: ScpRequestHandler;
  scp: ScpClient;
  pool: Pool;
  /** Ends the streams, the core, the LISTEN connection and (when it opened it) the pool. */
  close(): Promise<void>;
}

/**
 * A host instance for a deployment of several: pending snapshots, live runs, the event journal
 * and the read index in PostgreSQL, the ledger of record on a git remote. The schema is created or migrated
 * on start (safe when instances start together).
 */
export async function createPostgresHost(options: PostgresHostOptions): Promise<PostgresHost> {
  const { postgres, remote, dir, branch, actor, readFreshMs, poolSize, ...handlerOptions } = options;
  const { pool, owned } = await openPool(postgres, poolSize ?? 10);
  try {
    await migrate(pool);
    const http = await import('isomorphic-git/http/node');
    nodeFs.mkdirSync(dir, { recursive: true });
    const git = await createGitLedger({
      fs: nodeFs,
      http,
      dir,
      remote: typeof remote === 'string' ? { url: remote } : remote,
      ...(branch && { branch }),
      // Every instance lists from the same rows, which follow the remote's history only.
      index: createPostgresReadIndex({ pool, name: branch ?? 'scp-ledger' }),
    });
    // Start from what the remote holds: a commit a killed process left unpushed was never
    // answered as saved, so it is dropped, not pushed now (its snapshot is still pending).
    await git.dropUnpushed();
    await git.sync().catch(() => undefined);
    const ledger = remoteOfRecord(git, {
      lock: advisoryLock(pool, LEDGER_LOCK),
      ...(readFreshMs !== undefined && { readFreshMs }),
    });
    const scp = createScp({
      ledger,
      staging: createPostgresStagingStore({ pool }),
      channel: false,
      ...(actor && { actor }),
    });
    const onError = handlerOptions.onError;
    const handler = createScpRequestHandler({
      ...handlerOptions,
      scp,
      journal: (tenant) =>
        createPostgresJournal({
          pool,
          tenant,
          ...(handlerOptions.retention && { retention: handlerOptions.retention }),
          ...(onError && { onError: (e: unknown) => onError(e, undefined) }),
        }),
    });
    return {
      handler,
      scp,
      pool,
      async close() {
        await handler.close();
        await scp.close();
        await closeJournalListener(pool);
        if (owned) await pool.end();
      },
    };
  } catch (e) {
    if (owned) await pool.end().catch(() => undefined);
    throw e;
  }
}
