import assert from 'node:assert/strict';
import { loadOnce } from '../../../src/core/load-once.js';

describe('loadOnce', () => {
  it('loads once for every caller, and only when first asked', async () => {
    let calls = 0;
    const get = loadOnce(async () => ({ n: ++calls }));
    assert.equal(get.started(), undefined);
    const [a, b] = await Promise.all([get(), get()]);
    assert.equal(calls, 1);
    assert.equal(a, b);
    assert.equal(await get.started(), a);
  });

  it('forgets a failed load so the next call tries again', async () => {
    let calls = 0;
    const get = loadOnce(async () => {
      if (++calls === 1) throw new Error('chunk 404');
      return 'code';
    });
    await assert.rejects(get(), /chunk 404/);
    assert.equal(get.started(), undefined);
    assert.equal(await get(), 'code');
    assert.equal(calls, 2);
  });
});
