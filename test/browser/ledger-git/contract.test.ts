import { ledgerContract } from '../../contract/ledger.js';
import { createBrowserGitLedger, deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';

let n = 0;
ledgerContract('git ledger in Chromium (IndexedDB fs, Web Lock, IndexedDB read index)', async () => {
  const name = `contract-${Date.now().toString(36)}-${++n}`;
  const ledger = await createBrowserGitLedger({ name });
  return {
    ledger,
    async cleanup() {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    },
  };
});
