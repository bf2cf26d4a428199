import assert from 'node:assert/strict';
import { createLazyStaging } from '../../../src/core/staging/lazy.js';
import { rig, rejection } from './fixtures.js';

// createScp hands out staging before its code has loaded; the first calls wait for it.
describe('staging before its code has loaded', () => {
  function lazy(delayMs: number) {
    const r = rig({ policy: 'all' });
    const staging = createLazyStaging(async () => {
      await new Promise((res) => setTimeout(res, delayMs));
      return r.staging;
    });
    return { staging, r };
  }

  it('dates a scan by when it was handed over, not by when the code arrived', async () => {
    const { staging, r } = lazy(80);
    const handedOver = Date.now();
    const [one] = await Promise.all([
      staging.stage('security', { findings: [] }),
      staging.stageMany([
        { card_key: 'testing', result: { passed: 3 } },
        { card_key: 'quality', result: { score: 1 }, options: { summary: 'ok' } },
      ]),
    ]);
    assert.equal(one.staged, true);
    const metas = await r.staging.list();
    assert.equal(metas.length, 3);
    for (const m of metas) {
      const at = m.computed_at * 1000; // the origin's epoch seconds
      assert.ok(at - handedOver < 40, `${m.card_key} computed_at ${m.computed_at} is the hand-over time, not +80 ms`);
    }
  });

  it('keeps a computed_at the caller gave, and still reports bad options as staging does', async () => {
    const { staging, r } = lazy(0);
    const when = new Date('2026-02-17T20:45:00.000Z');
    await staging.stage('security', { findings: [] }, { computed_at: when });
    assert.equal((await r.staging.list())[0]!.computed_at, when.getTime() / 1000);
    assert.equal((await rejection(staging.stage('security', {}, null as never))).code, 'validation');
  });
});
