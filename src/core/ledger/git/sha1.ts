/**
 * SHA-1 in plain JavaScript, synchronous. Git names every object by its SHA-1; indexing a fetched
 * pack in a browser hashes ~150,000 small objects for a 100,000-entry ledger, where one
 * `crypto.subtle.digest` promise per object costs more than the hashing itself. (Node uses its
 * crypto.) The message is copied into one reused buffer with its padding, so hashing allocates
 * nothing but the 20-byte result.
 */

const W = new Int32Array(80);
let scratch = new Uint8Array(1 << 16);
let view = new DataView(scratch.buffer);

/** Hash the first `blocks` 64-byte blocks of the scratch buffer into `h`. */
function compress(h: Int32Array, blocks: number): void {
  const s = scratch;
  let h0 = h[0]!;
  let h1 = h[1]!;
  let h2 = h[2]!;
  let h3 = h[3]!;
  let h4 = h[4]!;
  for (let at = 0; at < blocks * 64; at += 64) {
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    let t: number;
    let i = 0;
    // The message schedule is computed as the rounds go; each of the four quarters has its own
    // function and constant.
    for (; i < 16; i++) {
      const k = at + i * 4;
      const x = (s[k]! << 24) | (s[k + 1]! << 16) | (s[k + 2]! << 8) | s[k + 3]!;
      W[i] = x;
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + x) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 20; i++) {
      const x = word(i);
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + 0x5a827999 + x) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 40; i++) {
      const x = word(i);
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + 0x6ed9eba1 + x) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 60; i++) {
      const x = word(i);
      t = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e - 0x70e44324 + x) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    for (; i < 80; i++) {
      const x = word(i);
      t = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e - 0x359d3e2a + x) | 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + b) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  h[0] = h0;
  h[1] = h1;
  h[2] = h2;
  h[3] = h3;
  h[4] = h4;
}

/** Schedule word `i` (16 ≤ i < 80), stored for the words after it. */
function word(i: number): number {
  const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
  const w = (x << 1) | (x >>> 31);
  W[i] = w;
  return w;
}

const H = new Int32Array(5);

/** Hash `len` bytes already in the scratch buffer (which has room for the padding) into `out` at `at`. */
function finish(len: number, out: Uint8Array, at: number): void {
  const blocks = ((len + 8) >> 6) + 1;
  scratch.fill(0, len, blocks * 64);
  scratch[len] = 0x80;
  view.setUint32(blocks * 64 - 8, Math.floor(len / 0x20000000));
  view.setUint32(blocks * 64 - 4, (len * 8) >>> 0);
  H.set([0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476, 0xc3d2e1f0 | 0]);
  compress(H, blocks);
  for (let i = 0; i < 5; i++) {
    const x = H[i]!;
    out[at++] = x >>> 24;
    out[at++] = x >>> 16;
    out[at++] = x >>> 8;
    out[at++] = x;
  }
}

/** Room in the scratch buffer for `len` bytes of message and their padding. */
function reserve(len: number): void {
  if (len + 72 <= scratch.length) return;
  let size = scratch.length;
  while (size < len + 72) size *= 2;
  scratch = new Uint8Array(size);
  view = new DataView(scratch.buffer);
}

/**
 * The id of a git object: SHA-1 of `<type> <size>\0` followed by `body`, without joining them
 * into a new array first. Written to `out` at `at` (20 bytes).
 */
export function gitObjectSha1(type: string, body: Uint8Array, out: Uint8Array, at: number): void {
  const size = String(body.length);
  const head = type.length + size.length + 2;
  const len = head + body.length;
  reserve(len);
  const s = scratch;
  let o = 0;
  for (let i = 0; i < type.length; i++) s[o++] = type.charCodeAt(i);
  s[o++] = 0x20;
  for (let i = 0; i < size.length; i++) s[o++] = size.charCodeAt(i);
  s[o++] = 0;
  s.set(body, head);
  finish(len, out, at);
}
