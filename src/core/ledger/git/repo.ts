/**
 * Object and ref access for one repository: reads go through isomorphic-git (loose objects and
 * packs, one long-lived cache), parsed trees are memoised by oid (trees never change), writes go
 * out as one pack per call, and a branch moves only by compare-and-swap on its old value.
 */
import type { FsClient } from 'isomorphic-git';
import * as git from 'isomorphic-git';
import { CorruptObjectError, LedgerReadError } from '../../errors/index.js';
import { fsPromises, mkdirp, type FsPromises } from './fs-promises.js';

export { CorruptObjectError };
import { buildPack } from './pack-writer.js';
import { packReaderFor, type PackReader } from './pack-reader.js';
import {
  decodeCommit,
  decodeTag,
  decodeTree,
  EMPTY_TREE,
  hashObject,
  type CommitData,
  type ObjectType,
  type RawObject,
  type TagData,
  type TreeEntry,
} from './objects.js';
import { getCodec, toHex, utf8, utf8Decode, concatBytes } from './platform.js';
import { ownerTag, processIdentity, tagOwnerGone } from './lock-owner.js';
import { LockManager } from './ref-lock.js';
import { RefStore } from './refs.js';
import { editTree } from './tree-edit.js';

export const ZERO_OID = '0000000000000000000000000000000000000000';

/**
 * A read that failed because of the runtime, not the object's bytes (a global such as `Buffer` or
 * `crypto.subtle` missing, a broken polyfill): "cannot read here" must never be reported as "the
 * ledger is corrupt". Undefined for any other failure.
 */
export function runtimeReadFailure(e: unknown, oid: string): LedgerReadError | undefined {
  if (e instanceof LedgerReadError) return e;
  const err = e instanceof CorruptObjectError && e.cause instanceof Error ? e.cause : e;
  const runtime =
    err instanceof ReferenceError ||
    (err instanceof TypeError &&
      /is not a function|is not a constructor|Cannot read propert(y|ies) of (undefined|null)|is not defined|undefined is not an object/.test(
        err.message,
      ));
  if (!runtime) return undefined;
  const reason = (err as Error).message;
  return new LedgerReadError(
    `Object ${oid} could not be read in this runtime (${reason}); this says nothing about the ledger's integrity. ` +
      "Run the browser ledger in scp-ledger's own Worker (createScp does by default) or on a page that provides what is missing, then read or verify again",
    { data: { oid, reason }, cause: err },
  );
}

const TREE_CACHE_LIMIT = 50_000;

export interface RepoOptions {
  fs: FsClient;
  gitdir: string;
  /** Read packs whole into memory where the fs has no positional reads (a browser's IndexedDB fs). */
  wholeFilePacks?: boolean;
}

export class Repo {
  readonly fs: FsClient;
  readonly p: FsPromises;
  readonly gitdir: string;
  /** isomorphic-git's cache (pack indexes, packs): one per repository, kept for its lifetime. */
  readonly cache: object = {};
  private trees = new Map<string, TreeEntry[]>();
  private stamp = 0;
  /** Directories this instance has made sure exist (a failing mkdir per write is not free). */
  private dirs = new Set<string>();
  /** Direct pack/loose reads where the fs has positional reads (Node); else isomorphic-git reads. */
  private packs: PackReader | undefined;
  /** Cross-process locks (the ref lock, the pack merge) and their private files. */
  readonly locks: LockManager;
  private readonly refs: RefStore;

  constructor(o: RepoOptions) {
    this.fs = o.fs;
    this.p = fsPromises(o.fs);
    this.gitdir = o.gitdir;
    this.packs = packReaderFor(o.fs, o.gitdir, { wholeFiles: o.wholeFilePacks ?? false });
    this.locks = new LockManager(this.p, `${o.gitdir}/scp-ledger-tmp`);
    this.refs = new RefStore(this.p, o.gitdir, this.locks, this.dirs);
  }

  async close(): Promise<void> {
    await this.packs?.close();
  }

  /** True where objects are read with synchronous positional reads (node:fs). */
  get readsSynchronously(): boolean {
    return this.packs?.synchronous ?? false;
  }

  async readObject(oid: string): Promise<{ type: ObjectType; content: Uint8Array }> {
    if (oid === EMPTY_TREE) return { type: 'tree', content: new Uint8Array(0) };
    if (this.packs) {
      let found: { type: ObjectType; content: Uint8Array } | undefined;
      try {
        found = await this.packs.read(oid);
      } catch (e) {
        throw (
          runtimeReadFailure(e, oid) ??
          new CorruptObjectError(`object ${oid} is unreadable: ${(e as Error).message}`, { data: { oid }, cause: e })
        );
      }
      if (found) return found;
    }
    let r: { type: string; object: unknown };
    try {
      r = (await git.readObject({ fs: this.fs, gitdir: this.gitdir, oid, cache: this.cache, format: 'content' })) as {
        type: string;
        object: unknown;
      };
    } catch (e) {
      throw (
        runtimeReadFailure(e, oid) ??
        new CorruptObjectError(`object ${oid} is missing or unreadable: ${(e as Error).message}`, {
          data: { oid },
          cause: e,
        })
      );
    }
    const obj = r.object as Uint8Array;
    return { type: r.type as ObjectType, content: obj instanceof Uint8Array ? obj : utf8.encode(String(obj)) };
  }

  /** Read an object and check its content hashes to its name (packed reads are not checked by isomorphic-git). */
  async readVerified(oid: string): Promise<{ type: ObjectType; content: Uint8Array }> {
    const o = await this.readObject(oid);
    const h = await hashObject(o.type, o.content);
    if (h.oid !== oid)
      throw new CorruptObjectError(`object ${oid} does not hash to its name (got ${h.oid})`, { data: { oid } });
    return o;
  }

  /** A parsed tree; `verified` re-reads and re-hashes it (bypassing the memo) as verify() needs. */
  async readTree(oid: string, verified = false): Promise<TreeEntry[]> {
    const hit = verified ? undefined : this.trees.get(oid);
    if (hit) return hit;
    const o = verified ? await this.readVerified(oid) : await this.readObject(oid);
    if (o.type !== 'tree')
      throw new CorruptObjectError(`object ${oid} is a ${o.type}, expected a tree`, { data: { oid } });
    let entries: TreeEntry[];
    try {
      entries = decodeTree(o.content);
    } catch (e) {
      throw new CorruptObjectError(`tree ${oid} is malformed`, { data: { oid }, cause: e });
    }
    if (this.trees.size >= TREE_CACHE_LIMIT) this.trees.clear();
    this.trees.set(oid, entries);
    return entries;
  }

  rememberTree(oid: string, entries: TreeEntry[]): void {
    if (this.trees.size >= TREE_CACHE_LIMIT) this.trees.clear();
    this.trees.set(oid, entries);
  }

  async readCommit(oid: string, verified = false): Promise<CommitData> {
    const o = verified ? await this.readVerified(oid) : await this.readObject(oid);
    if (o.type !== 'commit')
      throw new CorruptObjectError(`object ${oid} is a ${o.type}, expected a commit`, { data: { oid } });
    try {
      return decodeCommit(o.content);
    } catch (e) {
      throw new CorruptObjectError(`commit ${oid} is malformed`, { data: { oid }, cause: e });
    }
  }

  async readTag(oid: string): Promise<TagData | undefined> {
    const o = await this.readObject(oid);
    return o.type === 'tag' ? decodeTag(o.content) : undefined;
  }

  async readBlob(oid: string, verified = false): Promise<Uint8Array> {
    const o = verified ? await this.readVerified(oid) : await this.readObject(oid);
    if (o.type !== 'blob')
      throw new CorruptObjectError(`object ${oid} is a ${o.type}, expected a blob`, { data: { oid } });
    return o.content;
  }

  async hasObject(oid: string): Promise<boolean> {
    try {
      await this.readObject(oid);
      return true;
    } catch {
      return false;
    }
  }

  /** The oid at `path` (segments) under `tree`, or undefined. */
  async lookup(tree: string, segments: string[]): Promise<TreeEntry | undefined> {
    let cur: TreeEntry | undefined = { mode: '40000', path: '', oid: tree, type: 'tree' };
    for (const seg of segments) {
      if (cur?.type !== 'tree') return undefined;
      const entries = await this.readTree(cur.oid);
      cur = findEntry(entries, seg);
    }
    return cur;
  }

  // ---- writing -------------------------------------------------------------------------------

  /**
   * Apply path changes (blob oid to set, `null` to remove) to a tree, returning the new tree's oid
   * and pushing every new tree object to `out` (see tree-edit.ts).
   */
  editTree(tree: string | undefined, changes: Map<string, string | null>, out: RawObject[]): Promise<string> {
    return editTree(this, tree, changes, out);
  }

  /**
   * Write objects as one pack (+ index); the index appears last, atomically, so readers never see
   * half a pack. Temporary files are named after this process (recover() removes a dead one's)
   * and removed when a write fails.
   */
  async writePack(objects: RawObject[]): Promise<string | undefined> {
    if (objects.length === 0) return undefined;
    const { name, pack, idx } = await buildPack(objects);
    await this.storePack(name, pack, idx);
    return name;
  }

  /** Store a complete pack and its index (the index last, so readers never see half a pack). */
  async storePack(name: string, pack: Uint8Array, idx: Uint8Array): Promise<void> {
    const dir = `${this.gitdir}/objects/pack`;
    await mkdirp(this.p, dir, this.dirs);
    const base = `${dir}/pack-${name}`;
    const tmp = `${dir}/tmp-${ownerTag(await processIdentity())}.${(++this.stamp).toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    try {
      await this.p.writeFile(`${tmp}.pk`, pack);
      await this.p.rename(`${tmp}.pk`, `${base}.pack`);
      await this.p.writeFile(`${tmp}.ix`, idx);
      await this.p.rename(`${tmp}.ix`, `${base}.idx`);
    } catch (e) {
      await this.p.unlink(`${tmp}.pk`).catch(() => undefined);
      await this.p.unlink(`${tmp}.ix`).catch(() => undefined);
      throw e;
    }
    await this.packs?.addPack(`pack-${name}`);
  }

  /**
   * Merge the small per-batch packs into one once there are `threshold` of them, so reads do not
   * slow down as saves accumulate (Node; browsers keep their own object store). Only one process
   * merges at a time (a lock beside the refs); the merged pack is complete before any old one is
   * removed, each old index goes before its pack, and readers in other processes that still
   * expect an old pack rescan and find the objects in the merged one.
   */
  wantsRepack(threshold = 32, smallPack = 5000): boolean {
    return (this.packs?.smallPacks(smallPack).length ?? 0) >= threshold;
  }

  async repack(threshold = 32, smallPack = 5000): Promise<boolean> {
    if (!this.packs) return false;
    const held = await this.locks.tryAcquire(`${this.gitdir}/scp-ledger-repack.lock`);
    if (!held) return false; // another process is merging
    try {
      await this.packs.rescan();
      const small = this.packs.smallPacks(smallPack);
      if (small.length < threshold) return false;
      const objects = new Map<string, RawObject>();
      for (const p of small) {
        for (const oid of this.packs.oidsOf(p.name)) {
          if (objects.has(oid)) continue;
          const o = await this.readObject(oid);
          objects.set(oid, { type: o.type, oid, content: o.content });
        }
      }
      await this.writePack([...objects.values()]);
      for (const p of small) {
        await this.packs.drop(p.name);
        const base = `${this.gitdir}/objects/pack/${p.name}`;
        try {
          await this.p.unlink(`${base}.idx`);
          await this.p.unlink(`${base}.pack`);
        } catch {
          /* gone already */
        }
      }
      return true;
    } finally {
      await this.locks.release(held);
    }
  }

  // ---- refs (refs.ts) -------------------------------------------------------------------------

  /** A ref's value: its loose file, else packed-refs; symbolic refs are followed. */
  readRef(ref: string, depth = 5): Promise<string | undefined> {
    return this.refs.readRef(ref, depth);
  }

  packedRefs(): Promise<Map<string, string>> {
    return this.refs.packedRefs();
  }

  /** Names of refs under a prefix (e.g. `refs/tags/scp/run/`), loose and packed. */
  listRefs(prefix: string): Promise<string[]> {
    return this.refs.listRefs(prefix);
  }

  /** Move `ref` from `expected` (undefined = must not exist) to `value` by compare-and-swap (see refs.ts). */
  casRef(ref: string, expected: string | undefined, value: string): Promise<void> {
    return this.refs.casRef(ref, expected, value);
  }

  deleteRef(ref: string): Promise<void> {
    return this.refs.deleteRef(ref);
  }

  /** Write a ref unconditionally: used for refs only we own (sync scratch, tags). */
  setRef(ref: string, value: string): Promise<void> {
    return this.refs.setRef(ref, value);
  }

  /**
   * Recovery after a crash: clear the ref lock if its owner is provably gone (at once, not after
   * the stale bound), and remove temporary files that dead writers left behind.
   */
  async recover(ref: string): Promise<void> {
    const lock = `${this.gitdir}/${ref}.lock`;
    const seen = await this.locks.inspect(lock).catch(() => undefined);
    if (seen?.stale) await this.locks.takeOver(lock, seen).catch(() => undefined);
    await this.locks.sweep();
    const dir = `${this.gitdir}/objects/pack`;
    let names: string[];
    try {
      names = await this.p.readdir(dir);
    } catch {
      return;
    }
    await Promise.all(
      names
        .filter((n) => n.startsWith('tmp-'))
        .map(async (n) => {
          // Ours are tmp-<host>.<pid>.<random>.(pk|ix); older ones carry no owner and go once old.
          const m = /^tmp-(.+\.\d+)\.[a-z0-9]+\.(?:pk|ix)$/.exec(n);
          let gone = m ? await tagOwnerGone(m[1]!) : false;
          if (!gone) {
            try {
              gone = Date.now() - ((await this.p.stat(`${dir}/${n}`)).mtimeMs ?? Date.now()) > 10 * 60_000;
            } catch {
              return;
            }
          }
          if (gone) await this.p.unlink(`${dir}/${n}`).catch(() => undefined);
        }),
    );
  }
}

export function findEntry(entries: TreeEntry[], name: string): TreeEntry | undefined {
  // Entries are sorted; trees are few per level, so a linear scan is as fast as anything here.
  for (const e of entries) if (e.path === name) return e;
  return undefined;
}

export { toHex, utf8, utf8Decode, concatBytes, getCodec };
