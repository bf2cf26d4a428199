/**
 * A direct object reader for filesystems with positional reads (node:fs): pack indexes are
 * binary-searched in place and an object is read from its pack with one positional read and
 * inflated, deltas applied, without loading whole packs into memory. Loose objects are read
 * as files. Where the fs has no file handles (the browser's IndexedDB fs), each pack is read whole
 * once and kept in memory, its index binary-searched the same way: no fs round trip per object.
 */
import type { FsClient } from 'isomorphic-git';
import type { ObjectType } from './objects.js';
import { ByteCache } from './byte-cache.js';
import { applyDelta, entryHeader, OBJECT_TYPES } from './pack-format.js';
import { getCodec, toHex, utf8Decode } from './platform.js';

interface FileHandle {
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
  close(): Promise<void>;
  /** The whole file, where the fs has no positional reads and the file was read at once. */
  whole?: Uint8Array;
}

interface PackFs {
  open(path: string, flags: string): Promise<FileHandle>;
  readFile(path: string): Promise<Uint8Array>;
  readdir(path: string): Promise<string[]>;
}

/** node:fs's synchronous calls: a positional read of a few KB from the page cache takes microseconds,
 * far less than a round trip through the thread pool, so Node reads objects synchronously. */
interface SyncFs {
  openSync(path: string, flags: string): number;
  readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  closeSync(fd: number): void;
}

interface Pack {
  name: string;
  idx: Uint8Array;
  count: number;
  fanout: DataView;
  handle?: Promise<FileHandle>;
  path: string;
}

function hexToBytes(hex: string): Uint8Array {
  const out = new Uint8Array(20);
  for (let i = 0; i < 20; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

function compare(idx: Uint8Array, at: number, key: Uint8Array): number {
  for (let i = 0; i < 20; i++) {
    const d = idx[at + i]! - key[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** Offset of `oid` in the pack, or -1. Index v2 only (what git and we write). */
function findOffset(p: Pack, key: Uint8Array): number {
  const first = key[0]!;
  let lo = first === 0 ? 0 : p.fanout.getUint32((first - 1) * 4);
  let hi = p.fanout.getUint32(first * 4);
  const shaBase = 8 + 1024;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compare(p.idx, shaBase + mid * 20, key);
    if (c === 0) {
      const view = new DataView(p.idx.buffer, p.idx.byteOffset, p.idx.byteLength);
      const offBase = shaBase + p.count * 24;
      const off = view.getUint32(offBase + mid * 4);
      if (off & 0x80000000) {
        const large = offBase + p.count * 4 + (off & 0x7fffffff) * 8;
        return Number(view.getBigUint64(large));
      }
      return off;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  return -1;
}

/** A pack known from its index could not be opened: another process merged it away. */
class PackGoneError extends Error {
  constructor(
    readonly pack: string,
    cause: unknown,
  ) {
    super(`pack ${pack} is gone`, { cause });
  }
}

/** Bytes of inflated delta bases kept (git keeps a delta base cache for the same reason). */
const BASE_CACHE_BYTES = 32 << 20;

export class PackReader {
  private packs = new Map<string, Pack>();
  /**
   * Delta bases by pack and offset, oldest first: a pack from git chains deltas up to 50 deep,
   * and reading objects one after another would otherwise inflate each chain again per object.
   */
  private bases = new ByteCache<string, { type: ObjectType; content: Uint8Array }>(BASE_CACHE_BYTES);
  private scanned: Promise<void> | undefined;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private fs: PackFs,
    private gitdir: string,
    private sync?: SyncFs,
    private keepOpen = false,
  ) {}

  get synchronous(): boolean {
    return this.sync !== undefined;
  }

  /** Re-read the pack directory (after another process added packs or merged some away). */
  async rescan(): Promise<void> {
    this.scanned = this.scan(true);
    await this.scanned;
  }

  private async scan(prune = false): Promise<void> {
    let names: string[];
    try {
      names = await this.fs.readdir(`${this.gitdir}/objects/pack`);
    } catch {
      return;
    }
    const present = new Set(names.filter((n) => n.endsWith('.idx')).map((n) => n.slice(0, -4)));
    if (prune) for (const name of [...this.packs.keys()]) if (!present.has(name)) await this.drop(name);
    await Promise.all([...present].map((n) => this.addPack(n)));
  }

  /**
   * Register a pack by its base name (`pack-<sha>`); a no-op if known. `stored`: its index and
   * bytes when the caller has just written them, so they are not read back (a reader that keeps
   * packs in memory keeps these).
   */
  async addPack(base: string, stored?: { idx: Uint8Array; pack: Uint8Array }): Promise<void> {
    if (this.packs.has(base)) return;
    const path = `${this.gitdir}/objects/pack/${base}`;
    let idx: Uint8Array;
    try {
      idx = stored?.idx ?? (await this.fs.readFile(`${path}.idx`));
    } catch {
      return;
    }
    if (idx.length < 8 + 1024 || idx[0] !== 0xff || idx[1] !== 0x74 || idx[2] !== 0x4f || idx[3] !== 0x63) return; // only index v2
    const fanout = new DataView(idx.buffer, idx.byteOffset + 8, 1024);
    const p: Pack = { name: base, idx, count: fanout.getUint32(255 * 4), fanout, path: `${path}.pack` };
    if (stored && this.keepOpen) p.handle = Promise.resolve(inMemory(stored.pack));
    this.packs.set(base, p);
  }

  private async ready(): Promise<void> {
    this.scanned ??= this.scan();
    await this.scanned;
  }

  /**
   * Read an object, or `undefined` when no pack or loose file holds it. A pack that vanished
   * (merged away by another process) is forgotten and the directory rescanned: the objects are
   * in the pack that replaced it.
   */
  async read(oid: string): Promise<{ type: ObjectType; content: Uint8Array } | undefined> {
    await this.ready();
    const key = hexToBytes(oid);
    for (let attempt = 0; ; attempt++) {
      try {
        const hit = this.find(key);
        if (hit) return await this.readAt(hit.p, hit.off, 0);
        const loose = await this.readLoose(oid);
        if (loose) return loose;
        // Someone else may have written a pack since we last looked.
        await this.rescan();
        const late = this.find(key);
        return late ? await this.readAt(late.p, late.off, 0) : undefined;
      } catch (e) {
        if (!(e instanceof PackGoneError) || attempt >= 8) throw e;
        await this.drop(e.pack);
        await this.rescan();
      }
    }
  }

  /** Newest packs first: what a save reads back is mostly what the last saves wrote. */
  private find(key: Uint8Array): { p: Pack; off: number } | undefined {
    const list = [...this.packs.values()];
    for (let i = list.length - 1; i >= 0; i--) {
      const off = findOffset(list[i]!, key);
      if (off >= 0) return { p: list[i]!, off };
    }
    return undefined;
  }

  private async readLoose(oid: string): Promise<{ type: ObjectType; content: Uint8Array } | undefined> {
    let file: Uint8Array;
    try {
      file = await this.fs.readFile(`${this.gitdir}/objects/${oid.slice(0, 2)}/${oid.slice(2)}`);
    } catch {
      return undefined;
    }
    const raw = await (await getCodec()).inflate(file);
    const nul = raw.indexOf(0);
    const [type, size] = utf8Decode.decode(raw.subarray(0, nul)).split(' ');
    const content = raw.subarray(nul + 1);
    if (Number(size) !== content.length || !['blob', 'tree', 'commit', 'tag'].includes(type!))
      throw new Error(`loose object ${oid} is malformed`);
    return { type: type as ObjectType, content };
  }

  private async openPack(path: string): Promise<FileHandle> {
    const sync = this.sync;
    if (!sync) return this.fs.open(path, 'r');
    const fd = sync.openSync(path, 'r');
    return {
      read: async (buffer, offset, length, position) => ({
        bytesRead: sync.readSync(fd, buffer, offset, length, position),
      }),
      close: async () => sync.closeSync(fd),
    };
  }

  /**
   * Open pack files are closed after a quiet second, so idle ledgers hold no descriptors. Packs
   * read whole into memory are kept: closing one only means reading the whole file again.
   */
  private touch(): void {
    if (this.keepOpen) return;
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      void this.closeHandles();
    }, 1000);
    (this.idleTimer as { unref?: () => void }).unref?.();
  }

  private async closeHandles(): Promise<void> {
    const open = [...this.packs.values()].filter((p) => p.handle);
    await Promise.all(
      open.map(async (p) => {
        const h = p.handle!;
        delete p.handle;
        // An open that failed was answered to its reader already; nothing to close.
        await h.then((fh) => fh.close()).catch(() => undefined);
      }),
    );
  }

  private async readAt(p: Pack, offset: number, depth: number): Promise<{ type: ObjectType; content: Uint8Array }> {
    if (depth > 64) throw new Error('delta chain too deep');
    this.touch();
    let fh: FileHandle;
    try {
      p.handle ??= this.openPack(p.path);
      fh = await p.handle;
    } catch (e) {
      delete p.handle; // a failed open is not kept for the idle timer to trip over
      const code = (e as { code?: string })?.code;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new PackGoneError(p.name, e);
      throw e;
    }
    // One read usually holds the header and the whole compressed object (ledger objects are small);
    // a pack held in memory is read in place.
    const whole = fh.whole;
    const first = whole ? whole.subarray(offset, Math.min(whole.length, offset + 64)) : new Uint8Array(4096);
    const firstGot = whole ? first.length : (await fh.read(first, 0, first.length, offset)).bytesRead;
    const h = entryHeader(first, 0, offset);
    const i = h.data;
    if (i > firstGot) throw new Error(`truncated object header at ${offset} in ${p.name}`);
    // Deflate never grows data by more than a few bytes per 16 KB block plus its wrapper.
    const size = h.size;
    let want = size + (size >> 10) + 64;
    const codec = await getCodec();
    let data: Uint8Array | undefined;
    if (whole) {
      // The inflater stops at the end of this object's stream; the rest of the pack follows it.
      data = await codec.inflate(whole.subarray(offset + i), size);
    } else if (i + want <= firstGot || firstGot < first.length) {
      data = await codec.inflate(first.subarray(i, firstGot), size);
    }
    for (let tries = 0; tries < 2 && !data; tries++) {
      const buf = new Uint8Array(want);
      const got = (await fh.read(buf, 0, want, offset + i)).bytesRead;
      try {
        data = await codec.inflate(buf.subarray(0, got), size);
      } catch (e) {
        if (tries === 1 || got < want) throw e;
        want *= 4;
      }
    }
    if (!data || data.length !== size) throw new Error(`object at ${offset} in ${p.name} inflates to the wrong size`);
    if (h.typeCode <= 4) return { type: OBJECT_TYPES[h.typeCode]!, content: data };
    const { baseOffset, baseOid } = h;
    const cacheKey = baseOffset !== undefined ? `${p.name}:${baseOffset}` : `oid:${baseOid}`;
    let base = this.bases.get(cacheKey);
    if (!base) {
      base = baseOffset !== undefined ? await this.readAt(p, baseOffset, depth + 1) : await this.read(baseOid!);
      if (!base) throw new Error(`delta base ${baseOid} is missing`);
      this.bases.set(cacheKey, base);
    }
    return { type: base.type, content: applyDelta(base.content, data) };
  }

  /** Packs with at most `maxObjects` objects (our per-batch packs), oldest first. */
  smallPacks(maxObjects: number): { name: string; count: number }[] {
    return [...this.packs.values()].filter((p) => p.count <= maxObjects).map((p) => ({ name: p.name, count: p.count }));
  }

  /** Every object id a pack holds. */
  oidsOf(name: string): string[] {
    const p = this.packs.get(name);
    if (!p) return [];
    const out: string[] = [];
    for (let i = 0; i < p.count; i++) out.push(toHex(p.idx.subarray(8 + 1024 + i * 20, 8 + 1024 + (i + 1) * 20)));
    return out;
  }

  /** Forget a pack (after it was merged into another and deleted). */
  async drop(name: string): Promise<void> {
    const p = this.packs.get(name);
    this.bases.clear();
    this.packs.delete(name);
    if (p?.handle) await p.handle.then((fh) => fh.close()).catch(() => undefined);
  }

  async close(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    await this.closeHandles();
    this.packs.clear();
    this.bases.clear();
    this.scanned = undefined;
  }
}

/**
 * Positional reads for an fs without file handles (a browser's): the file is read whole once,
 * reads then copy from memory. Pack files are written once and never change, so this is safe.
 */
function wholeFileOpen(p: { readFile(path: string): Promise<Uint8Array> }): PackFs['open'] {
  return async (path) => inMemory(await p.readFile(path));
}

/** A file handle over bytes in memory. */
function inMemory(whole: Uint8Array): FileHandle {
  return {
    whole,
    async read(buffer, offset, length, position) {
      const part = whole.subarray(position, Math.min(whole.length, position + length));
      buffer.set(part, offset);
      return { bytesRead: part.length };
    },
    async close() {
      /* memory only */
    },
  };
}

/**
 * A PackReader when the fs offers positional reads, or (`wholeFiles`) reads whole files; else
 * undefined (isomorphic-git's reader is used).
 */
export function packReaderFor(
  fs: FsClient,
  gitdir: string,
  options: { wholeFiles?: boolean } = {},
): PackReader | undefined {
  // Feature-detected: which reads this fs offers decides the reader.
  const p = (fs as { promises?: Partial<PackFs> }).promises;
  if (p && typeof p.open !== 'function' && typeof p.readFile === 'function' && options.wholeFiles) {
    const whole = p as PackFs;
    return new PackReader(
      { open: wholeFileOpen(whole), readFile: (path) => whole.readFile(path), readdir: (path) => whole.readdir(path) },
      gitdir,
      undefined,
      true,
    );
  }
  if (!p || typeof p.open !== 'function' || typeof p.readFile !== 'function') return undefined;
  const s = fs as Partial<SyncFs>;
  const sync =
    typeof s.openSync === 'function' && typeof s.readSync === 'function' && typeof s.closeSync === 'function'
      ? (s as SyncFs)
      : undefined;
  return new PackReader(p as PackFs, gitdir, sync);
}
