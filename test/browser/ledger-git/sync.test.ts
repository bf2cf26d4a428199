import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { ScpError } from '../../../src/core/errors/index.js';
import { makeAudit } from '../../contract/ledger.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { forcePushes, newRepo } from './git-endpoints.js';

const NODE_SIDE = 'test/browser/ledger-git/node-clone.ts';
const nodeCall = <T>(fn: string, ...args: unknown[]) =>
  executeServerCommand<T, unknown>('scp-node-call', { module: NODE_SIDE, fn, args });

interface Job {
  done: boolean;
  result?: { written: string[]; rejected: number; verifyOk: boolean };
  error?: string;
}

describe('Chromium + Node clones syncing against a real git server', () => {
  it('each writes 25 rounds and syncs concurrently: the remote holds all 50, linear, no force push, verify ok', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(300_000);
    const { name, url } = await newRepo('chromium-node');
    const localName = `sync-${Date.now().toString(36)}`;
    const browser = await createWorkerGitLedger({ name: localName, remote: { url } });
    try {
      const job = await nodeCall<string>('startRounds', url, 25, 'k8s');
      const written: string[] = [];
      for (let i = 0; i < 25; i++) {
        const a = makeAudit({ card_key: 'security' });
        await browser.write({ audits: [a] });
        written.push(a.snapshot_id);
        try {
          await browser.sync();
        } catch (e) {
          expect(e instanceof ScpError && e.code === 'push_rejected', String(e)).to.equal(true);
        }
      }
      let status: Job;
      for (;;) {
        status = await nodeCall<Job>('jobStatus', job);
        if (status.done) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      expect(status.error).to.equal(undefined);
      expect(status.result!.verifyOk).to.equal(true);
      await browser.sync();
      const all = [...written, ...status.result!.written];
      expect(all.length).to.equal(50);

      const remote = await nodeCall<{ ids: string[]; merges: number; roots: number; fsck: string }>(
        'inspectRemote',
        name,
        'scp-ledger',
      );
      for (const id of all) expect(remote.ids, `${id} on the remote`).to.include(id);
      expect(remote.merges).to.equal(0);
      expect(remote.roots).to.equal(1);
      expect(remote.fsck).to.equal('ok');
      expect(await forcePushes(name)).to.deep.equal([]);

      const listed = new Set((await browser.list({ limit: 500 })).entries.map((m) => m.id));
      for (const id of all) expect(listed.has(id), `${id} listed in Chromium`).to.equal(true);
      const report = await browser.verify();
      expect(report.ok, report.message).to.equal(true);
    } finally {
      await browser.close();
      await deleteBrowserGitLedger(localName);
    }
  });
});
