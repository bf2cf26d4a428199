// The read index catching up on entries that arrive by sync, at sizes far above its internal
// batch size: every entry must be listed, after the sync and after a reload.
import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger, type WorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { newRepo } from './git-endpoints.js';

const NODE_SIDE = 'test/browser/ledger-git/node-clone.ts';
const nodeCall = <T>(fn: string, ...args: unknown[]) => executeServerCommand<T, unknown>('scp-node-call', { module: NODE_SIDE, fn, args });

interface Job { done: boolean; result?: unknown; error?: string }

/** Runs a Node-side job to completion (server commands time out after 20 s; jobs do not). */
async function nodeJob(fn: string, ...args: unknown[]): Promise<unknown> {
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
async function listAll(ledger: WorkerGitLedger): Promise<string[]> {
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

const uniq = (p: string) => `${p}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

describe('browser read index catching up on synced entries', () => {
  it('a fresh profile syncing a remote of 20,000 entries lists all 20,000, and still does after a reload', async function (this: { timeout(ms: number): void }) {
    this.timeout(600_000);
    const { name: repo, url } = await newRepo('catch-up-20k');
    await nodeJob('startSeedRemote', repo, 20_000);
    const name = uniq('catch-up-20k');
    let ledger = await createWorkerGitLedger({ name, remote: { url } });
    try {
      const r = await ledger.sync();
      expect(r.fetched).to.be.greaterThan(0);
      const ids = await listAll(ledger);
      expect(ids.length).to.equal(20_000);
      expect(new Set(ids).size).to.equal(20_000);

      await ledger.close();
      ledger = await createWorkerGitLedger({ name, remote: { url } });
      expect((await listAll(ledger)).length).to.equal(20_000);
    } finally {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    }
  });

  it('a profile with 1,000 entries syncing 8,000 more lists 9,000, and still does after a reload', async function (this: { timeout(ms: number): void }) {
    this.timeout(600_000);
    const { name: repo, url } = await newRepo('catch-up-1k-8k');
    await nodeJob('startSeedRemote', repo, 1_000);
    const name = uniq('catch-up-1k-8k');
    let ledger = await createWorkerGitLedger({ name, remote: { url } });
    try {
      await ledger.sync();
      expect((await listAll(ledger)).length).to.equal(1_000);

      await nodeJob('startAppendRemote', repo, 8_000, 'dns');
      expect(await nodeCall<number>('remoteEntryCount', repo)).to.equal(9_000);
      const r = await ledger.sync();
      expect(r.fetched).to.equal(2); // commits of 5,000 and 3,000 entries
      const ids = await listAll(ledger);
      expect(ids.length).to.equal(9_000);
      expect(new Set(ids).size).to.equal(9_000);
      expect((await ledger.list({ card: 'dns', limit: 1 })).entries.length).to.equal(1);

      await ledger.close();
      ledger = await createWorkerGitLedger({ name, remote: { url } });
      expect((await listAll(ledger)).length).to.equal(9_000);
    } finally {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    }
  });
});
