// The IndexedDB fs's engine: one transaction per call, the fs-wide change counter, and what this
// context may answer from memory while it holds the ledger's lock (see idb-fs.ts).
import { unwrap, type IDBPDatabase, type IDBPObjectStore } from 'idb';
import { openUnblocked } from './idb-open.js';
import { CHANGES, fsError, META, normalizePath, parentOf, ROOT, STORE, type NodeRecord } from './idb-fs-records.js';

/** Opens (creating if needed) the fs's database; another connection blocking it fails the open. */
export function openFsDb(name: string): Promise<IDBPDatabase> {
  return openUnblocked(name, (db) => {
    const nodes = db.createObjectStore(STORE, { keyPath: 'path' });
    nodes.createIndex('parent', 'parent');
    db.createObjectStore(META);
    // Part of the upgrade transaction, which the open waits for.
    unwrap(nodes).put(ROOT);
  });
}

/**
 * What `body` gets inside one transaction: `store` for writes (requests left to the transaction,
 * so an abort never leaves a rejected promise nobody awaits), `reads` (idb's promise wrapper) and
 * a cached `get`. `body` may throw an fs error: the transaction is then aborted, so nothing it
 * wrote lands. It must await only IndexedDB requests, or the transaction commits early.
 */
export type Tx = {
  store: IDBObjectStore;
  reads: IDBPObjectStore<unknown, string[], typeof STORE, IDBTransactionMode>;
  get(path: string): Promise<NodeRecord | undefined>;
};

export class IdbFsCore {
  /** Directory listings by path, valid while the directory's version is unchanged. */
  readonly listings = new Map<string, { version: number; names: string[] }>();
  /** Records read while exclusive (`null` = known absent); valid only while exclusive. */
  readonly known = new Map<string, NodeRecord | null>();
  exclusive = false;
  /** The fs-wide change counter as of this context's last look. */
  private seenChanges = -1;
  private inoSeq = Date.now() % 1e9;

  constructor(readonly db: IDBPDatabase) {}

  nextIno(): number {
    return ++this.inoSeq;
  }

  /** A record this context already knows while exclusive (`null`: known absent). */
  cached(path: string): NodeRecord | null | undefined {
    return this.exclusive ? this.known.get(path) : undefined;
  }

  async run<T>(
    mode: IDBTransactionMode,
    body: (tx: Tx) => Promise<T>,
    durability: 'relaxed' | 'strict' = 'relaxed',
  ): Promise<T> {
    const t = this.db.transaction(mode === 'readwrite' ? [STORE, META] : [STORE], mode, { durability });
    const reads = t.objectStore(STORE);
    if (mode === 'readwrite') this.countChange(unwrap(t.objectStore(META)));
    const done = t.done;
    const tx: Tx = {
      store: unwrap(reads),
      reads,
      get: async (p) => {
        if (this.exclusive && this.known.has(p)) return this.known.get(p) ?? undefined;
        const r = (await reads.get(p)) as NodeRecord | undefined;
        if (this.exclusive && mode === 'readonly' && (r?.type !== 'file' || r.size <= 65_536))
          this.known.set(p, r ?? null);
        return r;
      },
    };
    let result: T;
    try {
      result = await body(tx);
    } catch (e) {
      try {
        t.abort();
      } catch {
        /* already finished */
      }
      await done.catch(() => undefined);
      throw e;
    }
    await done;
    return result;
  }

  /** Bumps the fs-wide change counter in the same transaction as the change (a plain request: see Tx). */
  private countChange(meta: IDBObjectStore): void {
    const r = meta.get(CHANGES);
    r.onsuccess = () => {
      const next = ((r.result as number | undefined) ?? 0) + 1;
      meta.put(next, CHANGES);
      // Our own change keeps our memory valid; anyone else's since our last look does not.
      this.seenChanges = this.seenChanges === next - 1 ? next : -1;
    };
  }

  /** Forget cached records a change touches (the changed path, its parent, and any subtree). */
  forget(...paths: string[]): void {
    for (const p of paths) {
      this.known.delete(p);
      this.known.delete(parentOf(p));
      this.listings.delete(p);
    }
    // A renamed or removed directory takes its subtree with it.
    for (const k of this.known.keys()) if (paths.some((p) => k.startsWith(`${p}/`))) this.known.delete(k);
  }

  /** Runs a change of `paths`, forgetting what memory held of them before and after. */
  async change(paths: string[], body: (tx: Tx) => Promise<void>): Promise<void> {
    this.forget(...paths);
    try {
      await this.run('readwrite', body);
    } finally {
      this.forget(...paths);
    }
  }

  async beginExclusive(): Promise<void> {
    const changes = ((await this.db.get(META, CHANGES)) as number | undefined) ?? 0;
    if (changes !== this.seenChanges) this.known.clear();
    this.seenChanges = changes;
    this.exclusive = true;
  }

  endExclusive(): void {
    this.exclusive = false;
    this.known.clear();
  }
}

/** The parent directory record, checked to exist and be a directory. */
export async function parentDir(tx: Tx, path: string, op: string): Promise<NodeRecord> {
  const parent = await tx.get(parentOf(path));
  if (!parent) throw fsError('ENOENT', op, path);
  if (parent.type !== 'dir') throw fsError('ENOTDIR', op, path);
  return parent;
}

/** A directory gained or lost a child: its version moves, so cached listings of it are stale. */
export function bump(tx: Tx, dir: NodeRecord): void {
  tx.store.put({ ...dir, version: (dir.version ?? 0) + 1, mtimeMs: Date.now() });
}

/** The record at `path`, following symlinks (at most 8). */
export async function follow(tx: Tx, path: string, op: string): Promise<NodeRecord> {
  let r = await tx.get(path);
  for (let i = 0; r && r.type === 'symlink' && i < 8; i++) {
    const t = r.target!.startsWith('/') ? r.target! : `${parentOf(path)}/${r.target}`;
    r = await tx.get(normalizePath(t));
  }
  if (!r) throw fsError('ENOENT', op, path);
  return r;
}
