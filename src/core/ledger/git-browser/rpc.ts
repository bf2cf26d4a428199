/** Messages between a page and the ledger Worker (structured-clone safe). */
import type { GitRemoteOptions, RemoteCredentials } from '../git/index.js';
import * as z from 'zod/mini';
import { LedgerProgress } from '../../schemas/ledger.js';

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

/** An error as it crosses from the worker: its ScpError code and data, or a plain error's name. */
export const SerializedError = z.object({
  name: z.string(),
  code: z.optional(z.string()),
  message: z.string(),
  data: z.optional(z.unknown()),
});
export type SerializedError = z.infer<typeof SerializedError>;

/**
 * What the worker posts to the page, checked there with `parseWith` like every other boundary (a
 * worker of another version, or a `worker` option that starts the wrong script, answers otherwise).
 */
export const WorkerResponse = z.discriminatedUnion('type', [
  z.object({ id: z.number(), type: z.literal('result'), value: z.unknown() }),
  z.object({ id: z.number(), type: z.literal('error'), error: SerializedError }),
  z.object({ type: z.literal('paused'), step: z.number(), op: z.string(), path: z.string() }),
  z.object({ type: z.literal('writes'), count: z.number() }),
  /** The worker needs credentials for the remote (at a sync's start, or `failed` after a 401). */
  z.object({ type: z.literal('credentials'), ask: z.number(), url: z.string(), failed: z.boolean() }),
  /** A sync, index catch-up or verify moving along (any call's, or the index's in the background). */
  z.object({ type: z.literal('progress'), progress: LedgerProgress }),
]);
export type Response = z.infer<typeof WorkerResponse>;
