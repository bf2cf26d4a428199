export { createMemoryStagingStore } from './memory.js';
export type { LiveRun, StagingStore } from './types.js';
// The IndexedDB adapter has its own entry (`./idb.js`) so memory-only hosts never bundle idb.
