// The read index catching up on an incremental sync far above its internal batch size: every
// entry listed, after the sync and after a reload.
import { expect } from '@esm-bundle/chai';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { listAll, nodeCall, nodeJob, uniq } from './catch-up-helpers.js';
import { newRepo } from './git-endpoints.js';

describe('browser read index catching up on an incremental sync', () => {
  it('a profile with 1,000 entries syncing 8,000 more lists 9,000, and still does after a reload', async function (this: {
    timeout(ms: number): void;
  }) {
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
