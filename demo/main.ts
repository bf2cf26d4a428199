/**
 * The playground dashboard on the embedded default: pending audits in IndexedDB, the ledger a git
 * branch in this browser, elements wired to one client. Everything here is what a host page does.
 */
import { createScp } from '../src/core/index.js';
import '../src/elements/all.js';
import { provideScpClient } from '../src/elements/index.js';
import { DEMO_CARDS } from './cards.js';
import { mountDashboard } from './dashboard.js';

const ACTOR_KEY = 'scp-demo:actor';
const REMOTE_KEY = 'scp-demo:remote';
const actorInput = document.querySelector<HTMLInputElement>('#actor')!;
const remoteInput = document.querySelector<HTMLInputElement>('#remote')!;
actorInput.value = localStorage.getItem(ACTOR_KEY) ?? 'alex';
// A remote given in the URL wins and is remembered for the next visit.
const remoteParam = new URLSearchParams(location.search).get('remote');
if (remoteParam) localStorage.setItem(REMOTE_KEY, remoteParam);
remoteInput.value = remoteParam ?? localStorage.getItem(REMOTE_KEY) ?? '';

const scp = createScp({
  cards: DEMO_CARDS,
  actor: () => actorInput.value.trim() || 'unknown',
  runContext: () => ({ environment: 'demo', code_ref: 'a1b2c3d4e5f6' }),
  // With a remote: sync a little after saves and every minute, backing off after failures.
  ...(remoteInput.value && { remote: { url: remoteInput.value }, autoSync: true }),
});
(window as unknown as { scp: typeof scp }).scp = scp;

// Every scp-* element below <body> gets this client (no per-element wiring).
provideScpClient(document.body, scp);

mountDashboard(scp, () => actorInput.value);

// Settings.
const result = document.querySelector<HTMLOutputElement>('#settings-result')!;
const progress = document.querySelector<HTMLOutputElement>('#settings-progress')!;
const kb = (n: number | undefined) => (n ? ` · ${Math.round(n / 1024).toLocaleString()} KB` : '');
// Syncs, the read index catching up and verifies report their progress on the bus.
scp.bus.on('ledger:progress', (p) => {
  if (p.phase === 'done') {
    progress.textContent = '';
    return;
  }
  const count = p.total
    ? `${p.loaded.toLocaleString()} of ${p.total.toLocaleString()}`
    : p.loaded
      ? p.loaded.toLocaleString()
      : '';
  progress.textContent =
    p.op === 'sync'
      ? `Sync: ${p.phase} ${count}${kb(p.bytes)}`
      : p.op === 'index'
        ? `Indexing ${count} entries`
        : 'Verifying…';
});
// Automatic sync's state: when it last synced, when it tries next, and why the last try failed.
const autoSyncOut = document.querySelector<HTMLOutputElement>('#settings-autosync')!;
const clock = (iso: string | undefined) => (iso ? new Date(iso).toLocaleTimeString() : undefined);
function showAutoSync(): void {
  const s = scp.autoSync?.state();
  if (!s) {
    autoSyncOut.textContent = 'Automatic sync: off (set a git remote and reload).';
    return;
  }
  autoSyncOut.textContent = [
    `Automatic sync: last synced ${clock(s.lastSyncedAt) ?? 'not yet'}`,
    s.nextAt && `next attempt ${clock(s.nextAt)}`,
    s.lastError && `last error (${s.failures} in a row): ${s.lastError}`,
  ]
    .filter(Boolean)
    .join(' · ');
}
showAutoSync();
setInterval(showAutoSync, 1000);
scp.bus.on('ledger:synced', showAutoSync);
actorInput.addEventListener('change', () => localStorage.setItem(ACTOR_KEY, actorInput.value));
remoteInput.addEventListener('change', () => {
  localStorage.setItem(REMOTE_KEY, remoteInput.value);
  result.textContent = 'Remote saved: reload the page to use it.';
});
document.querySelector('#verify')!.addEventListener('click', async () => {
  result.textContent = 'Verifying…';
  const report = await scp.ledger.verify!();
  result.textContent = report.ok
    ? `Ledger OK: ${report.checked.commits} commits, ${report.checked.entries} entries checked.`
    : `Ledger NOT OK (${report.reason}): ${report.message ?? ''}${report.commit ? ` at ${report.commit}` : ''}`;
});
document.querySelector('#sync')!.addEventListener('click', async () => {
  if (!remoteInput.value) {
    result.textContent = 'Set a git remote URL first.';
    return;
  }
  result.textContent = 'Syncing…';
  try {
    const r = await scp.ledger.sync!({ remote: remoteInput.value });
    result.textContent = `Synced: fetched ${r.fetched}, pushed ${r.pushed}, head ${r.head.slice(0, 12)}.`;
  } catch (e) {
    result.textContent = `Sync failed: ${(e as Error).message}`;
  }
});
document.body.dataset.ready = 'true';
