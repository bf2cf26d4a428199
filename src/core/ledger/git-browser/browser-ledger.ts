/**
 * The git ledger in the browser: isomorphic-git over an IndexedDB fs, every write of the origin
 * serialized by a Web Lock, the fs flushed durably before the branch ref moves, and list / filter
 * served by an IndexedDB read index.
 */
import type { PromiseFsClient } from 'isomorphic-git';
import http from 'isomorphic-git/http/web';
import { createGitLedger, type GitLedger, type GitRemoteOptions } from '../git/index.js';
import type { ProgressListener } from '../types.js';
import { createIdbFs, deleteIdbFs, type IdbFs } from './idb-fs.js';
import { createIdbReadIndex } from './idb-read-index.js';
import { deviceSigner } from '../git/signing/device-key.js';

export interface BrowserGitLedgerOptions {
  /** Names the fs, the read index and the lock; one ledger per name per origin. Default `scp-ledger`. */
  name?: string;
  /** The ledger branch. Default `scp-ledger`. */
  branch?: string;
  remote?: GitRemoteOptions;
  author?: { name: string; email: string };
  /** Also write the origin's per-entry tags. */
  tags?: boolean;
  /** Progress of syncs, read-index catch-ups and verifies. */
  onProgress?: ProgressListener;
  /**
   * Signed commits: `device` signs every commit with this device's non-extractable Ed25519 key
   * (its public key: `ledger.signingKey`, for an admin to enrol); `pinned` / `allowedSigners` are
   * the keys verify() trusts to have turned signing on.
   */
  signing?: { device?: boolean; pinned?: string[]; allowedSigners?: string };
  /** Pass a ready fs instead of the IndexedDB one (tests inject faults this way). */
  fs?: PromiseFsClient & { promises: { flush?(): Promise<void> } };
}

export const fsNameOf = (name: string) => `scp-git-fs:${name}`;
export const indexNameOf = (name: string) => `scp-ledger-index:${name}`;
export const lockNameOf = (name: string) => `scp-ledger:${name}`;

/** Runs `fn` holding the origin-wide Web Lock for this ledger (all tabs and workers wait their turn). */
export function webLock(
  name: string,
  hooks: { acquired?(): Promise<void>; releasing?(): void } = {},
): <T>(fn: () => Promise<T>) => Promise<T> {
  return (fn) =>
    navigator.locks.request(lockNameOf(name), { mode: 'exclusive' }, async () => {
      try {
        await hooks.acquired?.();
        return await fn();
      } finally {
        hooks.releasing?.();
      }
    });
}

const GITDIR = '/ledger';

export type BrowserGitLedger = GitLedger & { close(): Promise<void> };

export async function createBrowserGitLedger(options: BrowserGitLedgerOptions = {}): Promise<BrowserGitLedger> {
  const name = options.name ?? 'scp-ledger';
  const fs = options.fs ?? (await createIdbFs(fsNameOf(name)));
  const index = createIdbReadIndex(indexNameOf(name));
  const branch = options.branch ?? 'scp-ledger';
  // Holding the origin-wide lock, no live writer can own the branch's `.lock` file: one left
  // behind is from a tab or worker that died mid-save, so it goes (git would wait for it forever).
  const refLock = `${GITDIR}/refs/heads/${branch}.lock`;
  const p = fs.promises as unknown as { unlink(path: string): Promise<void> };
  const exclusiveFs = fs as Partial<Pick<IdbFs, 'beginExclusive' | 'endExclusive'>>;
  const lock = webLock(name, {
    async acquired() {
      // Every writer of this fs holds this lock: memory can be trusted until it is released.
      await exclusiveFs.beginExclusive?.();
      try {
        await p.unlink(refLock);
      } catch {
        /* none: the usual case */
      }
    },
    releasing: () => exclusiveFs.endExclusive?.(),
  });
  const { device, ...trust } = options.signing ?? {};
  const signer = device ? await deviceSigner(name) : undefined;
  // Creating the repository writes files too: do it under the lock so two tabs never race `init`.
  const ledger = await lock(() =>
    createGitLedger({
      fs,
      http,
      dir: GITDIR,
      gitdir: GITDIR,
      branch,
      ...(options.remote && { remote: options.remote }),
      ...(options.author && { author: options.author }),
      ...(options.tags && { tags: options.tags }),
      ...(options.onProgress && { onProgress: options.onProgress }),
      ...(options.signing && { signing: { ...trust, ...(signer && { signer }) } }),
      index,
      // A first sync can bring 100,000 entries: lists show the newest as soon as they are indexed.
      listWhileIndexing: true,
      // Objects read from packs held in memory by their index: isomorphic-git's reader asked the fs
      // for a loose file and the pack directory on every object (two IndexedDB transactions each).
      wholeFilePacks: true,
      lock,
      beforeRefUpdate: async () => {
        await fs.promises.flush?.();
      },
    }),
  );
  const close = ledger.close;
  return Object.assign(ledger, {
    async close() {
      await close?.call(ledger);
      (fs as Partial<IdbFs>).close?.();
    },
  });
}

/** Removes a browser ledger's local data (the fs and the read index). Close it first. */
export async function deleteBrowserGitLedger(name = 'scp-ledger'): Promise<void> {
  await deleteIdbFs(fsNameOf(name));
  await deleteIdbFs(indexNameOf(name));
}
