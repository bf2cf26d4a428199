/**
 * A synchronous zlib (RFC 1950) / deflate (RFC 1951) decoder for browsers. Git objects are small
 * (a few KB); DecompressionStream costs a Blob, a stream pipe and several task hops per call,
 * which measured ~3 ms per object in a Worker, against microseconds here. Node uses its zlib.
 *
 * Codes of up to FAST_BITS bits (every fixed code, most dynamic ones) are decoded with one table
 * lookup; longer ones canonically (counts per length and symbols in code order). Tables are
 * built per block, and a ledger's objects are small (most in one fixed-code block), so the
 * lookup table stays small.
 */

const MAX_BITS = 15;
const FAST_BITS = 9;
const FAST_MASK = (1 << FAST_BITS) - 1;

/** Code lengths → decoding tables. */
interface Huffman {
  /** Codes per length. */
  count: Uint16Array;
  /** Symbols in canonical code order. */
  symbol: Uint16Array;
  /** By the next FAST_BITS bits of input: `length << 16 | symbol`, or 0 for a longer code. */
  fast: Int32Array;
}

/** Tables for one block's dynamic codes, reused: the decoder is synchronous, one block at a time. */
const DYNAMIC = { lengths: newHuffman(19), lit: newHuffman(288), dist: newHuffman(32) };

function newHuffman(n: number): Huffman {
  return { count: new Uint16Array(MAX_BITS + 1), symbol: new Uint16Array(n), fast: new Int32Array(1 << FAST_BITS) };
}

/** Fill `h` (made by newHuffman for at least `n` symbols) for the code with these lengths. */
function buildHuffman(lengths: Uint8Array, n: number, h: Huffman = newHuffman(n)): Huffman {
  const { count, symbol, fast } = h;
  count.fill(0);
  fast.fill(0);
  for (let s = 0; s < n; s++) count[lengths[s]!]!++;
  count[0] = 0;
  // Over-subscribed codes are invalid; incomplete ones are allowed (a single distance code).
  let left = 1;
  for (let len = 1; len <= MAX_BITS; len++) {
    left = (left << 1) - count[len]!;
    if (left < 0) throw new Error('invalid deflate data: over-subscribed code');
  }
  const offs = new Uint16Array(MAX_BITS + 1);
  for (let len = 1; len < MAX_BITS; len++) offs[len + 1] = offs[len]! + count[len]!;
  // Canonical codes are handed out in symbol order within a length; the stream holds each code's
  // bits from its most significant, read least significant first, hence the reversal.
  const next = new Uint16Array(MAX_BITS + 1);
  for (let len = 1, code = 0; len <= MAX_BITS; len++) {
    code = (code + count[len - 1]!) << 1;
    next[len] = code;
  }
  for (let s = 0; s < n; s++) {
    const len = lengths[s]!;
    if (len === 0) continue;
    symbol[offs[len]!++] = s;
    const code = next[len]!++;
    if (len > FAST_BITS) continue;
    let rev = 0;
    for (let b = 0; b < len; b++) rev |= ((code >> b) & 1) << (len - 1 - b);
    for (let j = rev; j <= FAST_MASK; j += 1 << len) fast[j] = (len << 16) | s;
  }
  return h;
}

const LEN_BASE = new Uint16Array([
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
]);
const LEN_EXTRA = new Uint8Array([
  0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
]);
const DIST_BASE = new Uint16Array([
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
  8193, 12289, 16385, 24577,
]);
const DIST_EXTRA = new Uint8Array([
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
]);
/** The order code-length code lengths are sent in. */
const CL_ORDER = new Uint8Array([16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]);

let fixed: { lit: Huffman; dist: Huffman } | undefined;
function fixedCodes(): { lit: Huffman; dist: Huffman } {
  if (fixed) return fixed;
  const l = new Uint8Array(288);
  l.fill(8, 0, 144);
  l.fill(9, 144, 256);
  l.fill(7, 256, 280);
  l.fill(8, 280, 288);
  const d = new Uint8Array(30).fill(5);
  fixed = { lit: buildHuffman(l, 288), dist: buildHuffman(d, 30) };
  return fixed;
}

class Inflater {
  private pos: number;
  private bitBuf = 0;
  private bitCnt = 0;
  out: Uint8Array;
  outLen = 0;

  constructor(
    private src: Uint8Array,
    start: number,
    sizeHint: number,
    into?: Uint8Array,
  ) {
    this.pos = start;
    this.out = into && into.length >= sizeHint ? into : new Uint8Array(Math.max(64, sizeHint));
  }

  get position(): number {
    return this.pos;
  }

  private bits(need: number): number {
    let buf = this.bitBuf;
    while (this.bitCnt < need) {
      if (this.pos >= this.src.length) throw new Error('invalid deflate data: unexpected end of input');
      buf |= this.src[this.pos++]! << this.bitCnt;
      this.bitCnt += 8;
    }
    this.bitBuf = buf >>> need;
    this.bitCnt -= need;
    return buf & ((1 << need) - 1);
  }

  private decode(h: Huffman): number {
    const src = this.src;
    while (this.bitCnt < FAST_BITS && this.pos < src.length) {
      this.bitBuf |= src[this.pos++]! << this.bitCnt;
      this.bitCnt += 8;
    }
    const e = h.fast[this.bitBuf & FAST_MASK]!;
    const len = e >>> 16;
    if (len !== 0 && len <= this.bitCnt) {
      this.bitBuf >>>= len;
      this.bitCnt -= len;
      return e & 0xffff;
    }
    return this.decodeSlow(h);
  }

  /** A code longer than FAST_BITS (or the input's last bits), one bit at a time. */
  private decodeSlow(h: Huffman): number {
    let code = 0;
    let first = 0;
    let index = 0;
    for (let len = 1; len <= MAX_BITS; len++) {
      code |= this.bits(1);
      const count = h.count[len]!;
      if (code - count < first) return h.symbol[index + (code - first)]!;
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    throw new Error('invalid deflate data: bad code');
  }

  private room(n: number): void {
    if (this.outLen + n <= this.out.length) return;
    let size = Math.max(64, this.out.length * 2);
    while (size < this.outLen + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.out.subarray(0, this.outLen));
    this.out = grown;
  }

  private stored(): void {
    // To a byte boundary: whole bytes read ahead go back to the input.
    this.pos -= this.bitCnt >> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
    const s = this.src;
    if (this.pos + 4 > s.length) throw new Error('invalid deflate data: unexpected end of input');
    const len = s[this.pos]! | (s[this.pos + 1]! << 8);
    const nlen = s[this.pos + 2]! | (s[this.pos + 3]! << 8);
    if (len !== (~nlen & 0xffff)) throw new Error('invalid deflate data: stored block length');
    this.pos += 4;
    if (this.pos + len > s.length) throw new Error('invalid deflate data: unexpected end of input');
    this.room(len);
    this.out.set(s.subarray(this.pos, this.pos + len), this.outLen);
    this.outLen += len;
    this.pos += len;
  }

  private codes(lit: Huffman, dist: Huffman): void {
    for (;;) {
      let sym = this.decode(lit);
      if (sym < 256) {
        if (this.outLen >= this.out.length) this.room(1);
        this.out[this.outLen++] = sym;
      } else if (sym === 256) {
        return;
      } else {
        sym -= 257;
        if (sym >= 29) throw new Error('invalid deflate data: bad length code');
        const len = LEN_BASE[sym]! + this.bits(LEN_EXTRA[sym]!);
        const ds = this.decode(dist);
        if (ds >= 30) throw new Error('invalid deflate data: bad distance code');
        const d = DIST_BASE[ds]! + this.bits(DIST_EXTRA[ds]!);
        if (d > this.outLen) throw new Error('invalid deflate data: distance too far back');
        this.room(len);
        const out = this.out;
        let o = this.outLen;
        // Copies may overlap their own output (a run), so byte by byte.
        for (let k = 0; k < len; k++, o++) out[o] = out[o - d]!;
        this.outLen = o;
      }
    }
  }

  private dynamic(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) throw new Error('invalid deflate data: bad counts');
    const lengths = new Uint8Array(320);
    for (let i = 0; i < ncode; i++) lengths[CL_ORDER[i]!] = this.bits(3);
    const lencode = buildHuffman(lengths, 19, DYNAMIC.lengths);
    lengths.fill(0, 0, 19);
    for (let i = 0; i < nlen + ndist; ) {
      const sym = this.decode(lencode);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let len = 0;
      let rep: number;
      if (sym === 16) {
        if (i === 0) throw new Error('invalid deflate data: repeat with no first length');
        len = lengths[i - 1]!;
        rep = 3 + this.bits(2);
      } else if (sym === 17) rep = 3 + this.bits(3);
      else rep = 11 + this.bits(7);
      if (i + rep > nlen + ndist) throw new Error('invalid deflate data: too many lengths');
      while (rep--) lengths[i++] = len;
    }
    if (lengths[256] === 0) throw new Error('invalid deflate data: no end-of-block code');
    const lit = buildHuffman(lengths.subarray(0, nlen), nlen, DYNAMIC.lit);
    const dist = buildHuffman(lengths.subarray(nlen, nlen + ndist), ndist, DYNAMIC.dist);
    this.codes(lit, dist);
  }

  run(): void {
    let last = 0;
    while (!last) {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) {
        const f = fixedCodes();
        this.codes(f.lit, f.dist);
      } else if (type === 2) this.dynamic();
      else throw new Error('invalid deflate data: bad block type');
    }
    // Unused bits of the last byte are padding; whole bytes left in the buffer were not consumed.
    this.pos -= this.bitCnt >> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
  }
}

function adler32(data: Uint8Array, end: number): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < end; ) {
    const stop = Math.min(end, i + 5552);
    for (; i < stop; i++) {
      a += data[i]!;
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/**
 * Inflate one zlib stream from the start of `data` (bytes after its end are ignored, as git's
 * packs need), checking its header and Adler-32. `size`: the expected output length, if known.
 */
export function inflateZlib(data: Uint8Array, size?: number): Uint8Array {
  return inflateZlibAt(data, 0, size).out;
}

/**
 * As inflateZlib, for the stream starting at `start`; `end` is where it ended (its checksum
 * included). `into`: a buffer to inflate into when it is large enough for `size` (the result is
 * then a view of it, valid until the buffer is reused), to spare an allocation per object.
 */
export function inflateZlibAt(
  data: Uint8Array,
  start: number,
  size?: number,
  into?: Uint8Array,
): { out: Uint8Array; end: number } {
  if (data.length - start < 6) throw new Error('invalid zlib data: too short');
  const cmf = data[start]!;
  const flg = data[start + 1]!;
  if ((cmf & 0x0f) !== 8 || cmf >> 4 > 7 || ((cmf << 8) | flg) % 31 !== 0)
    throw new Error('invalid zlib data: bad header');
  if (flg & 0x20) throw new Error('invalid zlib data: preset dictionary');
  const inf = new Inflater(data, start + 2, size ?? Math.min((data.length - start) * 4, 1 << 20), into);
  inf.run();
  const at = inf.position;
  if (at + 4 > data.length) throw new Error('invalid zlib data: no checksum');
  const want = ((data[at]! << 24) | (data[at + 1]! << 16) | (data[at + 2]! << 8) | data[at + 3]!) >>> 0;
  if (adler32(inf.out, inf.outLen) !== want) throw new Error('invalid zlib data: checksum mismatch');
  return { out: inf.out.length === inf.outLen ? inf.out : inf.out.subarray(0, inf.outLen), end: at + 4 };
}
