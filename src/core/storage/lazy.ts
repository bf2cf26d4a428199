import type { StagingStore } from './types.js';

/** A staging store whose adapter is loaded on first use (its code can then be a separate chunk). */
export function createLazyStore(load: () => Promise<StagingStore>): StagingStore {
  let p: Promise<StagingStore> | undefined;
  // A failed load is not cached: the next call tries again.
  const get = () => (p ??= load().catch((e) => { p = undefined; throw e; }));
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
    close: async () => { if (p) await (await p).close(); },
  };
}
