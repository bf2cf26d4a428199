/** Messages between a page and the ledger Worker (structured-clone safe). */
import type { GitRemoteOptions } from '../git/index.js';
import type { LedgerProgress } from '../../schemas/ledger.js';

export type LedgerMethod = 'write' | 'getAudit' | 'getRun' | 'getAction' | 'list' | 'deleteAudit' | 'head' | 'verify' | 'sync' | 'close' | 'whenWarm' | 'setAllowedSigners' | 'signingKey' | 'remoteUrl';

/** What the page may configure in the worker (no functions: they cannot cross the boundary). */
export interface WorkerLedgerOptions {
  name?: string;
  branch?: string;
  remote?: Omit<GitRemoteOptions, 'onAuth'>;
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

export interface SerializedError { name: string; code?: string; message: string; data?: unknown }

export type Response =
  | { id: number; type: 'result'; value: unknown }
  | { id: number; type: 'error'; error: SerializedError }
  | { type: 'paused'; step: number; op: string; path: string }
  | { type: 'writes'; count: number }
  /** A sync, index catch-up or verify moving along (any call's, or the index's in the background). */
  | { type: 'progress'; progress: LedgerProgress };
