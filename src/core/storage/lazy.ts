import { loadOnce } from '../load-once.js';
import type { StagingStore } from './types.js';

/** A staging store whose adapter is loaded on first use (its code can then be a separate chunk). */
export function createLazyStore(load: () => Promise<StagingStore>): StagingStore {
  const get = loadOnce(load);
  return {
    writeSnapshots: async (c) => (await get()).writeSnapshots(c),
    getSnapshot: async (id) => (await get()).getSnapshot(id),
    listSnapshots: async () => (await get()).listSnapshots(),
    putRun: async (r) => (await get()).putRun(r),
    getRun: async (id) => (await get()).getRun(id),
    listRuns: async () => (await get()).listRuns(),
    removeRun: async (id) => (await get()).removeRun(id),
    getMeta: async (k) => (await get()).getMeta(k),
    setMeta: async (k, v) => (await get()).setMeta(k, v),
    close: async () => {
      const p = get.started();
      if (p) await (await p).close();
    },
  };
}
