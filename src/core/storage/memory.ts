import { StorageClosedError } from '../errors/index.js';
import type { AuditSnapshot } from '../schemas/audit.js';
import { cloneForStore, metaOf, newestFirst } from './shared.js';
import type { LiveRun, StagingStore } from './types.js';

// Also offered from here, where other adapters first found them.
export { cloneForStore, metaOf, newestFirst, notStorable } from './shared.js';

/**
 * A StagingStore in memory (Node, tests, hosts that keep pending elsewhere). Values are
 * structured-cloned in and out, as IndexedDB does, so callers never share objects with the store.
 */
export function createMemoryStagingStore(): StagingStore {
  const snapshots = new Map<string, AuditSnapshot>();
  const runs = new Map<string, LiveRun>();
  const meta = new Map<string, unknown>();
  let closed = false;

  const open = () => {
    if (closed)
      throw new StorageClosedError('The memory staging store is closed: create a new one', {
        data: { store: 'memory' },
      });
  };

  return {
    async writeSnapshots({ put = [], remove = [] }) {
      open();
      // Clone everything first so a value that cannot be cloned leaves the store untouched.
      const copies = put.map((s) => cloneForStore(s, `snapshot ${s.snapshot_id}`));
      for (const id of remove) snapshots.delete(id);
      for (const s of copies) snapshots.set(s.snapshot_id, s);
    },
    async getSnapshot(id) {
      open();
      const s = snapshots.get(id);
      return s && structuredClone(s);
    },
    async listSnapshots() {
      open();
      return [...snapshots.values()].map((s) => structuredClone(metaOf(s))).sort(newestFirst);
    },
    async putRun(live) {
      open();
      runs.set(live.run.run_id, cloneForStore(live, `run ${live.run.run_id}`));
    },
    async getRun(id) {
      open();
      const r = runs.get(id);
      return r && structuredClone(r);
    },
    async listRuns() {
      open();
      return [...runs.values()].map((r) => structuredClone(r));
    },
    async removeRun(id) {
      open();
      runs.delete(id);
    },
    async getMeta<T = unknown>(key: string) {
      open();
      return (meta.has(key) ? structuredClone(meta.get(key)) : undefined) as T | undefined;
    },
    async setMeta(key, value) {
      open();
      meta.set(key, cloneForStore(value, `meta ${key}`));
    },
    async close() {
      closed = true;
    },
  };
}
