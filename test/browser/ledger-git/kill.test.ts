import { expect } from '@esm-bundle/chai';
import { makeAudit } from '../../contract/ledger.js';
import { createBrowserGitLedger, deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';

const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
const slowIt = (name: string, fn: () => Promise<void>) => {
  it(name, async function (this: { timeout(ms: number): void }) {
    this.timeout(300_000);
    await fn();
  });
};

describe('kill during save (browser git ledger in a Worker)', () => {
  slowIt(
    'a worker killed at any write step of a save leaves a ledger that verifies with the old or the new head',
    async () => {
      const name = uniq('kill');
      const setup = await createWorkerGitLedger({ name });
      const first = makeAudit();
      await setup.write({ audits: [first] });
      await setup.close();
      const outcomes: string[] = [];
      let landedWithoutPause = false;
      for (let k = 1; k <= 16 && !landedWithoutPause; k++) {
        const before = await createBrowserGitLedger({ name });
        const oldHead = await before.head();
        const oldCount = (await before.list({ limit: 500 })).entries.length;
        await before.close();

        const w = await createWorkerGitLedger({ name, pauseAtWrite: k });
        const audit = makeAudit();
        const saving = w.write({ audits: [audit] }).then(
          () => 'landed' as const,
          () => 'failed' as const,
        );
        const outcome = await Promise.race([w.paused.then(() => 'paused' as const), saving]);
        if (outcome === 'landed') landedWithoutPause = true;
        w.worker.terminate();

        const after = await createBrowserGitLedger({ name });
        try {
          const head = await after.head();
          const saved = await after.getAudit(audit.snapshot_id);
          if (head === oldHead) {
            expect(saved, `step ${k}: head unchanged but entry visible`).to.equal(undefined);
            outcomes.push(`${k}:old`);
          } else {
            expect(saved?.snapshot_id, `step ${k}: head moved without the entry`).to.equal(audit.snapshot_id);
            outcomes.push(`${k}:new`);
          }
          const count = (await after.list({ limit: 500 })).entries.length;
          expect(count).to.equal(oldCount + (head === oldHead ? 0 : 1));
          const report = await after.verify();
          expect(report.ok, `step ${k}: ${report.reason} ${report.message}`).to.equal(true);
          // The next save after the crash lands (a ref lock left by the dead worker is cleared).
          const next = makeAudit();
          await after.write({ audits: [next] });
          expect((await after.getAudit(next.snapshot_id))?.snapshot_id).to.equal(next.snapshot_id);
        } finally {
          await after.close();
        }
      }
      expect(landedWithoutPause, `saves never completed: ${outcomes.join(' ')}`).to.equal(true);
      expect(outcomes.filter((o) => o.endsWith(':old')).length, outcomes.join(' ')).to.be.at.least(3);
      await deleteBrowserGitLedger(name);
    },
  );
});
