/**
 * An isomorphic-git compatible `fs` over IndexedDB, keyed by full path. Each file or directory is
 * one record, so creating a file costs the same at any repository size (LightningFS keeps one
 * directory table for the whole fs and rewrites it as it grows: measured 1.1 ms per created file
 * at 0 files, 8.7 ms at 30,000, and its flush 1.5 ms → 57 ms).
 *
 * - readdir goes through an index on `parent` (only that directory's children are read) and is
 *   cached per directory behind a version number that every change in the directory bumps in the
 *   same transaction, so a cached listing is never stale, even across workers and tabs.
 * - Each call is one transaction, so `writeFile(…, { flag: 'wx' })` and `rename` are atomic for
 *   every context of the origin (git's `<ref>.lock` protocol works as on a local disk).
 * - Every change also bumps one fs-wide change counter. While a context holds the ledger's Web
 *   Lock (`beginExclusive()` … `endExclusive()`), no other context changes the fs, so once the
 *   counter shows nothing changed elsewhere, lookups are answered from memory: a save then reads
 *   git objects without an IndexedDB round trip per missing loose object.
 * - Writes commit with relaxed durability; `flush()` commits a strict transaction, which makes
 *   every earlier write durable: the ledger calls it before the branch ref moves.
 */

import { deleteDB } from 'idb';
import { IdbFsCore, openFsDb } from './idb-fs-core.js';
import * as ops from './idb-fs-ops.js';
import { follow } from './idb-fs-core.js';
import { fsError, type IdbFsStats, normalizePath, statsOf, toBytes } from './idb-fs-records.js';

export { normalizePath } from './idb-fs-records.js';
export type { IdbFsStats } from './idb-fs-records.js';

export interface IdbFsPromises {
  readFile(path: string, options?: { encoding?: string } | string): Promise<Uint8Array | string>;
  writeFile(
    path: string,
    data: Uint8Array | string,
    options?: { flag?: string; mode?: number; encoding?: string } | string,
  ): Promise<void>;
  appendFile(path: string, data: Uint8Array | string): Promise<void>;
  mkdir(path: string, options?: { recursive?: boolean } | number): Promise<void>;
  rmdir(path: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  readdir(path: string): Promise<string[]>;
  stat(path: string): Promise<IdbFsStats>;
  lstat(path: string): Promise<IdbFsStats>;
  readlink(path: string): Promise<string>;
  symlink(target: string, path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  /** Make every earlier write durable (a strict-durability commit). */
  flush(): Promise<void>;
}

export interface IdbFs {
  promises: IdbFsPromises;
  /** Call holding the origin-wide lock on this fs: trusts memory until `endExclusive()`. */
  beginExclusive(): Promise<void>;
  endExclusive(): void;
  /** The database name. */
  readonly name: string;
  close(): void;
}

/** Opens (creating if needed) the fs stored in the IndexedDB database `name`. */
export async function createIdbFs(name: string): Promise<IdbFs> {
  const c = new IdbFsCore(await openFsDb(name));
  const n = normalizePath;
  const promises: IdbFsPromises = {
    readFile: (path, options) => ops.readFile(c, n(path), options),
    async writeFile(path, data, options) {
      const o = typeof options === 'string' ? {} : (options ?? {});
      await ops.writeBytes(c, n(path), toBytes(data), o.flag ?? 'w', o.mode ?? 0o100644);
    },
    appendFile: (path, data) => ops.writeBytes(c, n(path), toBytes(data), 'a', 0o100644),
    async mkdir(path, options) {
      const p = n(path);
      if (!(typeof options === 'object' && options?.recursive)) return ops.mkdir(c, p);
      const parts = p.split('/').filter(Boolean);
      for (let i = 1; i <= parts.length; i++) {
        await ops.mkdir(c, `/${parts.slice(0, i).join('/')}`).catch((e: { code?: string }) => {
          if (e.code !== 'EEXIST') throw e;
        });
      }
    },
    rmdir: async (path) => ops.rmdir(c, n(path)),
    unlink: (path) => ops.unlink(c, n(path)),
    rename: async (from, to) => ops.rename(c, n(from), n(to)),
    readdir: (path) => ops.readdir(c, n(path)),
    async stat(path) {
      const p = n(path);
      const hit = c.cached(p);
      if (hit === null) throw fsError('ENOENT', 'stat', p);
      if (hit && hit.type !== 'symlink') return statsOf(hit);
      return statsOf(await c.run('readonly', (tx) => follow(tx, p, 'stat')));
    },
    async lstat(path) {
      const p = n(path);
      const r = await c.run('readonly', (tx) => tx.get(p));
      if (!r) throw fsError('ENOENT', 'lstat', p);
      return statsOf(r);
    },
    async readlink(path) {
      const p = n(path);
      const r = await c.run('readonly', (tx) => tx.get(p));
      if (!r) throw fsError('ENOENT', 'readlink', p);
      if (r.type !== 'symlink') throw fsError('EINVAL', 'readlink', p);
      return r.target!;
    },
    symlink: (target, path) => ops.symlink(c, target, n(path)),
    chmod: (path, mode) => ops.chmod(c, n(path), mode),
    flush: () => ops.flush(c),
  };
  return {
    promises,
    name,
    beginExclusive: () => c.beginExclusive(),
    endExclusive: () => c.endExclusive(),
    close: () => c.db.close(),
  };
}
/** Deletes the fs's database (tests, "forget this ledger"). */
export function deleteIdbFs(name: string): Promise<void> {
  // Blocked by an open connection: the deletion is queued behind it, and the caller goes on.
  return new Promise((resolve, reject) => {
    deleteDB(name, { blocked: () => resolve() }).then(resolve, reject);
  });
}
