import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import type * as z from 'zod/mini';
import { CorruptEntryError, StorageClosedError } from '../../../errors/index.js';
import { transaction } from './connect.js';
import { AuditMeta, AuditSnapshot } from '../../../schemas/audit.js';
import { RunRecord } from '../../../schemas/run.js';
import { cloneForStore, metaOf, newestFirst, storedAs } from '../../../storage/shared.js';
import type { SaveClaim, StagingStore } from '../../../storage/types.js';

export interface PostgresStagingStoreOptions {
  pool: Pool;
  tenant?: string;
  /** How long a save may hold its snapshots before another instance may take them over (default 2 min). */
  claimMs?: number;
  /** How long a live run's lease lasts without a heartbeat (an event or update; default 5 min). */
  runLeaseMs?: number;
  /** Saved markers older than this are dropped (default 7 days). */
  savedMarkerMs?: number;
}

/**
 * A stored row's JSON checked by its schema (rows are written by this store, but another version
 * or a hand edit may have changed them): one that does not parse or match is damaged, reported as
 * a CorruptEntryError naming the row, never handed on as the typed shape.
 */
function stored<S extends z.ZodMiniType>(schema: S, text: string, where: string): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CorruptEntryError(`The stored row ${where} is not JSON`, { data: { path: where }, cause: e });
  }
  return storedAs(schema, value, where);
}

/**
 * A StagingStore in PostgreSQL, shared by every host instance of a deployment. Pending snapshots
 * are rows; a save first claims its rows (one UPDATE that only takes rows nobody holds), so of two
 * instances saving the same snapshot exactly one writes it. A saved row stays behind as a marker
 * carrying its ledger commit, which is how the loser learns it was "already saved".
 */
// long: one factory holding the StagingStore's methods, each a few lines around its SQL; they share
// the pool, the tenant and this process's claim owner, so the object literal is long but nothing in it is.
export function createPostgresStagingStore(options: PostgresStagingStoreOptions): StagingStore {
  const { pool } = options;
  const tenant = options.tenant ?? 'default';
  const claimMs = options.claimMs ?? 120_000;
  const leaseMs = options.runLeaseMs ?? 300_000;
  const markerMs = options.savedMarkerMs ?? 7 * 24 * 3600_000;
  // This process, as the holder of claims and run leases.
  const owner = randomUUID();
  let closed = false;

  const open = () => {
    if (closed)
      throw new StorageClosedError('The PostgreSQL staging store is closed: create a new one', {
        data: { store: 'postgres' },
      });
  };
  // Structured-clone first (rejects functions and the like with a ValidationError), then JSON.
  const json = (v: unknown, what: string) => JSON.stringify(cloneForStore(v, what));

  const tx = <T>(fn: (c: PoolClient) => Promise<T>) => transaction(pool, fn);

  return {
    async writeSnapshots({ put = [], remove = [] }) {
      open();
      const rows = put.map((s) => ({
        id: s.snapshot_id,
        body: json(s, `snapshot ${s.snapshot_id}`),
        meta: JSON.stringify(metaOf(s)),
      }));
      await tx(async (c) => {
        if (remove.length)
          await c.query('DELETE FROM scp_pending WHERE tenant = $1 AND snapshot_id = ANY($2::text[])', [
            tenant,
            remove,
          ]);
        if (rows.length === 0) return;
        // One statement for the whole batch; a later put of the same id wins, as in a Map.
        const last = new Map(rows.map((r) => [r.id, r]));
        const list = [...last.values()];
        await c.query(
          `INSERT INTO scp_pending (tenant, snapshot_id, meta, body)
           SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[])
           ON CONFLICT (tenant, snapshot_id) DO UPDATE SET meta = EXCLUDED.meta, body = EXCLUDED.body,
             claimed_by = NULL, claimed_until = NULL, saved_commit = NULL, saved_at = NULL`,
          [tenant, list.map((r) => r.id), list.map((r) => r.meta), list.map((r) => r.body)],
        );
      });
    },
    async getSnapshot(id) {
      open();
      const r = await pool.query<{ body: string }>(
        'SELECT body FROM scp_pending WHERE tenant = $1 AND snapshot_id = $2 AND saved_commit IS NULL',
        [tenant, id],
      );
      return r.rows[0] ? stored(AuditSnapshot, r.rows[0].body, `scp_pending ${tenant}/${id}`) : undefined;
    },
    async listSnapshots() {
      open();
      const r = await pool.query<{ snapshot_id: string; meta: string }>(
        'SELECT snapshot_id, meta FROM scp_pending WHERE tenant = $1 AND saved_commit IS NULL',
        [tenant],
      );
      return r.rows
        .map((x) => stored(AuditMeta, x.meta, `scp_pending ${tenant}/${x.snapshot_id} (meta)`))
        .sort(newestFirst);
    },

    async claimForSave(ids): Promise<SaveClaim> {
      open();
      return tx(async (c) => {
        const got = await c.query<{ snapshot_id: string }>(
          `UPDATE scp_pending SET claimed_by = $3, claimed_until = now() + make_interval(secs => $4::double precision / 1000)
           WHERE tenant = $1 AND snapshot_id = ANY($2::text[]) AND saved_commit IS NULL
             AND (claimed_until IS NULL OR claimed_until < now() OR claimed_by = $3)
           RETURNING snapshot_id`,
          [tenant, ids, owner, claimMs],
        );
        if (got.rowCount === new Set(ids).size) return { ok: true } as const;
        // All or none: undo this claim (the transaction rolls back) and say why.
        const rows = (
          await c.query<{ snapshot_id: string; saved_commit: string | null; claimed_by: string | null }>(
            'SELECT snapshot_id, saved_commit, claimed_by FROM scp_pending WHERE tenant = $1 AND snapshot_id = ANY($2::text[])',
            [tenant, ids],
          )
        ).rows;
        const byId = new Map(rows.map((r) => [r.snapshot_id, r]));
        const saved: { id: string; commit: string }[] = [];
        const busy: string[] = [];
        const missing: string[] = [];
        for (const id of ids) {
          const r = byId.get(id);
          if (!r) missing.push(id);
          else if (r.saved_commit) saved.push({ id, commit: r.saved_commit });
          else if (r.claimed_by !== owner) busy.push(id);
        }
        throw Object.assign(new Error('claim lost'), {
          claim: { ok: false, saved, busy, missing } satisfies SaveClaim,
        });
      }).catch((e: { claim?: SaveClaim }) => {
        if (e?.claim) return e.claim;
        throw e;
      });
    },
    async releaseClaim(ids) {
      await pool.query(
        'UPDATE scp_pending SET claimed_by = NULL, claimed_until = NULL WHERE tenant = $1 AND snapshot_id = ANY($2::text[]) AND claimed_by = $3 AND saved_commit IS NULL',
        [tenant, ids, owner],
      );
    },
    async markSaved(ids, commit) {
      open();
      await pool.query(
        'UPDATE scp_pending SET saved_commit = $3, saved_at = now(), body = meta, claimed_by = NULL, claimed_until = NULL WHERE tenant = $1 AND snapshot_id = ANY($2::text[])',
        [tenant, ids, commit],
      );
      await pool.query(
        'DELETE FROM scp_pending WHERE tenant = $1 AND saved_commit IS NOT NULL AND saved_at < now() - make_interval(secs => $2::double precision / 1000)',
        [tenant, markerMs],
      );
    },

    async putRun(live) {
      open();
      const body = json(live, `run ${live.run.run_id}`);
      // Every write is a heartbeat: it renews this process's lease on the run.
      await pool.query(
        `INSERT INTO scp_live_runs (tenant, run_id, body, lease_owner, lease_until, updated_at)
         VALUES ($1, $2, $3, $4, now() + make_interval(secs => $5::double precision / 1000), now())
         ON CONFLICT (tenant, run_id) DO UPDATE SET body = EXCLUDED.body, lease_owner = EXCLUDED.lease_owner,
           lease_until = EXCLUDED.lease_until, updated_at = now()`,
        [tenant, live.run.run_id, body, owner, leaseMs],
      );
    },
    async getRun(id) {
      open();
      const r = await pool.query<{ body: string }>('SELECT body FROM scp_live_runs WHERE tenant = $1 AND run_id = $2', [
        tenant,
        id,
      ]);
      return r.rows[0] ? stored(RunRecord, r.rows[0].body, `scp_live_runs ${tenant}/${id}`) : undefined;
    },
    async listRuns() {
      open();
      const r = await pool.query<{ run_id: string; body: string }>(
        'SELECT run_id, body FROM scp_live_runs WHERE tenant = $1 ORDER BY run_id',
        [tenant],
      );
      return r.rows.map((x) => stored(RunRecord, x.body, `scp_live_runs ${tenant}/${x.run_id}`));
    },
    async removeRun(id) {
      open();
      await pool.query('DELETE FROM scp_live_runs WHERE tenant = $1 AND run_id = $2', [tenant, id]);
    },
    async getMeta<T = unknown>(key: string) {
      open();
      const r = await pool.query<{ value: string }>('SELECT value FROM scp_meta WHERE tenant = $1 AND key = $2', [
        tenant,
        key,
      ]);
      return r.rows[0] ? (JSON.parse(r.rows[0].value) as T) : undefined;
    },
    async setMeta(key, value) {
      open();
      const v = json(value, `meta ${key}`);
      await pool.query(
        'INSERT INTO scp_meta (tenant, key, value) VALUES ($1, $2, $3) ON CONFLICT (tenant, key) DO UPDATE SET value = EXCLUDED.value',
        [tenant, key, v],
      );
    },
    async close() {
      closed = true;
    },
  };
}
