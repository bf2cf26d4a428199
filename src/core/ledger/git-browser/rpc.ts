/** Messages between a page and the ledger Worker (structured-clone safe). */
import type { GitRemoteOptions, RemoteCredentials } from '../git/index.js';
import type { LedgerProgress } from '../../schemas/ledger.js';

export type LedgerMethod =
  | 'write'
  | 'getAudit'
  | 'getRun'
  | 'getAction'
  | 'list'
  | 'deleteAudit'
  | 'head'
  | 'verify'
  | 'sync'
  | 'close'
  | 'whenWarm'
  | 'setAllowedSigners'
  | 'signingKey'
  | 'remoteUrl';

/** What the page may configure in the worker (no functions: they cannot cross the boundary). */
export interface WorkerLedgerOptions {
  name?: string;
  branch?: string;
  /** `credentials: true`: the page holds the callback; the worker asks it by message (see Response `credentials`). */
  remote?: Omit<GitRemoteOptions, 'onAuth' | 'credentials'> & { credentials?: boolean };
  author?: { name: string; email: string };
  tags?: boolean;
  /** Signed commits with this device's key (see BrowserGitLedgerOptions.signing). */
  signing?: { device?: boolean; pinned?: string[]; allowedSigners?: string };
  /**
   * Tests only: pause forever at the k-th mutating fs call (1-based) and report `{ type: 'paused' }`,
   * so the page can terminate the worker exactly there.
   */
  pauseAtWrite?: number;
}

export type Request =
  | { id: number; type: 'open'; options: WorkerLedgerOptions }
  | { id: number; type: 'call'; method: LedgerMethod; args: unknown[] };

/** The page's answer to a worker's `credentials` question. */
export interface CredentialsReply {
  type: 'credentials';
  ask: number;
  value?: RemoteCredentials | undefined;
  error?: string;
}

export interface SerializedError {
  name: string;
  code?: string;
  message: string;
  data?: unknown;
}

export type Response =
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; error: SerializedError }
  | { type: 'paused'; step: number; op: string; path: string }
  | { type: 'writes'; count: number }
  /** The worker needs credentials for the remote (at a sync's start, or `failed` after a 401). */
  | { type: 'credentials'; ask: number; url: string; failed: boolean }
  /** A sync, index catch-up or verify moving along (any call's, or the index's in the background). */
  | { type: 'progress'; progress: LedgerProgress };
