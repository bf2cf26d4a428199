/**
 * The git Ledger: audits and finished runs as files on a dedicated branch, written without a
 * work tree (blobs, trees and one commit per batch, shipped as one pack) and published by a
 * compare-and-swap of the branch ref. Reads go by path (computed from the id); lists come from a
 * read index kept in step with the branch by tree diffs.
 *
 * This module holds the options and the public shape; the parts live in their own modules, each
 * given the ledger's shared state (ledger-state.ts): reads.ts, index-catch-up.ts, writes.ts
 * (through the commit-and-swap loop of write-loop.ts, with origin-tags.ts) and sync-and-verify.ts.
 */
import type { AuthCallback, FsClient, HttpClient } from 'isomorphic-git';
import { CorruptObjectError } from '../../errors/index.js';
import type {
  Ledger,
  ProgressListener,
  SyncOptions,
  SyncResult,
  VerifyCallOptions,
  VerifyReport,
  WriteResult,
} from '../types.js';
import { list, startCatchUp } from './index-catch-up.js';
import type { LayoutName } from './layout.js';
import { head, openGitLedgerState } from './ledger-state.js';
import type { ReadIndex } from './read-index.js';
import { allowedSigners, getAction, getAudit, getRun, warm } from './reads.js';
import type { SignaturePolicy } from './signing/policy.js';
import type { Signer } from './signing/sshsig.js';
import { dropUnpushed, sync, syncContextOf, verify } from './sync-and-verify.js';
import { rememberedRemote } from './sync.js';
import type { VerifyOptions } from './verify.js';
import { deleteAudit, setAllowedSigners, write } from './writes.js';

export interface GitRemoteOptions {
  url: string;
  /** A CORS proxy the browser reaches the remote through (`https://proxy.example/` + host/path). */
  corsProxy?: string;
  /** Sent with every request (static; use `credentials` for tokens that expire). */
  headers?: Record<string, string>;
  /**
   * Asked for credentials at the start of every sync and again when the remote answers 401
   * (`failed: true`), so short-lived tokens stay fresh. Never stored.
   */
  credentials?: CredentialsCallback;
  /** isomorphic-git's own auth callback (prefer `credentials`). */
  onAuth?: AuthCallback;
}

/** Basic-auth user and password (a token as the password), and/or headers such as `Authorization: Bearer …`. */
export interface RemoteCredentials {
  username?: string;
  password?: string;
  headers?: Record<string, string>;
}
/** Gives credentials for the remote; `failed` says the last ones were refused (HTTP 401). `undefined`: none. */
export type CredentialsCallback = (request: {
  url: string;
  failed: boolean;
}) => Promise<RemoteCredentials | undefined> | RemoteCredentials | undefined;

export interface VerifiedHeadStore {
  get(): Promise<string | undefined>;
  set(head: string): Promise<void>;
}

export interface GitLedgerOptions {
  /** node:fs, or an isomorphic-git compatible fs (with `.promises`). */
  fs: FsClient;
  /** isomorphic-git/http/node or isomorphic-git/http/web (needed for sync). */
  http?: HttpClient;
  dir: string;
  /** Default `${dir}/.git`, or `dir` itself when it is a bare repository. */
  gitdir?: string;
  /** Default `scp-ledger`. */
  branch?: string;
  remote?: GitRemoteOptions;
  author?: { name: string; email: string };
  /** Default: in memory (rebuilt from git on first list). */
  index?: ReadIndex;
  /** Serializes writes (the browser passes a Web Lock); default an in-process queue. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called after the objects are written and before the branch moves (the browser flushes its fs). */
  beforeRefUpdate?: () => Promise<void>;
  /** Also write the origin's per-entry annotated tags (`scp/audit/<id>`, `scp/run/<id>`). */
  tags?: boolean;
  /** Where NEW entries go; both layouts are always read. Default `sharded`. */
  layout?: LayoutName;
  /**
   * Told each time a save waits for another writer (the branch moved, or another process holds
   * its lock) before trying again; saves keep trying for up to 30 s. For reporting only.
   */
  onRetry?: (info: { attempt: number; waitedMs: number; reason: string; message: string }) => void;
  /** Where verify() keeps the last head it approved; default a file in the gitdir. */
  lastVerifiedHead?: VerifiedHeadStore;
  /** Progress of every sync, read-index catch-up and verify of this ledger. */
  onProgress?: ProgressListener;
  /**
   * While the read index catches up on many entries, lists answer from the rows indexed so far
   * (newest first) and their pages carry `indexing: { indexed, total }`. Default false: a list
   * waits for the whole catch-up (what a CLI or a report wants).
   */
  listWhileIndexing?: boolean;
  /**
   * Where the fs has no positional reads (a browser's), read pack files whole and take objects
   * from memory instead of isomorphic-git's reader, which costs fs round trips per object.
   */
  wholeFilePacks?: boolean;
  /**
   * Signed commits (see signing/policy.ts): `signer` signs every commit this ledger makes (SSH
   * signature, namespace `git`, verifiable by `git verify-commit`) and verify()'s checkpoints;
   * `pinned` / `allowedSigners` are the trust anchors verify() checks signatures against.
   */
  signing?: SignaturePolicy & { signer?: Signer };
}

export interface GitLedger extends Ledger {
  /** Checks what came after the last verified head (all of it the first time); `{ full: true }` re-checks the whole history. */
  verify(options?: VerifyOptions & VerifyCallOptions): Promise<VerifyReport>;
  sync(options?: SyncOptions): Promise<SyncResult>;
  /**
   * Move the branch back to the remote's head as last fetched, dropping local commits the remote
   * never took (a host whose remote is the ledger of record, after a failed push).
   */
  dropUnpushed(): Promise<void>;
  readonly gitdir: string;
  readonly branch: string;
  /** The full ref name of the ledger branch (`refs/heads/<branch>`). */
  readonly ref: string;
  /** The remote sync() uses: the one given at creation, else the one this ledger last synced with. */
  remoteUrl(): Promise<string | undefined>;
  /**
   * Replace the branch's `allowed_signers` (git's format) in one commit. Once signing is on, the
   * commit must be signed by a key already allowed (this ledger's signer), or verify fails it.
   */
  setAllowedSigners(text: string, options?: { actor?: string }): Promise<WriteResult>;
  /** The branch's `allowed_signers` as it is at the head, or `undefined` when it has none. */
  allowedSigners(): Promise<string | undefined>;
  /** The public key (`ssh-ed25519 ...`) this ledger signs with, if it signs. */
  signingKey(): Promise<string | undefined>;
  /** Bring the read index up to the branch head (list() does this itself). */
  refreshIndex(): Promise<void>;
  /**
   * Load the shard trees a save rewrites into memory (started in the background on open where
   * the fs reads synchronously, i.e. node:fs); resolves when done. Saves work without it.
   */
  warm(): Promise<void>;
}

export async function createGitLedger(options: GitLedgerOptions): Promise<GitLedger> {
  const s = await openGitLedgerState(options);
  if (s.repo.readsSynchronously) void warm(s);
  const syncCtx = syncContextOf(s);
  const { gitdir, branch, ref, signer } = s;
  return {
    gitdir,
    branch,
    ref,
    write: (batch) => write(s, batch),
    getAudit: (id) => getAudit(s, id),
    getRun: (id) => getRun(s, id),
    getAction: (id) => getAction(s, id),
    list: (query) => list(s, query),
    deleteAudit: (id, opts) => deleteAudit(s, id, opts),
    head: () => head(s),
    refreshIndex: () => startCatchUp(s).done,
    warm: () => warm(s),
    setAllowedSigners: (text, opts) => setAllowedSigners(s, text, opts),
    allowedSigners: () => allowedSigners(s),
    signingKey: async () => signer?.publicKey,
    verify: (o) => verify(s, o),
    remoteUrl: async () => options.remote?.url ?? rememberedRemote({ fs: s.fs, gitdir }),
    sync: (o) => sync(s, syncCtx, o),
    dropUnpushed: () => dropUnpushed(s),
    async close() {
      await s.index.close?.();
      await s.repo.close();
    },
  };
}

export { parseEvents } from './reads.js';
export { CorruptObjectError };
