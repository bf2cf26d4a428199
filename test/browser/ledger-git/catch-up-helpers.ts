// Shared by the catch-up tests (one file each: a file gets its own time budget in the runner).
import { executeServerCommand } from '@web/test-runner-commands';
import type { WorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';

const NODE_SIDE = 'test/browser/ledger-git/node-clone.ts';
export const nodeCall = <T>(fn: string, ...args: unknown[]) =>
  executeServerCommand<T, unknown>('scp-node-call', { module: NODE_SIDE, fn, args });

interface Job {
  done: boolean;
  result?: unknown;
  error?: string;
}

/** Runs a Node-side job to completion (server commands time out after 20 s; jobs do not). */
export async function nodeJob(fn: string, ...args: unknown[]): Promise<unknown> {
  const id = await nodeCall<string>(fn, ...args);
  for (;;) {
    const s = await nodeCall<Job>('jobStatus', id);
    if (s.done) {
      if (s.error) throw new Error(s.error);
      return s.result;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Every entry the ledger lists, paging with the cursor once the index says it has caught up. */
export async function listAll(ledger: WorkerGitLedger): Promise<string[]> {
  for (;;) {
    const first = await ledger.list({ limit: 1 });
    if (!('indexing' in first)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.list({ limit: 500, ...(cursor && { cursor }) });
    ids.push(...page.entries.map((e) => e.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

export const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
