import * as nodeFs from 'node:fs';
import { createScp, type ScpClient } from '../../../client.js';
import { createGitLedger, type GitRemoteOptions } from '../../../ledger/git/git-ledger.js';
import { remoteOfRecord } from '../../../ledger/git/remote-of-record.js';
import { createScpRequestHandler, type ScpRequestHandler, type ScpRequestHandlerOptions } from '../request-handler.js';
import { openPool, type PostgresConnection } from './connect.js';
import { closeJournalListener, createPostgresJournal } from './journal.js';
import { migrate } from './migrations.js';
import { createPostgresStagingStore } from './staging-store.js';
import type { Pool } from 'pg';

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
 * A host instance for a deployment of several: pending snapshots, live runs and the event
 * journal in PostgreSQL, the ledger of record on a git remote. The schema is created or migrated
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
      fs: nodeFs, http, dir, remote: typeof remote === 'string' ? { url: remote } : remote, ...(branch && { branch }),
    });
    // Start from what the remote holds (an empty remote is fine: the first save creates the branch).
    await git.sync().catch(() => undefined);
    const ledger = remoteOfRecord(git, { ...(readFreshMs !== undefined && { readFreshMs }) });
    const scp = createScp({ ledger, staging: createPostgresStagingStore({ pool }), channel: false, ...(actor && { actor }) });
    const onError = handlerOptions.onError;
    const handler = createScpRequestHandler({
      ...handlerOptions,
      scp,
      journal: (tenant) => createPostgresJournal({
        pool, tenant, ...(handlerOptions.retention && { retention: handlerOptions.retention }),
        ...(onError && { onError: (e: unknown) => onError(e, undefined) }),
      }),
    });
    return {
      handler, scp, pool,
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
