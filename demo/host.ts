/**
 * The playground dashboard in host-backend mode: the same cards, badges, manager, chat and log as
 * the embedded page, but the client is `createHostClient()`: pending audits, the ledger and runs
 * live on a host reached over HTTP, its changes arrive over SSE. The host is simulated in this tab
 * by msw (demo/origin-api, state in memory), or is a real one given as `?host=<url>` (for example
 * `npm run serve`, which listens on http://127.0.0.1:8787).
 */
import { setupWorker } from 'msw/browser';
import { createHostClient } from '../src/core/host/index.js';
import { DEMO_CARDS } from './cards.js';
import '../src/elements/all.js';
import { provideScpClient } from '../src/elements/index.js';
import { mountDashboard } from './dashboard.js';
import { createOriginState, simulatedOriginHandlers, type OriginState } from './origin-api/index.js';

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
  cards: DEMO_CARDS,
  events: {
    onState: (s) => {
      streamState.dataset.state = s;
      streamState.textContent = `Event stream: ${s}`;
    },
    onReset: (reason) => console.info(`event stream reset (${reason}): the elements refetch`),
  },
});
(window as unknown as { scp: typeof client; origin?: OriginState }).scp = client;
if (origin) (window as unknown as { origin: OriginState }).origin = origin;

// Every scp-* element below <body> gets this client, exactly as on the embedded page.
provideScpClient(document.body, client);

mountDashboard(client, () => USER);

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
    requests.replaceChildren(
      ...o.requests
        .slice(-30)
        .reverse()
        .map((r) => {
          const li = document.createElement('li');
          const method = document.createElement('span');
          method.className = 'method';
          method.textContent = r.method;
          li.append(method, decodeURIComponent(r.path));
          return li;
        }),
    );
  }, 500);
} else {
  about.textContent = `Requests go to ${realHost}; its own logs show them.`;
}

await client.events?.ready().catch((e: unknown) => {
  streamState.textContent = `Event stream: ${(e as Error).message}`;
});
document.body.dataset.ready = 'true';
