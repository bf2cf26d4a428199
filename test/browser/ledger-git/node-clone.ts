// Node side of the Chromium + Node sync test, run inside the test runner's process through the
// `scp-node-call` server command (scripts/wtr/plugins.mjs). Server commands time out after 20 s,
// so rounds run as a background job that the browser polls.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { ScpError } from '../../../src/core/errors/index.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';
import type { GitServer } from '../../helpers/git-server.mjs';
import { appendEntriesInChild, entriesOnBranch, seedRepo } from '../../helpers/seed-ledger.js';

interface Job {
  done: boolean;
  result?: unknown;
  error?: string;
}
// tsx may load this module afresh per call: keep jobs on the process.
const jobsHome = globalThis as { __scpNodeCloneJobs?: Map<string, Job> };
jobsHome.__scpNodeCloneJobs ??= new Map();
const jobs: Map<string, Job> = jobsHome.__scpNodeCloneJobs;

/** Starts a Node clone writing `rounds` audits, syncing after each; returns a job id. */
export function startRounds(url: string, rounds: number, card: string): string {
  const id = `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const job: Job = { done: false };
  jobs.set(id, job);
  // Runs in the background (the browser polls jobStatus); every failure is caught into job.error.
  void (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-node-clone-'));
    try {
      const ledger = await createGitLedger({ fs, http, dir, remote: { url } });
      const written: string[] = [];
      let rejected = 0;
      for (let i = 0; i < rounds; i++) {
        const a = makeAudit({ card_key: card });
        await ledger.write({ audits: [a] });
        written.push(a.snapshot_id);
        try {
          await ledger.sync();
        } catch (e) {
          if (!(e instanceof ScpError && e.code === 'push_rejected')) throw e;
          rejected++; // lost every retry to the other writer: the next round carries the entry
        }
      }
      for (let i = 0; ; i++) {
        try {
          await ledger.sync();
          break;
        } catch (e) {
          if (i >= 10 || !(e instanceof ScpError && e.code === 'push_rejected')) throw e;
        }
      }
      const verify = await ledger.verify();
      job.result = { written, rejected, verifyOk: verify.ok };
    } catch (e) {
      job.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    } finally {
      job.done = true;
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return id;
}

export function jobStatus(id: string): Job {
  const job = jobs.get(id);
  if (!job) return { done: true, error: `no job ${id}` };
  if (job.done) jobs.delete(id);
  return job;
}

/** What native git sees on the remote: entry ids on the branch, merge commits, roots, fsck. */
export function inspectRemote(name: string, branch: string, ctx: { gitServer: GitServer }) {
  const dir = ctx.gitServer.pathOf(name);
  const git = (args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  const ids = git(['ls-tree', '-r', '--name-only', branch])
    .split('\n')
    .filter((p) => p.endsWith('.json'))
    .map((p) => p.slice(p.lastIndexOf('/') + 1).replace(/\.json$/, ''));
  const merges = Number(git(['rev-list', '--merges', '--count', branch]).trim());
  const roots = git(['rev-list', '--max-parents=0', branch]).trim().split('\n').filter(Boolean).length;
  let fsck = 'ok';
  try {
    execFileSync('git', ['-C', dir, 'fsck', '--full', '--strict'], { stdio: 'pipe' });
  } catch (e) {
    fsck = String((e as { stderr?: Buffer }).stderr ?? e);
  }
  return { ids, merges, roots, fsck };
}

/** Runs `work` as a background job the browser polls with `jobStatus`. */
function startJob(work: () => Promise<unknown>): string {
  const id = `job-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
  const job: Job = { done: false };
  jobs.set(id, job);
  work()
    .then(
      (r) => {
        job.result = r;
      },
      (e) => {
        job.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      },
    )
    .finally(() => {
      job.done = true;
    });
  return id;
}

/** Gives the server's repo `name` a ledger of `count` entries (seeded once per count per run); a job id. */
export function startSeedRemote(name: string, count: number, ctx: { gitServer: GitServer }): string {
  return startJob(() => seedRepo(ctx.gitServer.pathOf(name), count, { inChild: true }));
}

/** Another machine (a child process) adds `count` entries to the server's repo `name`, in commits of 5,000; a job id. */
export function startAppendRemote(name: string, count: number, card: string, ctx: { gitServer: GitServer }): string {
  return startJob(() => appendEntriesInChild(ctx.gitServer.pathOf(name), count, { card }));
}

/** Entry files on the remote's ledger branch, counted by native git. */
export function remoteEntryCount(name: string, ctx: { gitServer: GitServer }): number {
  return entriesOnBranch(ctx.gitServer.pathOf(name));
}
