import type { BusEventMap, BusEventName } from '../schemas/events.js';

export type Listener<K extends BusEventName> = (payload: BusEventMap[K], meta: { remote: boolean }) => void;
type AnyListener = (name: BusEventName, payload: unknown, meta: { remote: boolean }) => void;

export interface EventBus {
  /** Subscribe to one event; returns the unsubscribe function. */
  on<K extends BusEventName>(name: K, fn: Listener<K>): () => void;
  /** Subscribe to every event (bridges, logs, elements that refetch). */
  onAny(fn: AnyListener): () => void;
  /** Deliver to local listeners and mirror to other tabs of this origin. */
  emit<K extends BusEventName>(name: K, payload: BusEventMap[K]): void;
  close(): void;
}

interface Wire {
  source: string;
  name: BusEventName;
  payload: unknown;
}

/**
 * Typed event bus. With `channel` (a BroadcastChannel name) every emit is mirrored to the other
 * tabs of the origin; messages that arrive from the channel are delivered locally only, never
 * re-broadcast, so there is no echo loop.
 */
export function createEventBus(options: { channel?: string | false } = {}): EventBus {
  const listeners = new Map<BusEventName, Set<Listener<BusEventName>>>();
  const anyListeners = new Set<AnyListener>();
  const source = crypto.randomUUID();
  const channel =
    options.channel && typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel(options.channel) : undefined;

  function deliver(name: BusEventName, payload: unknown, remote: boolean) {
    for (const fn of [...(listeners.get(name) ?? [])]) {
      try {
        fn(payload as never, { remote });
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    for (const fn of [...anyListeners]) {
      try {
        fn(name, payload, { remote });
      } catch (e) {
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  }

  channel?.addEventListener('message', (ev: MessageEvent<Wire>) => {
    const msg = ev.data;
    if (!msg || typeof msg !== 'object' || msg.source === source || typeof msg.name !== 'string') return;
    deliver(msg.name, msg.payload, true);
  });

  return {
    on(name, fn) {
      let set = listeners.get(name);
      if (!set) {
        set = new Set();
        listeners.set(name, set);
      }
      set.add(fn as Listener<BusEventName>);
      return () => {
        set.delete(fn as Listener<BusEventName>);
      };
    },
    onAny(fn) {
      anyListeners.add(fn);
      return () => {
        anyListeners.delete(fn);
      };
    },
    emit(name, payload) {
      deliver(name, payload, false);
      if (channel) {
        try {
          channel.postMessage({ source, name, payload } satisfies Wire);
        } catch {
          /* uncloneable payload: local only */
        }
      }
    },
    close() {
      listeners.clear();
      anyListeners.clear();
      channel?.close();
    },
  };
}
