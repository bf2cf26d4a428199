// Run tracking cost, measured against baselines in the same run:
//  1. a burst of N finished runs into a real git ledger (node:fs): group commit (one write) vs
//     one ledger write per run (what a commit per button click costs);
//  2. track() overhead per call with the memory store and ledger vs calling the action directly.
// Run alone: node --import tsx bench/runs.bench.ts [--runs N]
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEventBus } from '../src/core/events/bus.js';
import { createGitLedger } from '../src/core/ledger/git/index.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import type { Ledger } from '../src/core/ledger/types.js';
import { createRedactor } from '../src/core/redact/redactor.js';
import { createRuns } from '../src/core/runs/runs.js';
import { createMemoryStagingStore } from '../src/core/storage/memory.js';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const N = arg('runs', 100);

function runsOver(ledger: Ledger, groupCommitMs: number) {
  return createRuns({
    store: createMemoryStagingStore(),
    ledger,
    bus: createEventBus({ channel: false }),
    redactor: createRedactor(),
    groupCommitMs,
    recoverOnStart: false,
  });
}

const result = (i: number) => ({ ok: true, summary: `step ${i} done`, hosts: ['a', 'b', 'c'], took_ms: i });

async function gitLedger() {
  const dir = mkdtempSync(join(tmpdir(), 'scp-runs-bench-'));
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  return { dir, ledger: await createGitLedger({ fs, dir }) };
}

async function burstIntoGit(grouped: boolean): Promise<{ ms: number; commits: number }> {
  const { dir, ledger } = await gitLedger();
  let writes = 0;
  const counted: Ledger = {
    ...ledger,
    write: (b) => {
      writes++;
      return ledger.write(b);
    },
    getRun: (id) => ledger.getRun(id),
  };
  const runs = runsOver(counted, 20);
  const t0 = performance.now();
  if (grouped) {
    await Promise.all(Array.from({ length: N }, (_, i) => runs.track({ type: 'deploy' }, () => result(i))));
    await runs.flush();
  } else {
    for (let i = 0; i < N; i++) {
      await runs.track({ type: 'deploy' }, () => result(i));
      await runs.flush(); // one commit per run
    }
  }
  const ms = performance.now() - t0;
  runs.dispose();
  await ledger.close?.();
  rmSync(dir, { recursive: true, force: true });
  return { ms, commits: writes };
}

async function trackOverhead(): Promise<{ trackedUs: number; directUs: number }> {
  const M = N * 20;
  const runs = runsOver(createMemoryLedger(), 5);
  const action = async (i: number) => result(i);
  for (let i = 0; i < 200; i++) await runs.track({ type: 'build' }, () => action(i)); // warm up
  let t0 = performance.now();
  for (let i = 0; i < M; i++) await action(i);
  const directUs = ((performance.now() - t0) * 1000) / M;
  t0 = performance.now();
  for (let i = 0; i < M; i++) await runs.track({ type: 'build' }, () => action(i));
  await runs.flush();
  const trackedUs = ((performance.now() - t0) * 1000) / M;
  runs.dispose();
  return { trackedUs, directUs };
}

const single = await burstIntoGit(false);
const grouped = await burstIntoGit(true);
console.log(
  `git ledger, ${N} finished runs: one write per run ${single.ms.toFixed(0)} ms (${single.commits} commits, ${(single.ms / N).toFixed(1)} ms/run)`,
);
console.log(
  `git ledger, ${N} finished runs: group commit    ${grouped.ms.toFixed(0)} ms (${grouped.commits} commit(s), ${(grouped.ms / N).toFixed(2)} ms/run)`,
);
console.log(
  `ratio group commit / one write per run: ${(grouped.ms / single.ms).toFixed(3)} (${(single.ms / grouped.ms).toFixed(1)}x faster)`,
);
const o = await trackOverhead();
console.log(
  `track() with memory store + ledger: ${o.trackedUs.toFixed(1)} µs/call vs direct call ${o.directUs.toFixed(2)} µs/call (overhead ${(o.trackedUs - o.directUs).toFixed(1)} µs)`,
);
