// Browser side of bench/git-browser.bench.ts: loads seeded ledgers into the IndexedDB fs and
// times saves through the Worker ledger, watching the main thread for long tasks.
import { makeAudit } from '../test/contract/ledger.js';
import { newAuditId } from '../src/core/ids.js';
import { fsNameOf, deleteBrowserGitLedger } from '../src/core/ledger/git-browser/browser-ledger.js';
import LightningFS from '@isomorphic-git/lightning-fs';
import { createIdbFs, deleteIdbFs } from '../src/core/ledger/git-browser/idb-fs.js';
import { createWorkerGitLedger, type WorkerGitLedger } from '../src/core/ledger/git-browser/worker-ledger.js';

const ledgers = new Map<string, WorkerGitLedger>();
const longTasks: number[] = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push(e.duration);
}).observe({ type: 'longtask' });

/** ~2 KB audits, as in the figures. */
function audit() {
  return makeAudit({
    snapshot_id: newAuditId('security'),
    data: {
      score: 78,
      findings: Array.from({ length: 12 }, (_, i) => ({
        rule: `rule-${i}`,
        severity: 'high',
        detail: 'x'.repeat(90),
        paths: ['src/a.ts', 'src/b.ts'],
      })),
    },
  });
}

type P = {
  mkdir(p: string): Promise<unknown>;
  writeFile(p: string, d: Uint8Array): Promise<unknown>;
  flush?(): Promise<unknown>;
};

/** ms per created file (100 creations + flush) once the fs holds each of `counts` files. */
async function createCost(p: P, counts: number[]): Promise<number[]> {
  await p.mkdir('/d');
  for (let s = 0; s < 256; s++) await p.mkdir(`/d/${s.toString(16).padStart(2, '0')}`);
  const data = new Uint8Array(2000);
  const file = (n: number) => `/d/${(n % 256).toString(16).padStart(2, '0')}/f${n}`;
  const out: number[] = [];
  let n = 0;
  for (const target of counts) {
    while (n < target) await p.writeFile(file(n++), data);
    await p.flush?.();
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) await p.writeFile(file(n++), data);
    await p.flush?.();
    out.push((performance.now() - t0) / 100);
  }
  return out;
}

const api = {
  async fsCreateCost(idbCounts: number[], lightningCounts: number[]): Promise<{ idb: number[]; lightning: number[] }> {
    const name = `bench-fs-${Date.now().toString(36)}`;
    const fs = await createIdbFs(name);
    const idb = await createCost(fs.promises as unknown as P, idbCounts);
    fs.close();
    await deleteIdbFs(name);
    const lfs = new LightningFS(`${name}-lfs`, { wipe: true });
    const lightning = await createCost(lfs.promises as unknown as P, lightningCounts);
    return { idb, lightning };
  },
  /** Copies a gitdir seeded in Node (paths relative to the gitdir) into the ledger's fs. */
  async load(name: string, files: string[]): Promise<number> {
    await deleteBrowserGitLedger(name);
    const fs = await createIdbFs(fsNameOf(name));
    const t0 = performance.now();
    for (const rel of files) {
      const bytes = new Uint8Array(
        await (
          await fetch(`/__bench__/file?name=${encodeURIComponent(name)}&p=${encodeURIComponent(rel)}`)
        ).arrayBuffer(),
      );
      const path = `/ledger/${rel}`;
      await fs.promises.mkdir(path.slice(0, path.lastIndexOf('/')), { recursive: true });
      await fs.promises.writeFile(path, bytes);
    }
    await fs.promises.flush();
    fs.close();
    return performance.now() - t0;
  },
  async open(name: string, url?: string): Promise<number> {
    const t0 = performance.now();
    const l = await createWorkerGitLedger({ name, ...(url && { remote: { url } }) });
    ledgers.set(name, l);
    await l.head();
    return performance.now() - t0;
  },
  /** Waits for the worker's background shard-tree warm-up; returns ms waited. */
  async warm(name: string): Promise<number> {
    const t0 = performance.now();
    await ledgers.get(name)!.whenWarm();
    return performance.now() - t0;
  },
  /** One write of `count` audits; returns ms and the longest main-thread task meanwhile. */
  async save(name: string, count: number): Promise<{ ms: number; longest: number }> {
    const l = ledgers.get(name)!;
    const audits = Array.from({ length: count }, audit);
    longTasks.length = 0;
    const t0 = performance.now();
    await l.write({ audits });
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    return { ms, longest: Math.max(0, ...longTasks) };
  },
  async sync(name: string): Promise<{ ms: number; pushed: number; longest: number }> {
    const l = ledgers.get(name)!;
    longTasks.length = 0;
    const t0 = performance.now();
    const r = await l.sync();
    const ms = performance.now() - t0;
    await new Promise((res) => setTimeout(res, 50));
    return { ms, pushed: r.pushed, longest: Math.max(0, ...longTasks) };
  },
  async count(name: string): Promise<number> {
    let n = 0;
    let cursor: string | undefined;
    do {
      const page = await ledgers.get(name)!.list({ limit: 500, ...(cursor && { cursor }) });
      n += page.entries.length;
      cursor = page.cursor;
    } while (cursor);
    return n;
  },
  async close(name: string): Promise<void> {
    await ledgers.get(name)?.close();
    ledgers.delete(name);
    await deleteBrowserGitLedger(name);
  },
};

(globalThis as unknown as { gitBench: typeof api }).gitBench = api;
