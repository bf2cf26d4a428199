import assert from 'node:assert/strict';
import { harvestMetadata, harvestValue } from '../../../src/core/runs/harvest.js';
import { judge } from '../../../src/core/runs/status.js';

describe('metadata harvest', () => {
  it('caps strings at 500 characters including the … marker and keeps shorter ones whole', () => {
    assert.equal(harvestValue('a'.repeat(500)), 'a'.repeat(500));
    const long = harvestValue('b'.repeat(501)) as string;
    assert.equal(long.length, 500);
    assert.equal(long, `${'b'.repeat(499)}…`);
  });

  it('keeps 20 list items and adds a "… +N more" marker', () => {
    assert.deepEqual(harvestValue([...Array(20).keys()]), [...Array(20).keys()]);
    assert.deepEqual(harvestValue([...Array(23).keys()]), [...[...Array(20).keys()], '… +3 more']);
  });

  it('bounds nesting, and drops what JSON cannot carry: functions, symbols, bigint, NaN, Infinity, class instances, cycles', () => {
    const cyclic: Record<string, unknown> = { name: 'c' };
    cyclic.self = cyclic;
    class Handle {
      fd = 3;
    }
    const out = harvestValue({
      fn: () => 1,
      sym: Symbol('s'),
      big: 1n,
      nan: Number.NaN,
      inf: Infinity,
      undef: undefined,
      handle: new Handle(),
      map: new Map([[1, 2]]),
      cyclic,
      list: [1, () => 2, 3],
      url: new URL('https://example.test/a'),
      err: new TypeError('bad'),
      deep: [[[[['x']]]]],
    });
    assert.deepEqual(out, {
      cyclic: { name: 'c' },
      list: [1, 3],
      url: 'https://example.test/a',
      err: { name: 'TypeError', message: 'bad' },
      deep: [[['[…]']]],
    });
  });

  it('limits the number of keys per object and says how many were left out', () => {
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${i}`, i]));
    const out = harvestValue(wide) as Record<string, unknown>;
    assert.equal(Object.keys(out).length, 51);
    assert.equal(out['…'], '+10 more');
  });

  it('records a Response by its status line only and a primitive result under `result`', () => {
    assert.deepEqual(harvestMetadata(new Response('secret body', { status: 404, statusText: 'Not Found' })), {
      status: 404,
      ok: false,
      statusText: 'Not Found',
    });
    assert.deepEqual(harvestMetadata(7), { result: 7 });
    assert.deepEqual(harvestMetadata(['a']), { result: ['a'] });
    assert.equal(harvestMetadata(undefined), undefined);
    assert.equal(harvestMetadata({ fn: () => 1 }), undefined);
  });
});

describe('run verdict', () => {
  it('an explicit status wins over what the result says', () => {
    assert.equal(judge({ status: 'partial', result: { ok: false } }, 'x').status, 'partial');
  });
  it('a failure signal wins over a partial status word', () => {
    assert.equal(judge({ result: { ok: false, status: 'partial' } }, 'x').status, 'failed');
  });
  it('maps status words from the result (error, canceled, success)', () => {
    assert.deepEqual(
      ['error', 'canceled', 'success', 'weird'].map((s) => judge({ result: { status: s } }, 'x').status),
      ['failed', 'cancelled', 'ok', 'ok'],
    );
  });
  it('collapses a multi-line error into one summary line', () => {
    const v = judge({ threw: true, error: new Error('line one\n  line two') }, 'build');
    assert.deepEqual(v, { status: 'failed', summary: 'line one line two', error: 'line one line two' });
  });
  it('records a thrown non-Error value by its string form', () => {
    assert.equal(judge({ threw: true, error: 'plain string' }, 'build').error, 'plain string');
    assert.equal(judge({ threw: true, error: undefined }, 'build').error, 'undefined');
  });
  it('treats an error passed to finish() without a throw as a failure', () => {
    assert.deepEqual(judge({ error: new Error('late') }, 'x'), { status: 'failed', summary: 'late', error: 'late' });
  });
});
