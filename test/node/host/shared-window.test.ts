import assert from 'node:assert/strict';
import { sharedWindow } from '../../../src/core/host/shared-window.js';

describe('sharedWindow', () => {
  it('runs once for calls made in separate tasks within the window, and starts after the last of them', async () => {
    const order: string[] = [];
    let runs = 0;
    const get = sharedWindow(async () => {
      order.push('run');
      return ++runs;
    });
    // Timers due at the same time (elements refreshing on one event) fire as separate tasks.
    const calls = await new Promise<Promise<number>[]>((resolve) => {
      const out: Promise<number>[] = [];
      for (let i = 0; i < 5; i++)
        setTimeout(() => {
          order.push(`call ${i}`);
          out.push(get());
          if (out.length === 5) resolve(out);
        }, 0);
    });
    assert.deepEqual(await Promise.all(calls), [1, 1, 1, 1, 1]);
    assert.deepEqual(order, ['call 0', 'call 1', 'call 2', 'call 3', 'call 4', 'run']);
  });

  it('gives a call made after the run started a fresh run, and shares a failure only with its batch', async () => {
    let runs = 0;
    const get = sharedWindow(async () => {
      runs++;
      if (runs === 1) throw new Error('host down');
      return runs;
    });
    await assert.rejects(get(), /host down/);
    assert.equal(await get(), 2);
  });
});
