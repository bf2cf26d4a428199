// Browser side of bench/browser-sync.bench.ts: a fresh profile's ledger syncing a big remote,
// its read index catching up, verify and push, with the main thread watched for long tasks.
import { makeAudit } from '../test/contract/ledger.js';
import { newAuditId } from '../src/core/ids.js';
import type { LedgerProgress } from '../src/core/schemas/ledger.js';
import { createWorkerGitLedger, type WorkerGitLedger } from '../src/core/ledger/git-browser/worker-ledger.js';

let ledger: WorkerGitLedger | undefined;
const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push(e.duration);
}).observe({ type: 'longtask' });
const progress: LedgerProgress[] = [];

const longest = () => Math.max(0, ...longTasks.splice(0));
const settle = () => new Promise((r) => setTimeout(r, 50));

const api = {
  async open(name: string, url: string): Promise<void> {
    ledger = await createWorkerGitLedger({
      name,
      remote: { url },
      onProgress: (p) => {
        progress.push(p);
        if ((globalThis as { benchVerbose?: boolean }).benchVerbose) console.log(JSON.stringify(p));
      },
    });
  },
  /** First sync; then the time until a list shows rows, and until the index has every entry. */
  async firstSync(): Promise<{
    syncMs: number;
    firstRowsMs: number;
    indexedMs: number;
    fetched: number;
    longest: number;
    progressEvents: number;
    lastSyncProgress?: LedgerProgress;
  }> {
    const l = ledger!;
    longTasks.length = 0;
    progress.length = 0;
    const t0 = performance.now();
    const r = await l.sync();
    const t1 = performance.now();
    let firstRowsMs = Number.NaN;
    for (;;) {
      const page = await l.list({ limit: 50 });
      if (Number.isNaN(firstRowsMs) && page.entries.length > 0) firstRowsMs = performance.now() - t1;
      if (!page.indexing && page.entries.length > 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const indexedMs = performance.now() - t1;
    await settle();
    const lastSyncProgress = [...progress].reverse().find((p) => p.op === 'sync' && p.phase !== 'done');
    return {
      syncMs: t1 - t0,
      firstRowsMs,
      indexedMs,
      fetched: r.fetched,
      longest: longest(),
      progressEvents: progress.length,
      ...(lastSyncProgress && { lastSyncProgress }),
    };
  },
  async countListed(): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await ledger!.list({ limit: 500, ...(cursor && { cursor }) });
      n += page.entries.length;
      cursor = page.cursor;
    } while (cursor);
    return n;
  },
  async verify(full: boolean): Promise<{ ms: number; ok: boolean; commits: number; entries: number; longest: number }> {
    longTasks.length = 0;
    const t0 = performance.now();
    const r = await ledger!.verify(full ? { full: true } : {});
    const ms = performance.now() - t0;
    await settle();
    return { ms, ok: r.ok, commits: r.checked.commits, entries: r.checked.entries, longest: longest() };
  },
  async sync(): Promise<{ ms: number; fetched: number; pushed: number; longest: number }> {
    longTasks.length = 0;
    const t0 = performance.now();
    const r = await ledger!.sync();
    const ms = performance.now() - t0;
    await settle();
    return { ms, fetched: r.fetched, pushed: r.pushed, longest: longest() };
  },
  async write(count: number): Promise<void> {
    await ledger!.write({
      audits: Array.from({ length: count }, () => makeAudit({ snapshot_id: newAuditId('security') })),
    });
  },
  async close(): Promise<void> {
    await ledger?.close();
    ledger = undefined;
  },
};

(globalThis as unknown as { syncBench: typeof api }).syncBench = api;
