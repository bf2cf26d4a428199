/**
 * The playground dashboard on the embedded default: pending audits in IndexedDB, the ledger a git
 * branch in this browser, elements wired to one client. Everything here is what a host page does.
 */
import { createScp, cardLabel } from '../src/core/index.js';
import '../src/elements/all.js';
import { provideScpClient } from '../src/elements/index.js';
import { ACTIONS, DEVOPS_CARDS, INTEGRATION_CARDS, scan } from './scans.js';
import { renderMessage } from './chat.js';

const ACTOR_KEY = 'scp-demo:actor';
const REMOTE_KEY = 'scp-demo:remote';
const actorInput = document.querySelector<HTMLInputElement>('#actor')!;
const remoteInput = document.querySelector<HTMLInputElement>('#remote')!;
actorInput.value = localStorage.getItem(ACTOR_KEY) ?? 'alex';
remoteInput.value = localStorage.getItem(REMOTE_KEY) ?? new URLSearchParams(location.search).get('remote') ?? '';

const scp = createScp({
  actor: () => actorInput.value.trim() || 'unknown',
  runContext: () => ({ environment: 'demo', code_ref: 'a1b2c3d4e5f6' }),
  ...(remoteInput.value && { remote: { url: remoteInput.value } }),
});
(window as unknown as { scp: typeof scp }).scp = scp;

// Every scp-* element below <body> gets this client (no per-element wiring).
provideScpClient(document.body, scp);

function card(key: string, kind: 'devops' | 'integration'): HTMLElement {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.card = key;
  const header = document.createElement('header');
  const h = document.createElement('h3');
  h.id = `card-${kind}-${key}`;
  h.textContent = cardLabel(key);
  header.append(h);
  const badge = document.createElement('scp-audit-badge');
  badge.setAttribute('card', key);
  header.append(badge);
  if (kind === 'integration') {
    const runBadge = document.createElement('scp-run-badge');
    runBadge.setAttribute('card', key);
    header.append(runBadge);
  }
  const summary = document.createElement('p');
  summary.className = 'summary';
  summary.textContent = 'Not scanned yet';
  const actions = document.createElement('div');
  actions.className = 'actions';
  const refresh = document.createElement('button');
  refresh.type = 'button';
  refresh.textContent = 'Refresh';
  refresh.setAttribute('aria-describedby', h.id);
  refresh.addEventListener('click', async () => {
    refresh.disabled = true;
    try {
      const r = scan(key);
      await new Promise((res) => setTimeout(res, 150 + Math.random() * 250));
      summary.textContent = r.summary;
      await scp.staging.stage(key, r.data, { status: 'ok', duration_s: r.duration_s, summary: r.summary });
    } catch (e) {
      summary.textContent = `Scan failed: ${(e as Error).message}`;
    } finally {
      refresh.disabled = false;
    }
  });
  actions.append(refresh);
  if (kind === 'integration') {
    for (const a of ACTIONS[key] ?? []) {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = a.label;
      b.setAttribute('aria-describedby', h.id);
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          await scp.runs.track({ type: a.type, subtype: a.subtype, target: key, reason: `${a.label} from the dashboard` }, async (run) => {
            await run.event({ type: 'step', target: key, status: 'ok', detail: { step: 'prepare' } });
            await new Promise((res) => setTimeout(res, a.ms));
            const ok = Math.random() >= a.failRate && !document.body.dataset.forceFail;
            await run.event({ type: 'step', target: key, status: ok ? 'ok' : 'failed', detail: { step: 'apply' } });
            return ok ? { ok: true, summary: `${a.label} of ${cardLabel(key)} succeeded` } : { ok: false, error: `${a.label} of ${cardLabel(key)} failed: timeout waiting for rollout` };
          });
        } finally {
          b.disabled = false;
        }
      });
      actions.append(b);
    }
  }
  el.append(header, summary, actions);
  return el;
}

document.querySelector('#devops-cards')!.append(...DEVOPS_CARDS.map((k) => card(k, 'devops')));
document.querySelector('#integration-cards')!.append(...INTEGRATION_CARDS.map((k) => card(k, 'integration')));

document.querySelector('#open-manager')!.addEventListener('click', () => {
  (document.querySelector('scp-audit-manager') as HTMLElement & { show(card?: string): void }).show();
});

// Chat: a sent message shows its refs as chips; the preview is cleared.
const form = document.querySelector<HTMLFormElement>('#compose-form')!;
const compose = document.querySelector<HTMLTextAreaElement>('#compose')!;
form.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const text = compose.value.trim();
  if (!text) return;
  document.querySelector('#messages')!.append(renderMessage(text, scp.refs.parse(text), actorInput.value));
  compose.value = '';
  compose.dispatchEvent(new Event('input', { bubbles: true }));
  (document.querySelector('scp-ref-preview') as HTMLElement & { clear(): void }).clear();
});

// Settings.
const result = document.querySelector<HTMLOutputElement>('#settings-result')!;
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
  if (!remoteInput.value) { result.textContent = 'Set a git remote URL first.'; return; }
  result.textContent = 'Syncing…';
  try {
    const r = await scp.ledger.sync!({ remote: remoteInput.value });
    result.textContent = `Synced: fetched ${r.fetched}, pushed ${r.pushed}, head ${r.head.slice(0, 12)}.`;
  } catch (e) {
    result.textContent = `Sync failed: ${(e as Error).message}`;
  }
});
document.body.dataset.ready = 'true';
