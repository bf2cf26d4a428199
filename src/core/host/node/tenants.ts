import { join } from 'node:path';
import type { ScpClient } from '../../client.js';
import type { RunHandle } from '../../runs/types.js';
import type { BusEventMap, BusEventName } from '../../schemas/events.js';
import { busToEnvelope, WIRE_EVENTS } from '../envelope.js';
import { createEventJournal, type EventJournal, type RetentionOptions } from './event-journal.js';
import { createSettingsCache, type SettingsCache } from './settings.js';
import type { Stream } from './sse-stream.js';

/** Names a tenant may have (they become folder names under `eventsDir`). */
export const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** One tenant as the handler serves it: its core, its event journal, its streams and live runs. */
export interface Tenant {
  name: string;
  scp: ScpClient;
  journal: EventJournal;
  /** Resolves once every event emitted so far is in the journal (answers wait for it). */
  journaled: () => Promise<void>;
  streams: Set<Stream>;
  /** Runs started through this host and not yet finished, by id. */
  liveRuns: Map<string, RunHandle>;
  /** What an admin set for this tenant (`PUT /api/settings`). */
  settings: SettingsCache;
  /** Stops journaling the core's events. */
  off: () => void;
}

/** Where each tenant's core and journal come from (the handler's options). */
export interface TenantSources {
  scp: ScpClient | ((tenant: string) => ScpClient | Promise<ScpClient>);
  journal?: ((tenant: string) => EventJournal | Promise<EventJournal>) | undefined;
  eventsDir?: string | undefined;
  retention?: RetentionOptions | undefined;
  onError?: ((error: unknown, req: undefined) => void) | undefined;
}

/** The tenants served so far, each opened once on first use (a failed open is tried again next time). */
export interface Tenants {
  get(name: string): Promise<Tenant>;
  /** Tenants opened so far, for close() and the stream count. */
  readonly resolved: ReadonlySet<Tenant>;
}

export function createTenants(sources: TenantSources): Tenants {
  const opening = new Map<string, Promise<Tenant>>();
  const resolved = new Set<Tenant>();
  return {
    resolved,
    get(name) {
      let t = opening.get(name);
      if (!t) {
        t = openTenant(name, sources).then((made) => {
          resolved.add(made);
          return made;
        });
        t.catch(() => opening.delete(name));
        opening.set(name, t);
      }
      return t;
    },
  };
}

async function openTenant(name: string, sources: TenantSources): Promise<Tenant> {
  const scp = typeof sources.scp === 'function' ? await sources.scp(name) : sources.scp;
  const journal = sources.journal
    ? await sources.journal(name)
    : createEventJournal({
        ...(sources.eventsDir && { dir: join(sources.eventsDir, name) }),
        ...(sources.retention && { retention: sources.retention }),
      });
  const { off, journaled } = journalEvents(scp, journal, sources.onError);
  return {
    name,
    scp,
    journal,
    journaled,
    streams: new Set(),
    liveRuns: new Map(),
    settings: createSettingsCache(scp),
    off,
  };
}

/**
 * Appends every wire event the core emits to the journal. Appends go one after another, so this
 * process's events keep their order in a journal that answers asynchronously.
 */
function journalEvents(
  scp: ScpClient,
  journal: EventJournal,
  onError: TenantSources['onError'],
): { off: () => void; journaled: () => Promise<void> } {
  let appending: Promise<unknown> = Promise.resolve();
  // A journal that cannot write (disk full ...) must not break the core's operation that emitted
  // the event: the failure goes to the host's log and streams miss that event.
  const failed = (e: unknown) => {
    try {
      onError?.(e, undefined);
    } catch {
      /* logging must not throw into the core */
    }
  };
  const off = scp.bus.onAny((event, payload, meta) => {
    if (meta.remote || !WIRE_EVENTS.includes(event)) return;
    const envelope = busToEnvelope(event as BusEventName, payload as BusEventMap[BusEventName], 0, Date.now() / 1000);
    appending = appending.then(() => journal.append(envelope)).catch(failed);
  });
  return { off, journaled: () => appending.then(() => undefined) };
}
