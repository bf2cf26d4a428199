// Runs first in the script-tag entry, before the elements are defined, so the code a page's
// elements will ask for as soon as it has a client is fetched while the entry still evaluates,
// ahead of the elements' own chunks (bench/script-tag.bench.ts: first counts and log rows).
// - An audit badge, manager or log: the local staging code (a badge's or the manager's count). A page in
//   host-backend mode (`loadHost()`) does not use it; it costs that page one ~12 KB request.
// - An audit log: the code that starts the ledger's Worker, so the Worker starts at the log's
//   first call with no round trip before it.
const quiet = (p: Promise<unknown>) =>
  void p.catch(() => {
    /* the call that needs it loads it again and reports the failure */
  });
if (typeof document !== 'undefined') {
  if (document.querySelector('scp-audit-badge,scp-audit-manager,scp-audit-log')) {
    quiet(import('./core/staging/staging.js'));
  }
  if (document.querySelector('scp-audit-log')) quiet(import('./core/ledger/git-browser/worker-ledger.js'));
}
