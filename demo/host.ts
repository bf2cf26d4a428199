/**
 * The playground dashboard in host-backend mode: the same cards, badges, manager, chat and log as
 * the embedded page, but the client is `createHostClient()`: pending audits, the ledger and runs
 * live on a host reached over HTTP, its changes arrive over SSE. The host is simulated in this tab
 * by msw (demo/origin-api, state in memory), or is a real one given as `?host=<url>` (for example
 * `npm run serve`, which listens on http://127.0.0.1:8787).
 */
import { setupWorker } from 'msw/browser';
import { cardLabel } from '../src/core/cards.js';
import { createHostClient } from '../src/core/host/index.js';
import '../src/elements/all.js';
import { provideScpClient } from '../src/elements/index.js';
import { renderMessage } from './chat.js';
import { createOriginState, simulatedOriginHandlers, type OriginState } from './origin-api/index.js';
import { ACTIONS, DEVOPS_CARDS, INTEGRATION_CARDS, scan } from './scans.js';

const realHost = new URLSearchParams(location.search).get('host');
const USER = 'alex';

/** The simulated origin, when no real host is given: its state lives in this page's memory. */
let origin: OriginState | undefined;
if (!realHost) {
  origin = createOriginState({ actor: USER, codeRef: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678' });
  const worker = setupWorker(...simulatedOriginHandlers(origin));
  await worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
} else {
  document.querySelector('#banner-text')!.textContent =
    `The elements on this page talk to the host at ${realHost} over HTTP and follow its events over SSE. ` +
    'Its pending audits, ledger and runs live on that host.';
}

const streamState = document.querySelector<HTMLElement>('#stream-state')!;
const client = createHostClient({
  baseUrl: realHost ?? location.origin,
  events: {
    onState: (s) => { streamState.dataset.state = s; streamState.textContent = `Event stream: ${s}`; },
    onReset: (reason) => console.info(`event stream reset (${reason}): the elements refetch`),
  },
});
(window as unknown as { scp: typeof client; origin?: OriginState }).scp = client;
if (origin) (window as unknown as { origin: OriginState }).origin = origin;

// Every scp-* element below <body> gets this client, exactly as on the embedded page.
provideScpClient(document.body, client);

function card(key: string, kind: 'devops' | 'integration'): HTMLElement {
  const el = document.createElement('article');
  el.className = 'card';
  el.dataset.card = key;
  const header = document.createElement('header');
  const h = document.createElement('h3');
  h.id = `card-${kind}-${key}`;
  h.textContent = cardLabel(key);
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
  const button = (label: string, onClick: (b: HTMLButtonElement) => Promise<void>) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = label;
    b.setAttribute('aria-describedby', h.id);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try { await onClick(b); } finally { b.disabled = false; }
    });
    actions.append(b);
  };
  // A scan runs here; the host stages it (POST /api/audits/stage) and announces it over SSE.
  button('Refresh', async () => {
    try {
      const r = scan(key);
      await new Promise((res) => setTimeout(res, 150 + Math.random() * 250));
      summary.textContent = r.summary;
      await client.staging.stage(key, r.data, { status: 'ok', duration_s: r.duration_s, summary: r.summary });
    } catch (e) {
      summary.textContent = `Scan failed: ${(e as Error).message}`;
    }
  });
  if (kind === 'integration') {
    for (const a of ACTIONS[key] ?? []) {
      // Tracked on the host: POST /api/runs, .../events, .../finish.
      button(a.label, async () => {
        await client.runs.track({ type: a.type, subtype: a.subtype, target: key, reason: `${a.label} from the dashboard` }, async (run) => {
          await run.event({ type: 'step', target: key, status: 'ok', detail: { step: 'prepare' } });
          await new Promise((res) => setTimeout(res, a.ms));
          const ok = Math.random() >= a.failRate && !document.body.dataset.forceFail;
          await run.event({ type: 'step', target: key, status: ok ? 'ok' : 'failed', detail: { step: 'apply' } });
          return ok ? { ok: true, summary: `${a.label} of ${cardLabel(key)} succeeded` } : { ok: false, error: `${a.label} of ${cardLabel(key)} failed: timeout waiting for rollout` };
        }).catch((e: unknown) => { summary.textContent = `${a.label} could not be recorded: ${(e as Error).message}`; });
      });
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
  document.querySelector('#messages')!.append(renderMessage(text, client.refs.parse(text), USER));
  compose.value = '';
  compose.dispatchEvent(new Event('input', { bubbles: true }));
  (document.querySelector('scp-ref-preview') as HTMLElement & { clear(): void }).clear();
});

// The origin's side of the conversation: the latest requests the simulated API answered.
const about = document.querySelector<HTMLElement>('#origin-about')!;
const requests = document.querySelector<HTMLOListElement>('#requests')!;
if (origin) {
  const o = origin;
  about.textContent = `Simulated in this tab (instance ${o.instanceId}, signed-in user "${o.actor}"). Newest request first:`;
  let shown = -1;
  setInterval(() => {
    if (o.requests.length === shown) return;
    shown = o.requests.length;
    requests.replaceChildren(...o.requests.slice(-30).reverse().map((r) => {
      const li = document.createElement('li');
      const method = document.createElement('span');
      method.className = 'method';
      method.textContent = r.method;
      li.append(method, decodeURIComponent(r.path));
      return li;
    }));
  }, 500);
} else {
  about.textContent = `Requests go to ${realHost}; its own logs show them.`;
}

await client.events?.ready().catch((e: unknown) => { streamState.textContent = `Event stream: ${(e as Error).message}`; });
document.body.dataset.ready = 'true';
