/**
 * Indexing a fetched pack (what `git index-pack` does): walk its objects in order, inflate each
 * once to find where it ends, resolve deltas against their bases, hash every object to its name,
 * and write the version-2 index. Resolved objects are kept in a bounded cache by offset: a base
 * is usually a few objects before the deltas that use it, and one pushed out is re-read from the
 * pack, which is in memory.
 */
import { inflateZlibAt } from './inflate.js';
import type { ObjectType } from './objects.js';
import { applyDelta } from './pack-reader.js';
import { buildPackIndex } from './pack-writer.js';
import { getCodec, toHex, utf8, type Codec } from './platform.js';

const TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };
const CACHE_BYTES = 32 << 20;

interface Header {
  typeCode: number;
  size: number;
  data: number;
  baseOffset?: number;
  baseOid?: string;
}

function headerAt(pack: Uint8Array, offset: number): Header {
  let i = offset;
  let b = pack[i++]!;
  const typeCode = (b >> 4) & 7;
  let size = b & 0x0f;
  let shift = 4;
  while (b & 0x80) {
    b = pack[i++]!;
    size += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (typeCode === 6) {
    b = pack[i++]!;
    let rel = b & 0x7f;
    while (b & 0x80) {
      b = pack[i++]!;
      rel = (rel + 1) * 128 + (b & 0x7f);
    }
    if (rel > offset) throw new Error(`pack object at ${offset} points before the pack`);
    return { typeCode, size, data: i, baseOffset: offset - rel };
  }
  if (typeCode === 7) return { typeCode, size, data: i + 20, baseOid: toHex(pack.subarray(i, i + 20)) };
  if (!TYPES[typeCode]) throw new Error(`pack object at ${offset} has unknown type ${typeCode}`);
  return { typeCode, size, data: i };
}

export interface IndexedPack {
  /** The pack's checksum (its trailer), which names its files. */
  name: string;
  idx: Uint8Array;
  count: number;
}

type Resolved = { type: ObjectType; content: Uint8Array };

/**
 * Index `pack` (checked against its trailer). `external` finds delta bases outside the pack
 * (thin packs); `onProgress` hears how many objects are done.
 */
export async function indexPack(
  pack: Uint8Array,
  options: {
    external?: (oid: string) => Promise<Resolved | undefined>;
    onProgress?: (done: number, total: number) => void;
  } = {},
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

  const cache = new Map<number, Resolved>();
  let cached = 0;
  const remember = (offset: number, o: Resolved) => {
    cache.set(offset, o);
    cached += o.content.length;
    for (const [k, v] of cache) {
      if (cached <= CACHE_BYTES) break;
      cache.delete(k);
      cached -= v.content.length;
    }
  };
  const byOid = new Map<string, number>();

  /** The whole object at `offset` (deltas applied), from the cache or the pack. */
  const objectAt = async (offset: number, depth = 0): Promise<Resolved> => {
    const hit = cache.get(offset);
    if (hit) return hit;
    if (depth > 64) throw new Error('delta chain too deep');
    const h = headerAt(pack, offset);
    const data = inflateZlibAt(pack, h.data, h.size).out;
    const o = await resolve(h, data, depth);
    if (!o) throw new Error(`delta base ${h.baseOid} is missing`);
    remember(offset, o);
    return o;
  };
  const resolve = async (h: Header, data: Uint8Array, depth: number): Promise<Resolved | undefined> => {
    if (data.length !== h.size) throw new Error('a pack object inflates to the wrong size');
    if (h.baseOffset !== undefined) {
      const base = await objectAt(h.baseOffset, depth + 1);
      return { type: base.type, content: applyDelta(base.content, data) };
    }
    if (h.baseOid !== undefined) {
      const at = byOid.get(h.baseOid);
      const base = at !== undefined ? await objectAt(at, depth + 1) : await options.external?.(h.baseOid);
      return base && { type: base.type, content: applyDelta(base.content, data) };
    }
    return { type: TYPES[h.typeCode]!, content: data };
  };
  const nameOf = (o: Resolved) => {
    const head = utf8.encode(`${o.type} ${o.content.length}\0`);
    const whole = new Uint8Array(head.length + o.content.length);
    whole.set(head);
    whole.set(o.content, head.length);
    return toHex(codec.sha1Now(whole));
  };

  const rows: { oid: string; crc: number; offset: number }[] = [];
  /** Deltas on a base that comes later in the pack: resolved once the walk is over. */
  const later: { offset: number; crc: number; h: Header; data: Uint8Array }[] = [];
  let offset = 12;
  for (let k = 0; k < count; k++) {
    if (offset >= pack.length - 20) throw new Error('the pack ends before its last object');
    const h = headerAt(pack, offset);
    const { out, end } = inflateZlibAt(pack, h.data, h.size);
    const crc = codec.crc32(pack.subarray(offset, end));
    const o = await resolve(h, out, 0);
    if (o) {
      const oid = nameOf(o);
      byOid.set(oid, offset);
      rows.push({ oid, crc, offset });
      remember(offset, o);
    } else {
      later.push({ offset, crc, h, data: out });
    }
    offset = end;
    if ((k & 1023) === 1023) {
      options.onProgress?.(k + 1, count);
      await new Promise((r) => setTimeout(r, 0)); // let other work in between
    }
  }
  if (offset !== pack.length - 20) throw new Error('the pack has bytes after its last object');
  while (later.length) {
    const before = later.length;
    for (let i = 0; i < later.length; i++) {
      const d = later[i]!;
      const o = await resolve(d.h, d.data, 0);
      if (!o) continue;
      const oid = nameOf(o);
      byOid.set(oid, d.offset);
      rows.push({ oid, crc: d.crc, offset: d.offset });
      later.splice(i--, 1);
    }
    if (later.length === before) throw new Error(`delta base ${later[0]!.h.baseOid} is missing from the pack`);
  }
  options.onProgress?.(count, count);
  return { name: toHex(trailer), idx: await buildPackIndex(rows, trailer), count };
}
