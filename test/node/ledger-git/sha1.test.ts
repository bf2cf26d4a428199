// The browser's synchronous SHA-1 (git object ids while indexing a fetched pack) against Node's
// crypto as the oracle: every length around the 64-byte block and its padding, objects larger
// than the reused buffer, and ids written where the caller asks.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { gitObjectSha1 } from '../../../src/core/ledger/git/sha1.js';
import { seededRandom, testSeed } from '../../helpers/seeded-random.js';

const rand = seededRandom(testSeed('sha1'));
const bytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
const oracle = (type: string, body: Uint8Array) =>
  createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
const ours = (type: string, body: Uint8Array) => {
  const out = new Uint8Array(20);
  gitObjectSha1(type, body, out, 0);
  return Buffer.from(out).toString('hex');
};

test('git object ids at every length across the first blocks', () => {
  for (let n = 0; n < 300; n++) {
    for (const type of ['blob', 'tree', 'commit']) {
      const body = bytes(n);
      assert.equal(ours(type, body), oracle(type, body), `${type} of ${n} bytes`);
    }
  }
});

test('objects larger than the reused buffer, then small ones again', () => {
  for (const n of [65_535, 65_536, 100_000, 1_000_003, 17]) {
    const body = bytes(n);
    assert.equal(ours('blob', body), oracle('blob', body), `${n} bytes`);
  }
});

test('the id goes where the caller asks, leaving the rest alone', () => {
  const out = new Uint8Array(60).fill(7);
  const body = bytes(500);
  gitObjectSha1('blob', body, out, 20);
  assert.equal(Buffer.from(out.subarray(20, 40)).toString('hex'), oracle('blob', body));
  assert.ok(out.subarray(0, 20).every((b) => b === 7) && out.subarray(40).every((b) => b === 7));
});
