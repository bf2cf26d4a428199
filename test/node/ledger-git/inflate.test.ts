// The browser's synchronous zlib decoder against Node's zlib as the oracle: every level and
// strategy, stored/fixed/dynamic blocks, git-like objects and random bytes, trailing pack bytes
// after the stream, and corrupt input rejected rather than misread.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { inflateZlib } from '../../../src/core/ledger/git/inflate.js';
import { seededRandom, testSeed } from '../../helpers/seeded-random.js';

const rand = seededRandom(testSeed('inflate'));

function sample(i: number): Uint8Array {
  const kind = i % 4;
  const n = Math.floor(rand() * (i % 7 === 0 ? 200_000 : 4000));
  if (kind === 0) return Uint8Array.from({ length: n }, () => Math.floor(rand() * 256)); // incompressible
  if (kind === 1) return Uint8Array.from({ length: n }, () => 97 + Math.floor(rand() * 3)); // long runs, far matches
  const json = JSON.stringify(
    Array.from({ length: Math.ceil(n / 60) }, (_, k) => ({
      id: `a${k}`,
      card: 'security',
      ok: rand() > 0.5,
      n: Math.floor(rand() * 1e6),
    })),
  );
  return new TextEncoder().encode(kind === 2 ? json : `blob ${json.length}\0${json}`);
}

const STRATEGIES = [
  zlib.constants.Z_DEFAULT_STRATEGY,
  zlib.constants.Z_FIXED,
  zlib.constants.Z_HUFFMAN_ONLY,
  zlib.constants.Z_RLE,
  zlib.constants.Z_FILTERED,
];

test('inflates what zlib deflates, at every level and strategy', () => {
  for (let i = 0; i < 240; i++) {
    const data = sample(i);
    const level = i % 10;
    const strategy = STRATEGIES[i % STRATEGIES.length]!;
    const packed = zlib.deflateSync(data, { level, strategy });
    assert.deepEqual(
      Buffer.from(inflateZlib(packed, data.length)),
      Buffer.from(data),
      `sample ${i} (level ${level}, strategy ${strategy})`,
    );
    assert.deepEqual(Buffer.from(inflateZlib(packed)), Buffer.from(data), `sample ${i} without a size hint`);
  }
});

/** A zlib stream of `n` × 'a' in a dynamic block whose end code is one bit long, then a stored block. */
function shortEndThenStored(n: number, tail: string): Buffer {
  const bytes: number[] = [0x78, 0x01];
  let acc = 0;
  let cnt = 0;
  const put = (value: number, bits: number) => {
    for (let i = 0; i < bits; i++) {
      acc |= ((value >> i) & 1) << cnt++;
      if (cnt === 8) {
        bytes.push(acc);
        acc = 0;
        cnt = 0;
      }
    }
  };
  put(0, 1); // not the last block
  put(2, 2); // dynamic codes
  put(0, 5); // 257 literal/length codes
  put(0, 5); // 1 distance code
  put(14, 4); // 18 code length code lengths, in the format's order
  for (const sym of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1])
    put(sym === 18 || sym === 1 ? 1 : 0, 3);
  // Code length codes: 1 → bit 0, 18 (a run of zeros) → bit 1.
  const zeros = (k: number) => {
    for (; k > 0; k -= Math.min(k, 138)) {
      put(1, 1);
      put(Math.min(k, 138) - 11, 7);
    }
  };
  zeros(97);
  put(0, 1); // 'a': length 1
  zeros(158);
  put(0, 1); // end of block: length 1
  put(0, 1); // the one distance code: length 1
  for (let i = 0; i < n; i++) put(0, 1); // 'a' is code 0
  put(1, 1); // end of block is code 1
  put(1, 1); // the last block
  put(0, 2); // stored
  if (cnt) put(0, 8 - cnt);
  const t = Buffer.from(tail);
  bytes.push(t.length & 0xff, t.length >> 8, ~t.length & 0xff, (~t.length >> 8) & 0xff, ...t);
  const data = Buffer.concat([Buffer.alloc(n, 'a'), t]);
  let a = 1;
  let b = 0;
  for (const x of data) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return Buffer.concat([Buffer.from(bytes), Buffer.from([b >> 8, b & 0xff, a >> 8, a & 0xff])]);
}

test('a stored block right after a block whose end code is short', () => {
  // A decoder that reads input ahead of the bits it needs must hand whole bytes back before a
  // stored block, which starts at the next byte boundary.
  for (let n = 0; n < 24; n++) {
    const packed = shortEndThenStored(n, 'the stored part');
    const want = zlib.inflateSync(packed); // the oracle accepts the hand-made stream
    assert.equal(want.toString(), `${'a'.repeat(n)}the stored part`);
    assert.deepEqual(Buffer.from(inflateZlib(packed, want.length)), want, `${n} literals before the stored block`);
  }
});

test('empty input and the next object in a pack after the stream', () => {
  assert.equal(inflateZlib(zlib.deflateSync(new Uint8Array(0))).length, 0);
  const a = new TextEncoder().encode('tree 0\0');
  const both = Buffer.concat([zlib.deflateSync(a), zlib.deflateSync(new TextEncoder().encode('the next object'))]);
  assert.deepEqual(Buffer.from(inflateZlib(both, a.length)), Buffer.from(a));
});

test('corrupt streams throw instead of returning wrong bytes', () => {
  const data = sample(2);
  const packed = zlib.deflateSync(data);
  let rejected = 0;
  for (let i = 0; i < 200; i++) {
    const bad = Buffer.from(packed);
    // Not the header's level bits (unchecked, as in zlib) nor the last deflate byte (its padding bits).
    let at = 2 + Math.floor(rand() * (bad.length - 3));
    if (at === bad.length - 5) at = 0;
    bad[at] = bad[at]! ^ (1 + Math.floor(rand() * 255));
    try {
      const out = inflateZlib(bad, data.length);
      assert.notDeepEqual(
        Buffer.from(out),
        Buffer.from(data),
        'a changed stream never inflates to the same bytes unnoticed',
      );
      assert.fail(`flipping byte ${at} went unnoticed`);
    } catch (e) {
      if ((e as Error).name === 'AssertionError') throw e;
      rejected++;
    }
  }
  assert.equal(rejected, 200);
  assert.throws(() => inflateZlib(packed.subarray(0, packed.length - 3)), /invalid zlib data|unexpected end/);
});
