// Browser side of bench/verify.bench.ts: a seeded gitdir is copied into the IndexedDB fs (by
// git-browser.page.ts's loader), then verified through the Worker ledger.
import './git-browser.page.js';
import { createWorkerGitLedger, type WorkerGitLedger } from '../src/core/ledger/git-browser/worker-ledger.js';

const ledgers = new Map<string, WorkerGitLedger>();

const api = {
  async verify(name: string, full: boolean): Promise<{ ms: number; ok: boolean; commits: number; entries: number }> {
    let l = ledgers.get(name);
    if (!l) {
      l = await createWorkerGitLedger({ name });
      ledgers.set(name, l);
      await l.head();
    }
    const t0 = performance.now();
    const r = await l.verify({ full });
    return { ms: performance.now() - t0, ok: r.ok, commits: r.checked.commits, entries: r.checked.entries };
  },
  async append(name: string, count: number): Promise<void> {
    const { makeAudit } = await import('../test/contract/ledger.js');
    await ledgers
      .get(name)!
      .write({ audits: Array.from({ length: count }, (_, i) => makeAudit({ card_key: `c${i}` })) });
  },
  async close(name: string): Promise<void> {
    await ledgers.get(name)?.close();
    ledgers.delete(name);
  },
};

(globalThis as unknown as { verifyBench: typeof api }).verifyBench = api;
