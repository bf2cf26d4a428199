// The browser's CRC-32 (pack index rows) against Node's zlib as the oracle, at every length
// around its eight-byte steps and on larger random input.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { crc32 } from '../../../src/core/ledger/git/crc32.js';
import { seededRandom, testSeed } from '../../helpers/seeded-random.js';

const rand = seededRandom(testSeed('crc32'));
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));

test('matches zlib at every length up to 100 bytes and on large input', () => {
  for (let n = 0; n <= 100; n++) {
    const d = bytes(n);
    assert.equal(crc32(d), zlib.crc32(d) >>> 0, `${n} bytes`);
  }
  for (const n of [4096, 100_003]) {
    const d = bytes(n);
    assert.equal(crc32(d), zlib.crc32(d) >>> 0, `${n} bytes`);
    assert.equal(crc32(d.subarray(3, n - 5)), zlib.crc32(d.subarray(3, n - 5)) >>> 0, 'an unaligned view');
  }
});
