// The git ledger in a browser: an IndexedDB-backed fs, Web Lock serialized writes, and (the
// default) the git work in a dedicated Worker so the page never blocks.
export { createWorkerGitLedger, reviveError, type WorkerGitLedger, type WorkerLedgerOptions } from './worker-ledger.js';
export {
  createBrowserGitLedger,
  deleteBrowserGitLedger,
  type BrowserGitLedger,
  type BrowserGitLedgerOptions,
} from './browser-ledger.js';
export { createIdbFs, deleteIdbFs, type IdbFs } from './idb-fs.js';
export { createIdbReadIndex, type IdbReadIndex } from './idb-read-index.js';
