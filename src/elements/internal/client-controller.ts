import { ContextEvent } from '@lit/context';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ScpClient } from '../../core/client.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import { scpClientContext } from './context.js';

/** An element that can be given a client directly (`el.client = scp`). */
export type ScpClientHost = ReactiveControllerHost & HTMLElement & { client?: ScpClient | undefined };

type AnyBusListener = <K extends BusEventName>(
  name: K,
  payload: BusEventMap[K],
  meta: { remote: boolean },
) => boolean | void;

export interface ClientControllerOptions {
  /** Bus events after which `load` runs again (`sys:reset` always does). */
  events?: readonly BusEventName[];
  /** Fetches what the element shows. Runs on connect, on client change and after events. */
  load?: (client: ScpClient, signal: AbortSignal) => Promise<void> | void;
  /** Sees each subscribed event first; return `false` when it was applied in place (no reload). */
  onEvent?: AnyBusListener;
  /** Called when the client changes (or goes away), before the first load: drop state of the old one. */
  onClient?: (client: ScpClient | undefined) => void;
  /** Events arriving within this many ms cause one reload (a burst of stages is one refetch). */
  coalesceMs?: number;
}

/**
 * Resolves the element's `ScpClient` (its `client` property first, else the nearest provided
 * context), subscribes to the bus events the element cares about, and keeps what it shows fresh:
 * `load` runs on connect, on a client change, after those events (coalesced) and on `sys:reset`.
 * Everything is released on disconnect.
 */
export class ScpClientController implements ReactiveController {
  /** The client in use, if any. */
  client: ScpClient | undefined;
  /** A load is running. */
  loading = false;
  /** At least one load finished for the current client. */
  loaded = false;
  /** The last load's failure (cleared by a successful load). */
  error: unknown = undefined;

  private contextClient: ScpClient | undefined;
  private contextUnsubscribe: (() => void) | undefined;
  private busUnsubscribes: Array<() => void> = [];
  private abort: AbortController | undefined;
  private running: Promise<void> | undefined;
  private active = false;
  private again = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private connected = false;
  private readonly coalesceMs: number;

  constructor(
    private readonly host: ScpClientHost,
    private readonly options: ClientControllerOptions = {},
  ) {
    this.coalesceMs = options.coalesceMs ?? 16;
    host.addController(this);
  }

  hostConnected(): void {
    this.connected = true;
    this.requestContext();
    if (!this.contextUnsubscribe) window.addEventListener('context-provider', this.onProvider);
    this.sync();
  }

  hostUpdate(): void {
    this.sync();
  }

  hostDisconnected(): void {
    this.connected = false;
    window.removeEventListener('context-provider', this.onProvider);
    this.contextUnsubscribe?.();
    this.contextUnsubscribe = undefined;
    this.contextClient = undefined;
    this.detach();
    this.client = undefined;
  }

  /** Run `load` now (or once more after the running one). Resolves when the data is fresh. */
  refresh(): Promise<void> {
    if (!this.client || !this.options.load) return Promise.resolve();
    this.again = true;
    if (this.running) return this.running;
    const p = this.loop();
    // A loop that ended synchronously (nothing to load) must not stay recorded as running.
    if (this.active) this.running = p;
    return p;
  }

  /** Resolves once no reload is pending or running (tests and benches wait on this). */
  async settled(): Promise<void> {
    while (this.timer !== undefined || this.running) {
      if (this.running) await this.running;
      else await new Promise((r) => setTimeout(r, this.coalesceMs + 1));
    }
  }

  private async loop(): Promise<void> {
    const load = this.options.load!;
    this.active = true;
    try {
      while (this.again) {
        this.again = false;
        const client = this.client;
        if (!client || !this.connected) break;
        const abort = new AbortController();
        this.abort = abort;
        this.loading = true;
        this.host.requestUpdate();
        try {
          await load(client, abort.signal);
          if (client === this.client && !abort.signal.aborted) {
            this.error = undefined;
            this.loaded = true;
          }
        } catch (e) {
          if (client === this.client && !abort.signal.aborted) this.error = e;
        }
      }
    } finally {
      // No await between the last check of \`again\` and here: a refresh cannot slip in unseen.
      this.active = false;
      this.running = undefined;
      this.loading = false;
      this.host.requestUpdate();
    }
  }

  /** Switch to the client the host now has (property first, then context). */
  private sync(): void {
    if (!this.connected) return;
    const next = this.host.client ?? this.contextClient;
    if (next === this.client) return;
    this.detach();
    this.client = next;
    this.loaded = false;
    this.error = undefined;
    this.options.onClient?.(next);
    if (!next) {
      this.host.requestUpdate();
      return;
    }
    const bus = next.bus;
    for (const name of new Set<BusEventName>([...(this.options.events ?? []), 'sys:reset'])) {
      this.busUnsubscribes.push(
        bus.on(name, (payload, meta) => {
          if (name !== 'sys:reset' && this.options.onEvent?.(name, payload as never, meta) === false) return;
          this.schedule();
        }),
      );
    }
    void this.refresh();
  }

  private detach(): void {
    for (const off of this.busUnsubscribes) off();
    this.busUnsubscribes = [];
    this.abort?.abort();
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refresh();
    }, this.coalesceMs);
  }

  private requestContext(): void {
    this.host.dispatchEvent(
      new ContextEvent(
        scpClientContext,
        this.host,
        (value: ScpClient | undefined, unsubscribe?: () => void) => {
          if (this.contextUnsubscribe !== unsubscribe) this.contextUnsubscribe?.();
          this.contextUnsubscribe = unsubscribe;
          this.contextClient = value;
          window.removeEventListener('context-provider', this.onProvider);
          this.sync();
        },
        true,
      ),
    );
  }

  // A provider appeared after this element connected: ask again.
  private readonly onProvider = (ev: Event) => {
    if ((ev as Event & { context?: unknown }).context !== scpClientContext || this.contextUnsubscribe) return;
    this.requestContext();
  };
}
