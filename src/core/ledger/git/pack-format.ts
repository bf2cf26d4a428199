/**
 * The pack format's object entries, shared by the pack reader and the pack indexer: the header
 * in front of each object (type, inflated size, delta base) and git's delta instructions.
 */
import type { ObjectType } from './objects.js';
import { toHex } from './platform.js';

export const OBJECT_TYPES: Record<number, ObjectType> = { 1: 'commit', 2: 'tree', 3: 'blob', 4: 'tag' };

export interface EntryHeader {
  /** 1–4 an object (OBJECT_TYPES), 6 a delta on an earlier offset, 7 a delta on an object id. */
  typeCode: number;
  /** The inflated size (of the delta, for deltas). */
  size: number;
  /** Where the zlib stream starts, as an index into the bytes parsed. */
  data: number;
  /** Pack offset of the delta base (type 6). */
  baseOffset?: number;
  /** Object id of the delta base (type 7). */
  baseOid?: string;
}

/**
 * Parse the entry header at index `i` of `bytes`, which hold the pack from pack offset `offset`
 * at index `i` on (the whole pack, or a read from `offset`). Throws on an unknown type or an
 * offset delta that points before the pack.
 */
export function entryHeader(bytes: Uint8Array, i: number, offset: number): EntryHeader {
  let b = bytes[i++]!;
  const typeCode = (b >> 4) & 7;
  let size = b & 0x0f;
  let shift = 4;
  while (b & 0x80) {
    b = bytes[i++]!;
    size += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (typeCode === 6) {
    b = bytes[i++]!;
    let rel = b & 0x7f;
    while (b & 0x80) {
      b = bytes[i++]!;
      rel = (rel + 1) * 128 + (b & 0x7f);
    }
    if (rel > offset) throw new Error(`pack object at ${offset} points before the pack`);
    return { typeCode, size, data: i, baseOffset: offset - rel };
  }
  if (typeCode === 7) return { typeCode, size, data: i + 20, baseOid: toHex(bytes.subarray(i, i + 20)) };
  if (!OBJECT_TYPES[typeCode]) throw new Error(`pack object at ${offset} has unknown type ${typeCode}`);
  return { typeCode, size, data: i };
}

/**
 * Apply a git delta (copy / insert instructions) to its base object's content. `alloc` gives the
 * result's buffer (the pack indexer hands out views of larger blocks).
 */
export function applyDelta(
  base: Uint8Array,
  delta: Uint8Array,
  alloc: (size: number) => Uint8Array = (n) => new Uint8Array(n),
): Uint8Array {
  let i = 0;
  const varint = () => {
    let v = 0;
    let shift = 0;
    let b: number;
    do {
      b = delta[i++]!;
      v += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return v;
  };
  const srcSize = varint();
  if (srcSize !== base.length) throw new Error('delta base size mismatch');
  const out = alloc(varint());
  let o = 0;
  while (i < delta.length) {
    const op = delta[i++]!;
    if (op & 0x80) {
      let off = 0;
      let size = 0;
      if (op & 0x01) off |= delta[i++]!;
      if (op & 0x02) off |= delta[i++]! << 8;
      if (op & 0x04) off |= delta[i++]! << 16;
      if (op & 0x08) off += delta[i++]! * 2 ** 24;
      if (op & 0x10) size |= delta[i++]!;
      if (op & 0x20) size |= delta[i++]! << 8;
      if (op & 0x40) size |= delta[i++]! << 16;
      if (size === 0) size = 0x10000;
      if (off + size > base.length || o + size > out.length) throw new Error('delta copies beyond its base or result');
      if (size > 32) out.set(base.subarray(off, off + size), o);
      else for (let k = 0; k < size; k++) out[o + k] = base[off + k]!;
      o += size;
    } else if (op > 0) {
      if (i + op > delta.length || o + op > out.length) throw new Error('delta inserts beyond its end or result');
      // Inserts are short (at most 127 bytes): a loop beats a subarray and a set.
      for (let k = 0; k < op; k++) out[o + k] = delta[i + k]!;
      i += op;
      o += op;
    } else {
      throw new Error('invalid delta opcode 0');
    }
  }
  if (o !== out.length) throw new Error('delta result size mismatch');
  return out;
}
