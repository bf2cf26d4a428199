import assert from 'node:assert/strict';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { ledgerContract, makeAudit, makeRun } from '../../contract/ledger.js';

ledgerContract('memory (Node)', async () => ({ ledger: createMemoryLedger() }));

describe('memory ledger specifics', () => {
  it('records one commit per batch and an explicit delete commit, chained by parent', async () => {
    const ledger = createMemoryLedger({ now: () => new Date('2026-02-17T20:45:00Z') });
    const a = makeAudit();
    const b = makeAudit();
    const r = makeRun();
    const first = await ledger.write({ audits: [a, b], runs: [r], actor: 'alice', message: 'save two' });
    const second = await ledger.deleteAudit(a.snapshot_id, { actor: 'bob', reason: 'leaked a token' });
    const log = ledger.log();
    assert.equal(log.length, 2);
    assert.deepEqual(log[0], {
      id: first.commit,
      time: '2026-02-17T20:45:00.000Z',
      actor: 'alice',
      message: 'save two',
      added: [a.snapshot_id, b.snapshot_id, r.run.run_id],
      deleted: [],
    });
    assert.deepEqual(
      { ...log[1], message: log[1]!.message.split('\n')[0] },
      {
        id: second.commit,
        parent: first.commit,
        time: '2026-02-17T20:45:00.000Z',
        actor: 'bob',
        message: `audit: delete ${a.snapshot_id}`,
        added: [second.action_id],
        deleted: [a.snapshot_id],
      },
    );
    assert.match(log[1]!.message, /leaked a token/);
    assert.match(first.commit, /^[0-9a-f]{40}$/);
  });

  it('verifies its stored hashes', async () => {
    const ledger = createMemoryLedger();
    assert.deepEqual(await ledger.verify!(), { ok: true, checked: { commits: 0, entries: 0 } });
    const w = await ledger.write({ audits: [makeAudit()], runs: [makeRun()] });
    assert.deepEqual(await ledger.verify!(), { ok: true, head: w.commit, checked: { commits: 1, entries: 2 } });
  });
});
