export type { Ledger, LedgerBatch, WriteResult, VerifyReport, SyncResult } from './types.js';
export { createMemoryLedger, type MemoryLedger, type MemoryLedgerOptions, type MemoryCommit } from './memory.js';
export { createLazyLedger } from './lazy.js';
export {
  DEFAULT_LIST_LIMIT,
  MAX_LIST_LIMIT,
  auditMetaOf,
  runMetaOf,
  entryMetaOf,
  searchTextOf,
  normalizeQuery,
  compileFilter,
  matchesQuery,
  artifactKeysOf,
  referencesArtifact,
  encodeCursor,
  decodeCursor,
  indexAfter,
  pageFrom,
  timeMs,
  sortKeyOf,
  compareKeys,
  compareMeta,
  sortNewestFirst,
  type SortKey,
  type NormalizedQuery,
  type RowView,
} from './query.js';
