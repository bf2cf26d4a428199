/**
 * Indexing a fetched pack (what `git index-pack` does): walk its objects in order, inflate each
 * once to find where it ends, resolve deltas against their bases, hash every object to its name,
 * and write the version-2 index.
 *
 * Cost, for the ~150,000 objects of a 100,000-entry ledger (90% deltas, chains up to 30 deep):
 * - a delta's instructions are inflated into one reused buffer, objects into their own;
 * - resolved objects are kept in a bounded cache by offset (a base is usually a few objects before
 *   the deltas that use it; one pushed out is inflated again from the pack, which is in memory);
 * - everything in the pack is resolved synchronously; only a base outside the pack (a thin pack's)
 *   is awaited, and the walk yields to the event loop every few tens of milliseconds.
 */
import { ByteCache } from './byte-cache.js';
import { inflateZlibAt } from './inflate.js';
import type { ObjectType } from './objects.js';
import { applyDelta, entryHeader, OBJECT_TYPES, type EntryHeader } from './pack-format.js';
import { getCodec, toHex, type Codec } from './platform.js';

const CACHE_BYTES = 32 << 20;
const SLAB_BYTES = 1 << 20;
/** How long the walk runs before it lets other work in (a Worker answering reads meanwhile). */
const SLICE_MS = 40;

export interface IndexedPack {
  /** The pack's checksum (its trailer), which names its files. */
  name: string;
  idx: Uint8Array;
  count: number;
}

type Resolved = { type: ObjectType; content: Uint8Array };
type External = (oid: string) => Promise<Resolved | undefined>;

/** One row per object named so far, in pack order. */
interface Rows {
  n: number;
  oids: Uint8Array;
  offsets: Float64Array;
  crcs: Uint32Array;
}

/** Back to the event loop without a timer's clamping (nested timeouts wait at least 4 ms). */
function yieldTask(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => void };
  if (g.setImmediate) return new Promise((r) => g.setImmediate!(r));
  if (typeof MessageChannel === 'function') {
    return new Promise((r) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        r();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((r) => setTimeout(r, 0));
}

class PackIndexer {
  readonly rows: Rows;
  private cache = new ByteCache<number, Resolved>(CACHE_BYTES);
  /** Offsets by object id, built on the first delta that names its base by id. */
  private byOid: Map<string, number> | undefined;
  private scratch = new Uint8Array(1 << 16);
  private slab = new Uint8Array(0);
  private slabUsed = 0;
  /**
   * Buffers for resolved objects, cut from 1 MB blocks: a typed array of its own costs an
   * allocation outside the JS heap and work for the collector, for each of 150,000 objects. A
   * block is freed once the cache has let go of every object in it.
   */
  private readonly alloc = (size: number): Uint8Array => {
    if (size > SLAB_BYTES >> 3) return new Uint8Array(size);
    if (this.slabUsed + size > this.slab.length) {
      this.slab = new Uint8Array(SLAB_BYTES);
      this.slabUsed = 0;
    }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + size);
    this.slabUsed += size;
    return out;
  };

  constructor(
    private pack: Uint8Array,
    private codec: Codec,
    count: number,
  ) {
    this.rows = {
      n: 0,
      oids: new Uint8Array(count * 20),
      offsets: new Float64Array(count),
      crcs: new Uint32Array(count),
    };
  }

  /** Inflate the entry `h` at `offset`; a delta's instructions go to the reused buffer. */
  inflate(h: EntryHeader, transient: boolean): { out: Uint8Array; end: number } {
    if (transient && h.size > this.scratch.length) this.scratch = new Uint8Array(h.size * 2);
    const r = inflateZlibAt(this.pack, h.data, h.size, transient ? this.scratch : this.alloc(h.size));
    if (r.out.length !== h.size) throw new Error('a pack object inflates to the wrong size');
    return r;
  }

  /** The whole object at `offset` (deltas applied), from the cache or the pack. */
  objectAt(offset: number, depth: number): Resolved {
    const hit = this.cache.get(offset);
    if (hit) return hit;
    if (depth > 64) throw new Error('delta chain too deep');
    const h = entryHeader(this.pack, offset, offset);
    const o = this.resolve(h, this.inflate(h, false).out, depth);
    if (!o) throw new Error(`delta base ${h.baseOid} is missing`);
    this.cache.set(offset, o);
    return o;
  }

  /** The object of entry `h` given its inflated data; undefined when its base is not in the pack (yet). */
  resolve(h: EntryHeader, data: Uint8Array, depth: number): Resolved | undefined {
    if (h.typeCode <= 4) return { type: OBJECT_TYPES[h.typeCode]!, content: data };
    const at = h.baseOffset ?? this.oidMap().get(h.baseOid!);
    if (at === undefined) return undefined;
    const base = this.objectAt(at, depth + 1);
    return { type: base.type, content: applyDelta(base.content, data, this.alloc) };
  }

  /** Name the object `o` found at `offset` and keep it as a possible base. */
  name(o: Resolved, offset: number, crc: number): void {
    const r = this.rows;
    this.codec.objectId(o.type, o.content, r.oids, r.n * 20);
    this.byOid?.set(toHex(r.oids.subarray(r.n * 20, r.n * 20 + 20)), offset);
    r.offsets[r.n] = offset;
    r.crcs[r.n] = crc;
    r.n++;
    this.cache.set(offset, o);
  }

  private oidMap(): Map<string, number> {
    if (!this.byOid) {
      const r = this.rows;
      this.byOid = new Map();
      for (let i = 0; i < r.n; i++) this.byOid.set(toHex(r.oids.subarray(i * 20, i * 20 + 20)), r.offsets[i]!);
    }
    return this.byOid;
  }
}

/** Deltas whose base is later in the pack (or outside it): resolved once the walk is over. */
type Pending = { offset: number; crc: number; h: EntryHeader; data: Uint8Array };

/**
 * Index `pack` (checked against its trailer). `external` finds delta bases outside the pack
 * (thin packs); `onProgress` hears how many objects are done.
 */
export async function indexPack(
  pack: Uint8Array,
  options: { external?: External; onProgress?: (done: number, total: number) => void } = {},
): Promise<IndexedPack> {
  const codec: Codec = await getCodec();
  const view = new DataView(pack.buffer, pack.byteOffset, pack.byteLength);
  if (pack.length < 32 || view.getUint32(0) !== 0x5041434b) throw new Error('not a git pack');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new Error(`unsupported pack version ${version}`);
  const count = view.getUint32(8);
  const trailer = pack.subarray(pack.length - 20);
  if (toHex(await codec.sha1(pack.subarray(0, pack.length - 20))) !== toHex(trailer))
    throw new Error('the pack does not match its checksum');

  const ix = new PackIndexer(pack, codec, count);
  const later: Pending[] = [];
  let offset = 12;
  let sliceStart = performance.now();
  for (let k = 0; k < count; k++) {
    if (offset >= pack.length - 20) throw new Error('the pack ends before its last object');
    const h = entryHeader(pack, offset, offset);
    const { out, end } = ix.inflate(h, h.typeCode >= 6);
    const crc = codec.crc32(pack.subarray(offset, end));
    let o = ix.resolve(h, out, 0);
    if (!o && h.baseOid !== undefined) {
      const base = await options.external?.(h.baseOid);
      if (base) o = { type: base.type, content: applyDelta(base.content, out) };
    }
    if (o) ix.name(o, offset, crc);
    else later.push({ offset, crc, h, data: out.slice() });
    offset = end;
    if ((k & 1023) === 1023) options.onProgress?.(k + 1, count);
    if ((k & 63) === 63 && performance.now() - sliceStart > SLICE_MS) {
      await yieldTask();
      sliceStart = performance.now();
    }
  }
  if (offset !== pack.length - 20) throw new Error('the pack has bytes after its last object');
  await resolveLater(ix, later, options.external);
  options.onProgress?.(count, count);
  return { name: toHex(trailer), idx: await writeIndex(ix.rows, trailer, codec), count };
}

/** Resolve the deltas left over, rounds at a time: each round's objects may be the next one's bases. */
async function resolveLater(ix: PackIndexer, later: Pending[], external: External | undefined): Promise<void> {
  while (later.length) {
    const before = later.length;
    for (let i = 0; i < later.length; i++) {
      const d = later[i]!;
      let o = ix.resolve(d.h, d.data, 0);
      if (!o && d.h.baseOid !== undefined) {
        const base = await external?.(d.h.baseOid);
        if (base) o = { type: base.type, content: applyDelta(base.content, d.data) };
      }
      if (!o) continue;
      ix.name(o, d.offset, d.crc);
      later.splice(i--, 1);
    }
    if (later.length === before) throw new Error(`delta base ${later[0]!.h.baseOid} is missing from the pack`);
  }
}

/** The version-2 index of the rows (any order) for the pack whose trailer is `packSha`. */
async function writeIndex(rows: Rows, packSha: Uint8Array, codec: Codec): Promise<Uint8Array> {
  const { n, oids, offsets, crcs } = rows;
  const cmp = (a: number, b: number) => {
    for (let i = 0; i < 20; i++) {
      const d = oids[a * 20 + i]! - oids[b * 20 + i]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  const order = Uint32Array.from({ length: n }, (_, i) => i).sort(cmp);
  const large = offsets.reduce((m, off) => m + (off >= 0x80000000 ? 1 : 0), 0);
  const out = new Uint8Array(8 + 1024 + n * 28 + large * 8 + 40);
  const v = new DataView(out.buffer);
  out.set([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]);
  for (let i = 0; i < n; i++) v.setUint32(8 + oids[order[i]! * 20]! * 4, i + 1);
  for (let b = 1; b < 256; b++) v.setUint32(8 + b * 4, Math.max(v.getUint32(8 + b * 4), v.getUint32(4 + b * 4)));
  const shaAt = 8 + 1024;
  const crcAt = shaAt + n * 20;
  const offAt = crcAt + n * 4;
  let bigAt = offAt + n * 4;
  let bigs = 0;
  for (let i = 0; i < n; i++) {
    const r = order[i]!;
    out.set(oids.subarray(r * 20, r * 20 + 20), shaAt + i * 20);
    v.setUint32(crcAt + i * 4, crcs[r]!);
    const off = offsets[r]!;
    if (off < 0x80000000) v.setUint32(offAt + i * 4, off);
    else {
      v.setUint32(offAt + i * 4, (0x80000000 | bigs++) >>> 0);
      v.setBigUint64(bigAt, BigInt(off));
      bigAt += 8;
    }
  }
  out.set(packSha, bigAt);
  out.set(await codec.sha1(out.subarray(0, bigAt + 20)), bigAt + 20);
  return out;
}
