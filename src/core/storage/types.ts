import type { AuditMeta, AuditSnapshot } from '../schemas/audit.js';
import type { Run, RunEvent } from '../schemas/run.js';

/** A live (unfinished) run as kept in staging, with its events so far. */
export interface LiveRun {
  run: Run;
  events: RunEvent[];
}

/**
 * Where pending snapshots and live runs wait before they reach the ledger.
 * Every adapter passes `test/contract/staging-store.ts`. Methods never throw for a missing id
 * (they return `undefined` / skip it); storage failures are typed ScpErrors.
 */
export interface StagingStore {
  /** Atomically delete `remove` ids and put `put` snapshots (one transaction). */
  writeSnapshots(change: { put?: AuditSnapshot[]; remove?: string[] }): Promise<void>;
  getSnapshot(id: string): Promise<AuditSnapshot | undefined>;
  /** Metadata of every pending snapshot (no `data`), newest `computed_at` first. */
  listSnapshots(): Promise<AuditMeta[]>;
  putRun(live: LiveRun): Promise<void>;
  getRun(id: string): Promise<LiveRun | undefined>;
  listRuns(): Promise<LiveRun[]>;
  removeRun(id: string): Promise<void>;
  /** Small key/value facts (e.g. the last saved content hash per card). */
  getMeta<T = unknown>(key: string): Promise<T | undefined>;
  setMeta(key: string, value: unknown): Promise<void>;
  close(): Promise<void>;
  /**
   * Stores shared by several processes (PostgreSQL) reserve the ids of a save (or a discard) for
   * this store's process, all or none, so two processes saving or discarding the same snapshot
   * cannot both write it. Stores
   * used by one process leave these out (staging serializes its own saves).
   */
  claimForSave?(ids: string[]): Promise<SaveClaim>;
  /** Give back ids this process claimed (its save or discard failed: they stay pending). */
  releaseClaim?(ids: string[]): Promise<void>;
  /** The claimed ids are in the ledger at `commit`: they leave pending, and later claims answer `saved`. */
  markSaved?(ids: string[], commit: string): Promise<void>;
}

/** What a save claim got: every id claimed, or (nothing claimed) why not. */
export type SaveClaim =
  | { ok: true }
  | { ok: false; saved: { id: string; commit: string }[]; busy: string[]; missing: string[] };
