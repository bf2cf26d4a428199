/**
 * The dashboard both playground pages share: the cards (Refresh stages a scan, action buttons
 * record runs), the manager button and the chat. Only the client differs between the pages.
 */
import type { ScpClient } from '../src/core/client.js';
import { renderMessage } from './chat.js';
import { ACTIONS, DEVOPS_CARDS, INTEGRATION_CARDS, scan } from './scans.js';

function card(scp: ScpClient, key: string, kind: 'devops' | 'integration'): HTMLElement {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.card = key;
  const header = document.createElement('header');
  const h = document.createElement('h3');
  h.id = `card-${kind}-${key}`;
  h.textContent = scp.cardLabel(key);
  const badge = document.createElement('scp-audit-badge');
  badge.setAttribute('card', key);
  header.append(h, badge);
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
  const button = (label: string, onClick: () => Promise<void>) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-describedby', h.id);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await onClick();
      } finally {
        b.disabled = false;
      }
    });
    actions.append(b);
  };
  button('Refresh', async () => {
    try {
      const r = scan(key);
      await new Promise((res) => setTimeout(res, 150 + Math.random() * 250));
      summary.textContent = r.summary;
      await scp.staging.stage(key, r.data, { status: 'ok', duration_s: r.duration_s, summary: r.summary });
    } catch (e) {
      summary.textContent = `Scan failed: ${(e as Error).message}`;
    }
  });
  if (kind === 'integration') {
    for (const a of ACTIONS[key] ?? []) {
      button(a.label, async () => {
        await scp.runs
          .track(
            { type: a.type, subtype: a.subtype, target: key, reason: `${a.label} from the dashboard` },
            async (run) => {
              await run.event({ type: 'step', target: key, status: 'ok', detail: { step: 'prepare' } });
              await new Promise((res) => setTimeout(res, a.ms));
              const ok = Math.random() >= a.failRate && !document.body.dataset.forceFail;
              await run.event({ type: 'step', target: key, status: ok ? 'ok' : 'failed', detail: { step: 'apply' } });
              return ok
                ? { ok: true, summary: `${a.label} of ${scp.cardLabel(key)} succeeded` }
                : { ok: false, error: `${a.label} of ${scp.cardLabel(key)} failed: timeout waiting for rollout` };
            },
          )
          .catch((e: unknown) => {
            summary.textContent = `${a.label} could not be recorded: ${(e as Error).message}`;
          });
      });
    }
  }
  el.append(header, summary, actions);
  return el;
}

/** Fills #devops-cards and #integration-cards, and wires #open-manager and the chat form. */
export function mountDashboard(scp: ScpClient, actor: () => string): void {
  document.querySelector('#devops-cards')!.append(...DEVOPS_CARDS.map((k) => card(scp, k, 'devops')));
  document.querySelector('#integration-cards')!.append(...INTEGRATION_CARDS.map((k) => card(scp, k, 'integration')));

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
    document.querySelector('#messages')!.append(renderMessage(text, scp.refs.parse(text), actor()));
    compose.value = '';
    compose.dispatchEvent(new Event('input', { bubbles: true }));
    (document.querySelector('scp-ref-preview') as HTMLElement & { clear(): void }).clear();
  });
}
