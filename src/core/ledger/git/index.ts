export {
  createGitLedger,
  type GitLedger, type GitLedgerOptions, type GitRemoteOptions, type VerifiedHeadStore,
} from './git-ledger.js';
export {
  createMemoryReadIndex, createFileReadIndex, RowSet,
  type ReadIndex, type IndexUpdate, type IndexKey,
} from './read-index.js';
export { auditPath, runDir, shardOf, classifyPath, type LayoutName } from './layout.js';
export type { VerifyOptions } from './verify.js';
export { remoteOfRecord, type RemoteOfRecordOptions } from './remote-of-record.js';
