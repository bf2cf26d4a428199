// The read index catching up on a first sync far above its internal batch size: every entry
// listed, after the sync and after a reload.
import { expect } from '@esm-bundle/chai';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { listAll, nodeJob, uniq } from './catch-up-helpers.js';
import { newRepo } from './git-endpoints.js';

describe('browser read index catching up on a first sync', () => {
  it('a fresh profile syncing a remote of 20,000 entries lists all 20,000, and still does after a reload', async function (this: {
    timeout(ms: number): void;
  }) {
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
});
