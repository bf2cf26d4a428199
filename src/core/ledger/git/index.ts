export {
  createGitLedger,
  type GitLedger,
  type GitLedgerOptions,
  type GitRemoteOptions,
  type RemoteCredentials,
  type CredentialsCallback,
  type VerifiedHeadStore,
} from './git-ledger.js';
export {
  createMemoryReadIndex,
  createFileReadIndex,
  RowSet,
  type ReadIndex,
  type IndexUpdate,
  type IndexKey,
} from './read-index.js';
export { auditPath, runDir, shardOf, classifyPath, type LayoutName } from './layout.js';
export type { VerifyOptions } from './verify.js';
export { remoteOfRecord, type RemoteOfRecordOptions } from './remote-of-record.js';
export { openSshKeySigner, cryptoKeySigner, generateDeviceKey } from './signing/signers.js';
export { openCheckpoint, type CheckpointBody } from './signing/checkpoint.js';
export type { SignaturePolicy } from './signing/policy.js';
export type { Signer } from './signing/sshsig.js';
