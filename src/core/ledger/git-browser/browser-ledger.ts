/**
 * The git ledger in the browser: isomorphic-git over an IndexedDB fs, every write of the origin
 * serialized by a Web Lock, the fs flushed durably before the branch ref moves, and list / filter
 * served by an IndexedDB read index.
 */
import http from 'isomorphic-git/http/web';
import { createGitLedger, type GitLedger, type GitRemoteOptions } from '../git/index.js';
import { createIdbFs, deleteIdbFs, type IdbFs } from './idb-fs.js';
import { createIdbReadIndex } from './idb-read-index.js';

export interface BrowserGitLedgerOptions {
  /** Names the fs, the read index and the lock; one ledger per name per origin. Default `scp-ledger`. */
  name?: string;
  /** The ledger branch. Default `scp-ledger`. */
  branch?: string;
  remote?: GitRemoteOptions;
  author?: { name: string; email: string };
  /** Also write the origin's per-entry tags. */
  tags?: boolean;
  /** Pass a ready fs instead of the IndexedDB one (tests inject faults this way). */
  fs?: { promises: { flush?(): Promise<void> } & Record<string, unknown> };
}

export const fsNameOf = (name: string) => `scp-git-fs:${name}`;
export const indexNameOf = (name: string) => `scp-ledger-index:${name}`;
export const lockNameOf = (name: string) => `scp-ledger:${name}`;

/** Runs `fn` holding the origin-wide Web Lock for this ledger (all tabs and workers wait their turn). */
export function webLock(name: string): <T>(fn: () => Promise<T>) => Promise<T> {
  return (fn) => navigator.locks.request(lockNameOf(name), { mode: 'exclusive' }, () => fn());
}

export async function createBrowserGitLedger(options: BrowserGitLedgerOptions = {}): Promise<GitLedger> {
  const name = options.name ?? 'scp-ledger';
  const fs = options.fs ?? (await createIdbFs(fsNameOf(name)));
  const index = createIdbReadIndex(indexNameOf(name));
  const lock = webLock(name);
  // Creating the repository writes files too: do it under the lock so two tabs never race `init`.
  const ledger = await lock(() => createGitLedger({
    fs,
    http,
    dir: '/ledger',
    gitdir: '/ledger',
    ...(options.branch && { branch: options.branch }),
    ...(options.remote && { remote: options.remote }),
    ...(options.author && { author: options.author }),
    ...(options.tags && { tags: options.tags }),
    index,
    lock,
    beforeRefUpdate: async () => { await fs.promises.flush?.(); },
  }));
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
