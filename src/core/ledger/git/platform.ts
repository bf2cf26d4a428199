/**
 * Hashing, compression and CRC for building git objects and packs. Node's zlib and crypto are
 * an order of magnitude faster than CompressionStream / crypto.subtle for many small objects, so
 * they are used when present; the browser falls back to the web platform APIs.
 */
import { crc32 as crc32Js } from './crc32.js';
import { inflateZlib } from './inflate.js';
import { gitObjectSha1 } from './sha1.js';

export interface Codec {
  sha1(data: Uint8Array): Promise<Uint8Array>;
  /**
   * A git object's id (SHA-1 of `<type> <size>\0<content>`), written to `out` at `at`, at once:
   * indexing a fetched pack hashes many small objects in a row.
   */
  objectId(type: string, content: Uint8Array, out: Uint8Array, at: number): void;
  sha256Hex(text: string): Promise<string>;
  /** zlib stream of `data`; `store` skips compression (tree objects are mostly binary ids). */
  deflate(data: Uint8Array, mode?: 'fast' | 'store'): Promise<Uint8Array>;
  /** `size`: the expected output length when known (lets Node allocate just that). */
  inflate(data: Uint8Array, size?: number): Promise<Uint8Array>;
  crc32(data: Uint8Array): number;
}

/**
 * A zlib stream of stored (uncompressed) deflate blocks. Tree objects are mostly binary ids that
 * do not compress; writing them stored costs a copy and a checksum instead of a compressor.
 */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + blocks * 5 + 4);
  out[0] = 0x78;
  out[1] = 0x01;
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535;
    const len = Math.min(65535, data.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0;
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  let a = 1;
  let c = 0;
  for (let i = 0; i < data.length; ) {
    const end = Math.min(data.length, i + 5552);
    for (; i < end; i++) {
      a += data[i]!;
      c += a;
    }
    a %= 65521;
    c %= 65521;
  }
  out[o++] = c >>> 8;
  out[o++] = c & 0xff;
  out[o++] = a >>> 8;
  out[o++] = a & 0xff;
  return out;
}

async function streamThrough(data: Uint8Array, stream: TransformStream<Uint8Array, Uint8Array>): Promise<Uint8Array> {
  const out = new Response(new Blob([data as Uint8Array<ArrayBuffer>]).stream().pipeThrough(stream));
  return new Uint8Array(await out.arrayBuffer());
}

const webCodec: Codec = {
  async sha1(data) {
    return new Uint8Array(await crypto.subtle.digest('SHA-1', data as Uint8Array<ArrayBuffer>));
  },
  objectId: gitObjectSha1,
  async sha256Hex(text) {
    return toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', utf8.encode(text))));
  },
  deflate: async (data, mode) =>
    mode === 'store'
      ? zlibStored(data)
      : streamThrough(data, new CompressionStream('deflate') as unknown as TransformStream<Uint8Array, Uint8Array>),
  // Synchronous: a DecompressionStream per object cost ~3 ms in a Worker (ledger objects are small).
  inflate: async (data, size) => inflateZlib(data, size),
  crc32: crc32Js,
};

let codecPromise: Promise<Codec> | undefined;

/** The fastest codec this platform offers (loaded once). */
export function getCodec(): Promise<Codec> {
  codecPromise ??= loadCodec();
  return codecPromise;
}

async function loadCodec(): Promise<Codec> {
  const isNode =
    typeof (globalThis as { process?: { versions?: { node?: string } } }).process?.versions?.node === 'string';
  if (!isNode) return webCodec;
  try {
    // Specifiers kept in variables so browser bundlers leave them alone.
    const zlibName = 'node:zlib';
    const cryptoName = 'node:crypto';
    const zlib = await import(/* @vite-ignore */ zlibName);
    const nodeCrypto = await import(/* @vite-ignore */ cryptoName);
    const u8 = (b: { buffer: ArrayBufferLike; byteOffset: number; byteLength: number }) =>
      new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return {
      async sha1(data) {
        return u8(nodeCrypto.createHash('sha1').update(data).digest());
      },
      objectId: (type, content, out, at) =>
        out.set(nodeCrypto.createHash('sha1').update(`${type} ${content.length}\0`).update(content).digest(), at),
      async sha256Hex(text) {
        return nodeCrypto.createHash('sha256').update(text, 'utf8').digest('hex');
      },
      // Small windows keep zlib's per-call allocation small: objects here are a few KB.
      async deflate(data, mode = 'fast') {
        return mode === 'store' ? zlibStored(data) : u8(zlib.deflateSync(data, { level: 1 }));
      },
      // zlib's default output chunk is 16 KB per call; sized to the object, a rebuild reading
      // 100,000 small objects no longer leaves gigabytes of chunks for the collector.
      async inflate(data, size) {
        return u8(zlib.inflateSync(data, size !== undefined ? { chunkSize: Math.max(64, size + 64) } : undefined));
      },
      crc32: typeof zlib.crc32 === 'function' ? (data) => zlib.crc32(data) >>> 0 : crc32Js,
    };
  } catch {
    return webCodec;
  }
}

// Node's Buffer converts hex natively; browsers fall back to the loops below.
export const NodeBuffer = (
  globalThis as {
    Buffer?: {
      from(
        a: ArrayBufferLike | string,
        b?: number | string,
        c?: number,
      ): Uint8Array & {
        toString(enc: string, start?: number, end?: number): string;
        write(s: string, offset: number, enc: string): number;
      };
    };
  }
).Buffer;

export function toHex(bytes: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

export function fromHex(hex: string): Uint8Array {
  if (NodeBuffer) return NodeBuffer.from(hex, 'hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Text of bytes known to be ASCII (tree modes, ids, ref names): cheaper than a TextDecoder per field. */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  if (NodeBuffer)
    return NodeBuffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1', start, end);
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]!);
  return s;
}

export const utf8 = new TextEncoder();
export const utf8Decode = new TextDecoder();
