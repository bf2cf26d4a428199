// Shared wiring for the staging tests: a real memory ledger and store, wrapped only to count
// calls and to make the ledger's write fail on demand (the failed-save tests).
import { createEventBus } from '../../../src/core/events/bus.js';
import { createMemoryLedger, type MemoryLedger } from '../../../src/core/ledger/memory.js';
import type { LedgerBatch } from '../../../src/core/ledger/types.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';
import type { BusEventMap, BusEventName } from '../../../src/core/schemas/events.js';
import { createStaging } from '../../../src/core/staging/staging.js';
import type { Staging, StagingDeps } from '../../../src/core/staging/types.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import type { StagingStore } from '../../../src/core/storage/types.js';

export interface FaultyLedger extends MemoryLedger {
  writes: LedgerBatch[];
  /** When set, `write` throws this instead of writing. */
  failWith?: Error;
}

export function faultyLedger(inner: MemoryLedger = createMemoryLedger()): FaultyLedger {
  const ledger: FaultyLedger = {
    ...inner,
    writes: [],
    async write(batch) {
      ledger.writes.push(batch);
      if (ledger.failWith) throw ledger.failWith;
      return inner.write(batch);
    },
  };
  return ledger;
}

export interface CountingStore extends StagingStore {
  writes: { put: string[]; remove: string[] }[];
}

export function countingStore(inner: StagingStore = createMemoryStagingStore()): CountingStore {
  const store: CountingStore = {
    ...inner,
    writes: [],
    async writeSnapshots(change) {
      store.writes.push({ put: (change.put ?? []).map((s) => s.snapshot_id), remove: [...(change.remove ?? [])] });
      return inner.writeSnapshots(change);
    },
  };
  return store;
}

export interface Rig {
  staging: Staging;
  store: CountingStore;
  ledger: FaultyLedger;
  events: { name: BusEventName; payload: unknown }[];
  eventsNamed<K extends BusEventName>(name: K): BusEventMap[K][];
}

export function rig(over: Partial<StagingDeps> & { store?: StagingStore; ledger?: MemoryLedger } = {}): Rig {
  const store = countingStore(over.store);
  const ledger = faultyLedger(over.ledger);
  const bus = createEventBus({ channel: false });
  const events: Rig['events'] = [];
  bus.onAny((name, payload) => events.push({ name, payload }));
  const staging = createStaging({ redactor: createRedactor(), actor: () => 'ana', ...over, store, ledger, bus });
  return {
    staging,
    store,
    ledger,
    events,
    eventsNamed: <K extends BusEventName>(name: K) =>
      events.filter((e) => e.name === name).map((e) => e.payload as BusEventMap[K]),
  };
}

export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { code?: string; data?: Record<string, unknown> }> {
  try {
    await p;
  } catch (e) {
    return e as Error & { code?: string };
  }
  throw new Error('expected a rejection, the call succeeded');
}
