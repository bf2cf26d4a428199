// The IndexedDB fs's operations, each one transaction on the engine (idb-fs-core.ts); paths are
// already normalized by the caller.
import { bump, follow, parentDir, type IdbFsCore } from './idb-fs-core.js';
import { baseOf, decoder, encodingOf, fsError, META, type NodeRecord, parentOf } from './idb-fs-records.js';

/** A new record's common fields. */
function fresh(c: IdbFsCore, path: string) {
  const now = Date.now();
  return { path, parent: parentOf(path), mtimeMs: now, ctimeMs: now, ino: c.nextIno() };
}

export async function readFile(c: IdbFsCore, p: string, options: unknown): Promise<Uint8Array | string> {
  const hit = c.cached(p);
  if (hit === null) throw fsError('ENOENT', 'open', p);
  const r = hit && hit.type !== 'symlink' ? hit : await c.run('readonly', (tx) => follow(tx, p, 'open'));
  if (r.type === 'dir') throw fsError('EISDIR', 'read', p);
  const data = r.data ?? new Uint8Array(0);
  const enc = encodingOf(options);
  return enc === 'utf8' || enc === 'utf-8' ? decoder.decode(data) : data;
}

/** Writes (flag `w`), creates only (`wx`) or appends (`a`) a file. */
export function writeBytes(c: IdbFsCore, path: string, bytes: Uint8Array, flag: string, mode: number): Promise<void> {
  return c.change([path], async (tx) => {
    const [existing, parent] = await Promise.all([tx.get(path), parentDir(tx, path, 'open')]);
    if (existing) {
      if (flag.includes('x')) throw fsError('EEXIST', 'open', path);
      if (existing.type === 'dir') throw fsError('EISDIR', 'open', path);
    }
    let data = bytes;
    if (existing && flag.startsWith('a') && existing.data) {
      data = new Uint8Array(existing.data.length + bytes.length);
      data.set(existing.data);
      data.set(bytes, existing.data.length);
    }
    const made = fresh(c, path);
    tx.store.put({
      ...made,
      type: 'file',
      data,
      mode: existing?.mode ?? mode,
      size: data.length,
      ctimeMs: existing?.ctimeMs ?? made.ctimeMs,
      ino: existing?.ino ?? made.ino,
    } satisfies NodeRecord);
    if (!existing) bump(tx, parent);
  });
}

export function mkdir(c: IdbFsCore, p: string): Promise<void> {
  return c.change([p], async (tx) => {
    const [existing, parent] = await Promise.all([tx.get(p), parentDir(tx, p, 'mkdir')]);
    if (existing) throw fsError('EEXIST', 'mkdir', p);
    tx.store.put({ ...fresh(c, p), type: 'dir', mode: 0o40755, size: 0, version: 0 } satisfies NodeRecord);
    bump(tx, parent);
  });
}

export function symlink(c: IdbFsCore, target: string, p: string): Promise<void> {
  return c.change([p], async (tx) => {
    const [existing, parent] = await Promise.all([tx.get(p), parentDir(tx, p, 'symlink')]);
    if (existing) throw fsError('EEXIST', 'symlink', p);
    tx.store.put({
      ...fresh(c, p),
      type: 'symlink',
      target,
      mode: 0o120000,
      size: target.length,
    } satisfies NodeRecord);
    bump(tx, parent);
  });
}

export function rmdir(c: IdbFsCore, p: string): Promise<void> {
  if (p === '/') return Promise.reject(fsError('EPERM', 'rmdir', p));
  return c.change([p], async (tx) => {
    const [r, parent] = await Promise.all([tx.get(p), parentDir(tx, p, 'rmdir')]);
    if (!r) throw fsError('ENOENT', 'rmdir', p);
    if (r.type !== 'dir') throw fsError('ENOTDIR', 'rmdir', p);
    const children = await tx.reads.index('parent').count(IDBKeyRange.only(p));
    if (children > 0) throw fsError('ENOTEMPTY', 'rmdir', p);
    tx.store.delete(p);
    bump(tx, parent);
  });
}

export function unlink(c: IdbFsCore, p: string): Promise<void> {
  return c.change([p], async (tx) => {
    const [r, parent] = await Promise.all([tx.get(p), parentDir(tx, p, 'unlink')]);
    if (!r) throw fsError('ENOENT', 'unlink', p);
    if (r.type === 'dir') throw fsError('EISDIR', 'unlink', p);
    tx.store.delete(p);
    bump(tx, parent);
  });
}

/** Moves a file or a whole directory in one transaction (atomic for every context of the origin). */
export function rename(c: IdbFsCore, a: string, b: string): Promise<void> {
  if (a === b) return Promise.resolve();
  return c.change([a, b], async (tx) => {
    const [src, dst, srcParent, dstParent] = await Promise.all([
      tx.get(a),
      tx.get(b),
      parentDir(tx, a, 'rename'),
      parentDir(tx, b, 'rename'),
    ]);
    if (!src) throw fsError('ENOENT', 'rename', a);
    if (dst?.type === 'dir') throw fsError('EISDIR', 'rename', b);
    if (src.type === 'dir') {
      if (b.startsWith(`${a}/`)) throw fsError('EINVAL', 'rename', b);
      // Move every descendant: keys under `a/` sort together.
      const range = IDBKeyRange.bound(`${a}/`, `${a}/\uffff`);
      const all = (await tx.reads.getAll(range)) as NodeRecord[];
      for (const r of all) {
        tx.store.delete(r.path);
        const np = b + r.path.slice(a.length);
        tx.store.put({ ...r, path: np, parent: parentOf(np) });
      }
    }
    tx.store.delete(a);
    tx.store.put({ ...src, path: b, parent: parentOf(b), ctimeMs: Date.now() });
    bump(tx, srcParent);
    if (srcParent.path !== dstParent.path) bump(tx, dstParent);
  });
}

export async function readdir(c: IdbFsCore, p: string): Promise<string[]> {
  const dirHit = c.cached(p);
  const listed = dirHit ? c.listings.get(p) : undefined;
  if (dirHit && dirHit.type === 'dir' && listed && listed.version === (dirHit.version ?? 0))
    return listed.names.slice();
  return c.run('readonly', async (tx) => {
    const dir = await follow(tx, p, 'scandir');
    if (dir.type !== 'dir') throw fsError('ENOTDIR', 'scandir', p);
    const cached = c.listings.get(dir.path);
    if (cached && cached.version === (dir.version ?? 0)) return cached.names.slice();
    const keys = (await tx.reads.index('parent').getAllKeys(IDBKeyRange.only(dir.path))) as string[];
    const names = keys.map(baseOf);
    c.listings.set(dir.path, { version: dir.version ?? 0, names });
    return names.slice();
  });
}

export function chmod(c: IdbFsCore, p: string, mode: number): Promise<void> {
  return c.change([p], async (tx) => {
    const r = await tx.get(p);
    if (!r) throw fsError('ENOENT', 'chmod', p);
    tx.store.put({ ...r, mode: (r.mode & ~0o777) | (mode & 0o777) });
  });
}

/** Makes every earlier write durable (a strict-durability commit). */
export async function flush(c: IdbFsCore): Promise<void> {
  const t = c.db.transaction(META, 'readwrite', { durability: 'strict' });
  await Promise.all([t.store.put(Date.now(), 'flushed-at'), t.done]);
}
