/**
 * Builds one packfile (+ its version-2 index) from whole objects. A batch written as one pack is
 * two files instead of hundreds of loose objects, which is what keeps a save fast on any fs.
 */
import type { RawObject } from './objects.js';
import { concatBytes, fromHex, getCodec, toHex } from './platform.js';

const TYPE_CODE = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

export interface BuiltPack {
  /** Hex SHA-1 of the pack (its trailer), which also names the files. */
  name: string;
  pack: Uint8Array;
  idx: Uint8Array;
}

function objectHeader(type: number, size: number): Uint8Array {
  const bytes: number[] = [];
  let byte = (type << 4) | (size & 0x0f);
  size = Math.floor(size / 16);
  while (size > 0) {
    bytes.push(byte | 0x80);
    byte = size & 0x7f;
    size = Math.floor(size / 128);
  }
  bytes.push(byte);
  return Uint8Array.from(bytes);
}

export async function buildPack(objects: RawObject[]): Promise<BuiltPack> {
  const codec = await getCodec();
  // One copy of each object, in the order given.
  const seen = new Set<string>();
  const unique = objects.filter((o) => {
    if (seen.has(o.oid)) return false;
    seen.add(o.oid);
    return true;
  });
  const head = new Uint8Array(12);
  head.set([0x50, 0x41, 0x43, 0x4b, 0, 0, 0, 2]); // "PACK", version 2
  new DataView(head.buffer).setUint32(8, unique.length);
  const parts: Uint8Array[] = [head];
  const rows: { oid: string; crc: number; offset: number }[] = [];
  let offset = 12;
  const deflated = await Promise.all(unique.map((o) => codec.deflate(o.content, o.type === 'tree' ? 'store' : 'fast')));
  unique.forEach((o, i) => {
    const entry = concatBytes([objectHeader(TYPE_CODE[o.type], o.content.length), deflated[i]!]);
    rows.push({ oid: o.oid, crc: codec.crc32(entry), offset });
    parts.push(entry);
    offset += entry.length;
  });
  const body = concatBytes(parts);
  const packSha = await codec.sha1(body);
  const pack = concatBytes([body, packSha]);

  return { name: toHex(packSha), pack, idx: await buildPackIndex(rows, packSha) };
}

/** A version-2 pack index for the pack whose trailer is `packSha`: one row per object (sorted here). */
export async function buildPackIndex(
  rows: { oid: string; crc: number; offset: number }[],
  packSha: Uint8Array,
): Promise<Uint8Array> {
  const codec = await getCodec();
  rows.sort((a, b) => (a.oid < b.oid ? -1 : a.oid > b.oid ? 1 : 0));
  const fanout = new Uint8Array(256 * 4);
  const fv = new DataView(fanout.buffer);
  let r = 0;
  for (let i = 0; i < 256; i++) {
    while (r < rows.length && parseInt(rows[r]!.oid.slice(0, 2), 16) <= i) r++;
    fv.setUint32(i * 4, r);
  }
  // One buffer per table: a fetched pack has tens of thousands of rows.
  const n = rows.length;
  const shas = new Uint8Array(n * 20);
  const crcs = new Uint8Array(n * 4);
  const offs = new Uint8Array(n * 4);
  const cv = new DataView(crcs.buffer);
  const ov = new DataView(offs.buffer);
  const large: Uint8Array[] = [];
  rows.forEach((x, i) => {
    shas.set(fromHex(x.oid), i * 20);
    cv.setUint32(i * 4, x.crc >>> 0);
    if (x.offset < 0x80000000) {
      ov.setUint32(i * 4, x.offset);
      return;
    }
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(x.offset));
    large.push(b);
    ov.setUint32(i * 4, (0x80000000 | (large.length - 1)) >>> 0);
  });
  const idxBody = concatBytes([
    Uint8Array.from([0xff, 0x74, 0x4f, 0x63, 0, 0, 0, 2]),
    fanout,
    shas,
    crcs,
    offs,
    ...large,
    packSha,
  ]);
  return concatBytes([idxBody, await codec.sha1(idxBody)]);
}
