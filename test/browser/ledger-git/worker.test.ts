import { expect } from '@esm-bundle/chai';
import { ScpError } from '../../../src/core/errors/index.js';
import { ledgerContract, makeAudit } from '../../contract/ledger.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { newRepo, forcePushes } from './git-endpoints.js';

/** `it` with room for real IndexedDB, Workers and network work. */
const slowIt = (name: string, fn: () => Promise<void>) => {
  it(name, async function (this: { timeout(ms: number): void }) {
    this.timeout(180_000);
    await fn();
  });
};

const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

let n = 0;
ledgerContract('git ledger in a Worker (RPC proxy)', async () => {
  const name = `worker-contract-${Date.now().toString(36)}-${++n}`;
  const ledger = await createWorkerGitLedger({ name });
  return {
    ledger,
    async cleanup() {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    },
  };
});

describe('git ledger in Workers', () => {
  slowIt('re-creates worker errors as the same ScpError subclass with code and data', async () => {
    const name = uniq('errors');
    const ledger = await createWorkerGitLedger({ name });
    try {
      const a = makeAudit();
      await ledger.write({ audits: [a] });
      let caught: unknown;
      // Different content under a saved id (an identical re-save is idempotent and succeeds).
      try {
        await ledger.write({ audits: [{ ...a, summary: 'rewritten' }] });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ScpError);
      expect((caught as ScpError).constructor.name).to.equal('ConflictError');
      expect((caught as ScpError).code).to.equal('conflict');
      expect((caught as ScpError).data)
        .to.have.property('ids')
        .that.deep.equals([a.snapshot_id]);
    } finally {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    }
  });

  slowIt('two workers of one origin saving 50 snapshots each at the same time keep all 100', async () => {
    const name = uniq('two-writers');
    const [w1, w2] = await Promise.all([createWorkerGitLedger({ name }), createWorkerGitLedger({ name })]);
    try {
      const mine = (w: typeof w1, tag: string) =>
        (async () => {
          const ids: string[] = [];
          for (let i = 0; i < 50; i++) {
            const a = makeAudit({ card_key: tag });
            await w.write({ audits: [a] });
            ids.push(a.snapshot_id);
          }
          return ids;
        })();
      const [ids1, ids2] = await Promise.all([mine(w1, 'security'), mine(w2, 'backup')]);
      const all = new Set([...ids1, ...ids2]);
      expect(all.size).to.equal(100);
      const page = await w1.list({ limit: 500 });
      expect(page.entries.map((m) => m.id).filter((id) => all.has(id)).length).to.equal(100);
      const fromOther = await w2.list({ limit: 500 });
      expect(fromOther.entries.filter((m) => all.has(m.id)).length).to.equal(100);
      for (const id of [ids1[0]!, ids1[49]!, ids2[0]!, ids2[49]!])
        expect((await w2.getAudit(id))?.snapshot_id).to.equal(id);
      const report = await w1.verify();
      expect(report.ok, report.message).to.equal(true);
      expect(report.checked.entries).to.be.at.least(100);
    } finally {
      await Promise.all([w1.close(), w2.close()]);
      await deleteBrowserGitLedger(name);
    }
  });

  slowIt('the main thread has no task over 50 ms while a worker saves 100 audits and syncs them', async () => {
    const name = uniq('longtask');
    const { url } = await newRepo(name);
    const ledger = await createWorkerGitLedger({ name, remote: { url } });
    const longTasks: number[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) longTasks.push(e.duration);
    });
    try {
      await ledger.head(); // worker started and modules loaded before observing
      observer.observe({ type: 'longtask' });
      const audits = Array.from({ length: 100 }, () => makeAudit());
      await ledger.write({ audits });
      for (let i = 0; i < 10; i++) await ledger.write({ audits: [makeAudit()] });
      const res = await ledger.sync();
      await new Promise((r) => setTimeout(r, 100)); // let the observer deliver
      expect(res.pushed).to.be.greaterThan(0);
      expect(longTasks, `long tasks (ms): ${longTasks.map((d) => d.toFixed(0)).join(', ')}`).to.deep.equal([]);
      expect(await forcePushes(name)).to.deep.equal([]);
    } finally {
      observer.disconnect();
      await ledger.close();
      await deleteBrowserGitLedger(name);
    }
  });
});
