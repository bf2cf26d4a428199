import { createEventBus } from '../../../src/core/events/bus.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createRedactor } from '../../../src/core/redact/redactor.js';
import { createRuns } from '../../../src/core/runs/runs.js';
import type { Runs, RunsDeps } from '../../../src/core/runs/types.js';
import type { BusEventMap, BusEventName } from '../../../src/core/schemas/events.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import type { StagingStore } from '../../../src/core/storage/types.js';
import { faultyLedger, type FaultyLedger } from '../../helpers/faulty-ledger.js';

export const T0 = Date.parse('2026-02-17T20:45:00.000Z');
export const GH_TOKEN = `ghp_${'a1B2c3D4e5'.repeat(4)}`;

/** A clock tests move by hand. */
export function manualClock(start = T0) {
  const c = {
    ms: start,
    now: () => new Date(c.ms),
    advance(ms: number) {
      c.ms += ms;
    },
  };
  return c;
}

export interface Fixture {
  runs: Runs;
  store: StagingStore;
  ledger: FaultyLedger;
  bus: ReturnType<typeof createEventBus>;
  clock: ReturnType<typeof manualClock>;
  seen: { name: BusEventName; payload: BusEventMap[BusEventName] }[];
  /** Another client (a second tab, or the next start) over the same store and ledger. */
  another(over?: Partial<RunsDeps>): Runs;
  dispose(): void;
}

export function fixture(over: Partial<RunsDeps> & { store?: StagingStore; ledger?: FaultyLedger } = {}): Fixture {
  const store = over.store ?? createMemoryStagingStore();
  const ledger = over.ledger ?? faultyLedger(createMemoryLedger());
  const bus = createEventBus({ channel: false });
  const clock = manualClock();
  const seen: Fixture['seen'] = [];
  bus.onAny((name, payload) => seen.push({ name, payload: payload as BusEventMap[BusEventName] }));
  const all: Runs[] = [];
  const make = (o: Partial<RunsDeps> = {}) => {
    const r = createRuns({
      store,
      ledger,
      bus,
      redactor: createRedactor(),
      now: clock.now,
      groupCommitMs: 5,
      heartbeatMs: 60_000,
      leaseMs: 30_000,
      recoverOnStart: false,
      ...over,
      ...o,
    });
    all.push(r);
    return r;
  };
  const runs = make();
  return {
    runs,
    store,
    ledger,
    bus,
    clock,
    seen,
    another: make,
    dispose: () => {
      for (const r of all) r.dispose();
      bus.close();
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `get` until `ok` holds (timers under a loaded machine are late, never early). */
export async function until<T>(get: () => Promise<T> | T, ok: (v: T) => boolean, ms = 3_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (ok(v) || Date.now() > end) return v;
    await sleep(5);
  }
}
