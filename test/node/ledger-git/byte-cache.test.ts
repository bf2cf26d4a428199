// The delta-base cache of the pack reader and indexer: bounded by bytes, oldest out first, and
// still bounded after hundreds of thousands of entries came and went.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteCache } from '../../../src/core/ledger/git/byte-cache.js';

const entry = (n: number) => ({ content: new Uint8Array(n) });

test('holds at most its limit in bytes, evicting the oldest first', () => {
  const c = new ByteCache<number, { content: Uint8Array }>(1000);
  for (let i = 0; i < 10; i++) c.set(i, entry(100));
  assert.equal(c.size, 1000);
  c.set(10, entry(250));
  assert.ok(c.size <= 1000, `${c.size} bytes`);
  for (const gone of [0, 1, 2]) assert.equal(c.get(gone), undefined, `entry ${gone} evicted`);
  for (let i = 3; i <= 10; i++) assert.ok(c.get(i), `entry ${i} kept`);
});

test('setting a key again replaces its bytes instead of adding them', () => {
  const c = new ByteCache<string, { content: Uint8Array }>(1000);
  c.set('a', entry(600));
  c.set('a', entry(300));
  c.set('b', entry(600));
  assert.equal(c.size, 900);
  assert.equal(c.get('a')?.content.length, 300);
});

test('an entry larger than the limit passes through without keeping the rest out forever', () => {
  const c = new ByteCache<number, { content: Uint8Array }>(100);
  c.set(1, entry(500));
  assert.equal(c.size, 0);
  c.set(2, entry(50));
  assert.equal(c.get(2)?.content.length, 50);
});

test('stays bounded over many entries', () => {
  const c = new ByteCache<number, { content: Uint8Array }>(10_000);
  for (let i = 0; i < 300_000; i++) {
    c.set(i, entry(1 + (i % 97)));
    if (i % 7 === 0) c.get(i - 50);
  }
  assert.ok(c.size <= 10_000);
  assert.ok(c.get(299_999));
  assert.equal(c.get(0), undefined);
});
