/** The promise side of the fs the git ledger is given (node:fs, an isomorphic-git fs, the browser's IndexedDB fs). */
import type { FsClient } from 'isomorphic-git';

/** The subset of node:fs/promises (or an isomorphic-git compatible fs) the ledger uses. */
export interface FsPromises {
  readFile(path: string, options?: unknown): Promise<Uint8Array | string>;
  writeFile(path: string, data: Uint8Array | string, options?: unknown): Promise<void>;
  mkdir(path: string, options?: unknown): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir?(path: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<{ mtimeMs?: number; isDirectory(): boolean }>;
  appendFile?(path: string, data: Uint8Array | string): Promise<void>;
  /** Hard links (node:fs): cross-process locks are claimed by linking a complete file into place. */
  link?(existing: string, path: string): Promise<void>;
}

/** The promise methods of an fs: its `.promises` (node:fs, isomorphic-git's PromiseFsClient), else the fs itself. */
export function fsPromises(fs: FsClient | FsPromises): FsPromises {
  const promises = (fs as { promises?: FsPromises }).promises;
  return promises ?? (fs as FsPromises);
}

export function isMissing(e: unknown): boolean {
  const code = (e as { code?: string })?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

export async function mkdirp(p: FsPromises, dir: string, known?: Set<string>): Promise<void> {
  if (known?.has(dir)) return;
  await mkdirpOnce(p, dir);
  known?.add(dir);
}

async function mkdirpOnce(p: FsPromises, dir: string): Promise<void> {
  try {
    await p.mkdir(dir);
  } catch (e) {
    const code = (e as { code?: string })?.code;
    if (code === 'EEXIST') return;
    if (code !== 'ENOENT') throw e;
    await mkdirpOnce(p, dir.slice(0, dir.lastIndexOf('/')));
    try {
      await p.mkdir(dir);
    } catch (e2) {
      if ((e2 as { code?: string })?.code !== 'EEXIST') throw e2;
    }
  }
}
