// Browser side of bench/staging-idb.bench.ts: runs in Chromium, measures IndexedDB staging.
import { createEventBus } from '../src/core/events/bus.js';
import { canonicalJson, sha256Hex } from '../src/core/hash/index.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import { createRedactor } from '../src/core/redact/redactor.js';
import type { AuditSnapshot } from '../src/core/schemas/audit.js';
import { createStaging } from '../src/core/staging/staging.js';
import type { StageItem } from '../src/core/staging/types.js';
import { createIdbStagingStore } from '../src/core/storage/idb.js';
import { createMemoryStagingStore } from '../src/core/storage/memory.js';
import type { StagingStore } from '../src/core/storage/types.js';

const CARDS = ['security', 'testing', 'quality', 'packages', 'env', 'docs', 'k8s', 'terraform', 'dns', 'audit:scores'];

/** A scan result of about `bytes` of JSON, different per `i` (findings, paths, numbers). */
function scanResult(i: number, bytes: number): Record<string, unknown> {
  const findings: Record<string, unknown>[] = [];
  let size = 60;
  for (let k = 0; size < bytes; k++) {
    const f = {
      id: `F-${i}-${k}`,
      severity: ['low', 'medium', 'high'][k % 3],
      file: `src/module_${k % 17}/file_${(i * 31 + k) % 97}.ts`,
      line: (i * 7 + k * 13) % 900,
      title: `Finding ${k} of scan ${i}: unchecked input reaches a query builder`,
      fixed: k % 5 === 0,
    };
    size += JSON.stringify(f).length + 1;
    findings.push(f);
  }
  return { score: 50 + (i % 50), grade: 'B', issues: findings.length, findings };
}

let dbCounter = 0;
const freshStore = (durability: 'default' | 'relaxed') =>
  createIdbStagingStore({ dbName: `scp-bench-${Date.now()}-${++dbCounter}`, durability });

function snapshotOf(i: number, bytes: number): AuditSnapshot {
  const at = 1_790_000_000 + i;
  return {
    snapshot_id: `bench_20260101_000000_${String(i).padStart(6, '0')}`,
    card_key: CARDS[i % CARDS.length]!,
    audit_type: 'devops',
    computed_at: at,
    iso: new Date(at * 1000).toISOString(),
    status: 'ok',
    duration_s: 0.1,
    summary: `scan ${i}`,
    content_hash: '0'.repeat(64),
    redacted: [],
    data: scanResult(i, bytes),
  };
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

function stagingOn(store: StagingStore) {
  return createStaging({
    store,
    ledger: createMemoryLedger(),
    bus: createEventBus({ channel: false }),
    redactor: createRedactor(),
    policy: 'all',
  });
}

export async function runStagingBenchInPage(count = 1000, bytes = 10_000, rounds = 3): Promise<Record<string, number>> {
  const items: StageItem[] = Array.from({ length: count }, (_, i) => ({
    card_key: CARDS[i % CARDS.length]!,
    result: scanResult(i, bytes),
  }));
  const snapshots = Array.from({ length: count }, (_, i) => snapshotOf(i, bytes));
  const actualBytes = Math.round(snapshots.reduce((n, s) => n + JSON.stringify(s).length, 0) / count);

  // Warm up the JIT and IndexedDB's backing files so the first measured variant is not penalised.
  {
    const store = freshStore('default');
    await stagingOn(store).stageMany(items.slice(0, 50));
    for (const s of snapshots.slice(0, 50)) await store.writeSnapshots({ put: [s] });
    await store.close();
  }

  const results: Record<string, number> = { count, snapshotBytes: actualBytes, rounds };
  // Best of `rounds`, the variants interleaved so a busy moment on the machine hits all of them.
  const run = async (
    name: string,
    durability: 'default' | 'relaxed',
    fn: (store: StagingStore) => Promise<unknown>,
  ) => {
    const store = freshStore(durability);
    await store.listSnapshots(); // open the database outside the timing
    const perSnapshot = (await timed(() => fn(store))) / count;
    results[name] = Math.min(results[name] ?? Infinity, perSnapshot);
    await store.close();
  };
  for (let round = 0; round < rounds; round++) {
    // Baseline: the same adapter, one transaction per snapshot.
    await run('putPerTransactionMs', 'default', async (store) => {
      for (const s of snapshots) await store.writeSnapshots({ put: [s] });
    });
    await run('putOneTransactionMs', 'default', (store) => store.writeSnapshots({ put: snapshots }));
    // The whole pipeline (validate, redact, hash, size check, store), one stage() per scan and batched.
    await run('stageEachMs', 'default', (store) =>
      (async () => {
        const st = stagingOn(store);
        for (const it of items) await st.stage(it.card_key, it.result);
      })(),
    );
    await run('stageManyMs', 'default', (store) => stagingOn(store).stageMany(items));
    await run('stageManyRelaxedMs', 'relaxed', (store) => stagingOn(store).stageMany(items));
    // The same pipeline with a store that drops writes: what the CPU side costs on its own.
    await run('stageManyNoStoreMs', 'default', () =>
      stagingOn({ ...createMemoryStagingStore(), writeSnapshots: async () => undefined }).stageMany(items),
    );
    await run('putPerTransactionRelaxedMs', 'relaxed', async (store) => {
      for (const s of snapshots) await store.writeSnapshots({ put: [s] });
    });
  }

  // Listing pending: metadata store only vs reading every full record (what a list would cost without it).
  {
    const store = freshStore('default');
    await store.writeSnapshots({ put: snapshots });
    const reps = 5;
    let list = 0;
    for (let r = 0; r < reps; r++) list += await timed(() => store.listSnapshots());
    results.listPendingMs = list / reps;
    await store.close();
    const name = `scp-bench-${Date.now()}-${++dbCounter}`;
    const raw = createIdbStagingStore({ dbName: name });
    await raw.writeSnapshots({ put: snapshots });
    await raw.close();
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    let full = 0;
    for (let r = 0; r < reps; r++) {
      full += await timed(
        () =>
          new Promise((resolve, reject) => {
            const req = db.transaction('snapshots').objectStore('snapshots').getAll();
            req.onsuccess = () => resolve(req.result);
            req.onerror = () => reject(req.error);
          }),
      );
    }
    results.listFullRecordsMs = full / reps;
    db.close();
  }

  // Where the pipeline's time goes, per snapshot (no storage).
  {
    const redactor = createRedactor();
    const enc = new TextEncoder();
    const best = (name: string, ms: number) => {
      results[name] = Math.min(results[name] ?? Infinity, ms / count);
    };
    for (let round = 0; round < rounds; round++) {
      let redacted: unknown[] = [];
      best(
        'cpuRedactMs',
        await timed(async () => {
          redacted = items.map((it) => redactor.redact(it.result).value);
        }),
      );
      let texts: string[] = [];
      best(
        'cpuCanonicalJsonMs',
        await timed(async () => {
          texts = redacted.map((d) => canonicalJson(d));
        }),
      );
      best(
        'cpuRedactCanonicalMs',
        await timed(async () => {
          for (const it of items) redactor.redactCanonical!(it.result);
        }),
      );
      best('cpuSha256Ms', await timed(() => Promise.all(texts.map((t) => sha256Hex(enc.encode(t))))));
    }
  }

  results.ratioPerTransactionVsStageMany = results.putPerTransactionMs! / results.stageManyMs!;
  results.ratioStageEachVsStageMany = results.stageEachMs! / results.stageManyMs!;
  results.ratioFullRecordsVsMetaList = results.listFullRecordsMs! / results.listPendingMs!;
  return results;
}

(globalThis as { runStagingBenchInPage?: typeof runStagingBenchInPage }).runStagingBenchInPage = runStagingBenchInPage;
