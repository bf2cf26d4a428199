/**
 * SHA-1 in plain JavaScript, synchronous. Git names every object by its SHA-1; indexing a fetched
 * pack in a browser hashes tens of thousands of small objects, where one `crypto.subtle.digest`
 * promise per object costs more than the hashing itself. (Node uses its crypto.)
 */

const W = new Int32Array(80);

export function sha1Sync(data: Uint8Array): Uint8Array {
  const len = data.length;
  const blocks = ((len + 8) >> 6) + 1;
  let h0 = 0x67452301,
    h1 = 0xefcdab89 | 0,
    h2 = 0x98badcfe | 0,
    h3 = 0x10325476,
    h4 = 0xc3d2e1f0 | 0;
  const tail = new Uint8Array(128);
  const tailStart = Math.floor(len / 64) * 64;
  // The last one or two blocks: the data's end, 0x80, zeros, and the bit length.
  const rest = len - tailStart;
  tail.set(data.subarray(tailStart), 0);
  tail[rest] = 0x80;
  const tailLen = blocks * 64 - tailStart;
  const bits = len * 8;
  const tv = new DataView(tail.buffer);
  tv.setUint32(tailLen - 8, Math.floor(bits / 0x100000000));
  tv.setUint32(tailLen - 4, bits >>> 0);
  for (let b = 0; b < blocks; b++) {
    const at = b * 64;
    const fromTail = at >= tailStart;
    const src = fromTail ? tail : data;
    const o = fromTail ? at - tailStart : at;
    for (let i = 0; i < 16; i++) {
      const k = o + i * 4;
      W[i] = (src[k]! << 24) | (src[k + 1]! << 16) | (src[k + 2]! << 8) | src[k + 3]!;
    }
    for (let i = 16; i < 80; i++) {
      const x = W[i - 3]! ^ W[i - 8]! ^ W[i - 14]! ^ W[i - 16]!;
      W[i] = (x << 1) | (x >>> 31);
    }
    let a = h0,
      bb = h1,
      c = h2,
      d = h3,
      e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (bb & c) | (~bb & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = bb ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (bb & c) | (bb & d) | (c & d);
        k = 0x8f1bbcdc | 0;
      } else {
        f = bb ^ c ^ d;
        k = 0xca62c1d6 | 0;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + W[i]!) | 0;
      e = d;
      d = c;
      c = (bb << 30) | (bb >>> 2);
      bb = a;
      a = t;
    }
    h0 = (h0 + a) | 0;
    h1 = (h1 + bb) | 0;
    h2 = (h2 + c) | 0;
    h3 = (h3 + d) | 0;
    h4 = (h4 + e) | 0;
  }
  const out = new Uint8Array(20);
  const ov = new DataView(out.buffer);
  ov.setInt32(0, h0);
  ov.setInt32(4, h1);
  ov.setInt32(8, h2);
  ov.setInt32(12, h3);
  ov.setInt32(16, h4);
  return out;
}
