import assert from 'node:assert/strict';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import type { Ledger } from '../../../src/core/ledger/types.js';
import { fixture } from './runs-fixture.js';
import { faultyLedger } from '../../helpers/faulty-ledger.js';

describe('runs.get while the run is being written', () => {
  it('finds a run whose group commit lands between its ledger read and its live lookups', async () => {
    const inner = faultyLedger(createMemoryLedger());
    let commitDuringRead: (() => Promise<void>) | undefined;
    // The first read misses (not written yet), and before it returns the commit writes the run and
    // drops it from the tab's list and the store, as a slow ledger read racing the commit would see.
    const racing: Ledger = Object.assign(Object.create(inner) as Ledger, {
      async getRun(id: string) {
        const r = await inner.getRun(id);
        const commit = commitDuringRead;
        commitDuringRead = undefined;
        if (commit) await commit();
        return r;
      },
    });
    const f = fixture({ ledger: racing as typeof inner, groupCommitMs: 60_000 });
    const h = await f.runs.start({ type: 'deploy' });
    await h.finish({ status: 'ok' });
    commitDuringRead = () => f.runs.flush();
    const rec = await f.runs.get(h.id);
    assert.equal(commitDuringRead, undefined, 'the commit ran during the first read');
    assert.equal(rec?.run.run_id, h.id);
    assert.equal(rec?.run.status, 'ok');
    f.dispose();
  });
});
