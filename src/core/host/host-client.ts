import { defineCards, type CardSpec } from '../cards.js';
import type { ScpClient } from '../client.js';
import { createEventBus, type EventBus } from '../events/bus.js';
import { createMemoryStagingStore } from '../storage/memory.js';
import { capabilitiesOf, isRole, type Capabilities } from './roles.js';
import { createHttpBackend, type HttpBackend, type HttpBackendOptions } from './http-backend.js';
import { connectEventBridge, type EventBridge, type EventBridgeOptions } from './sse-bridge.js';

export interface HostClientOptions extends HttpBackendOptions {
  /** Subscribe to the host's SSE stream (default true); options tune backoff, cursor, callbacks. */
  events?: boolean | Omit<EventBridgeOptions, 'url' | 'bus' | 'headers' | 'credentials' | 'fetch'>;
  /** BroadcastChannel name for cross-tab events, `false` for none (default none: every tab has its own stream). */
  channel?: string | false;
  /** The host's cards, as for `createScp({ cards })`. */
  cards?: readonly CardSpec[];
}

/** An ScpClient whose staging, ledger, runs and refs live on a host, with the host's events on its bus. */
export interface HostClient extends ScpClient {
  readonly backend: HttpBackend;
  /** The SSE bridge, when events are on. */
  readonly events: EventBridge | undefined;
  /** A page of the host's event history, newest first (see HttpBackend.history; 304s reuse the last copy). */
  history: HttpBackend['history'];
}

/**
 * The client elements take in host-backend mode: same interface as `createScp()`'s, so elements
 * need no change. `store` is a local scratch store only (pending snapshots live on the host).
 */
export function createHostClient(options: HostClientOptions): HostClient {
  const backend = createHttpBackend(options);
  const bus: EventBus = createEventBus({ channel: options.channel ?? false });
  const store = createMemoryStagingStore();
  const cards = defineCards(options.cards);
  let events: EventBridge | undefined;
  if (options.events !== false) {
    const extra = typeof options.events === 'object' ? options.events : {};
    events = connectEventBridge({
      ...extra,
      url: backend.http.url('/api/events'),
      bus,
      ...(options.headers && { headers: options.headers }),
      credentials: backend.http.credentials,
      fetch: backend.http.fetch,
    });
  }
  // Asked once: the host's answer for this sign-in. A host without /api/me (the origin) allows everything.
  let caps: Promise<Capabilities> | undefined;
  const capabilities = () =>
    (caps ??= backend.http.request('GET', '/api/me', { accept: [404], what: 'capabilities' }).then(
      (res) => {
        const role = (res.body as { capabilities?: { role?: unknown } } | undefined)?.capabilities?.role;
        return capabilitiesOf(res.status !== 404 && isRole(role) ? role : 'admin');
      },
      (e: unknown) => {
        caps = undefined;
        throw e;
      },
    ));
  return {
    backend,
    events,
    bus,
    store,
    capabilities,
    history: backend.history,
    staging: backend.staging,
    ledger: backend.ledger,
    runs: backend.runs,
    refs: backend.refs,
    cards,
    cardLabel: (k) => cards.label(k),
    async close() {
      events?.close();
      bus.close();
      await store.close();
    },
  };
}
