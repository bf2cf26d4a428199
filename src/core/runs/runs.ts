import { assertValidId } from '../ids.js';
import { isThenable } from './guards.js';
import { RunTracker } from './run-tracker.js';
import { noop } from './tracked.js';
import type { Run } from '../schemas/run.js';
import type { RunHandle, Runs, RunsDeps, RunSpec } from './types.js';

/** Runs in progress, newest first: the store's (other tabs too), updated by what this tab holds. */
async function liveRuns(store: RunsDeps['store'], tracker: RunTracker): Promise<Run[]> {
  const byId = new Map<string, Run>();
  for (const l of await store.listRuns()) if (l.run.status === 'running') byId.set(l.run.run_id, l.run);
  for (const t of tracker.owned.values()) {
    if (t.finished) byId.delete(t.run.run_id);
    else byId.set(t.run.run_id, { ...t.run });
  }
  return [...byId.values()].sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
}

/**
 * Run tracking: `track` / `wrap` / `start` → `event` → `finish`. Live runs sit in the staging store
 * with a heartbeat; finished runs wait there too until a group commit puts them in the ledger, so a
 * failed ledger write or a closed tab loses nothing. `recoverAbandoned` closes runs whose owner died.
 */
export function createRuns(deps: RunsDeps): Runs {
  const { store, ledger } = deps;
  const tracker = new RunTracker(deps);

  // Close what crashed tabs left behind, without holding up the host.
  if (deps.recoverOnStart !== false) void tracker.recoverAbandoned().catch(noop);

  return {
    async track<T>(spec: RunSpec, fn: (handle: RunHandle) => T | Promise<T>): Promise<T> {
      const t = tracker.begin(spec);
      await t.ready;
      let value: T;
      try {
        value = await fn(tracker.handleFor(t));
      } catch (error) {
        await tracker.settle(t, { threw: true, error });
        throw error;
      }
      await tracker.settle(t, { result: value });
      return value;
    },

    wrap<T>(spec: RunSpec, fn: (handle: RunHandle) => T): T {
      const t = tracker.begin(spec);
      let out: T;
      try {
        out = fn(tracker.handleFor(t));
      } catch (error) {
        void tracker.settle(t, { threw: true, error });
        throw error;
      }
      if (isThenable(out)) {
        return Promise.resolve(out).then(
          async (value) => {
            await tracker.settle(t, { result: value });
            return value;
          },
          async (error: unknown) => {
            await tracker.settle(t, { threw: true, error });
            throw error;
          },
        ) as T;
      }
      void tracker.settle(t, { result: out });
      return out;
    },

    async start(spec) {
      const t = tracker.begin(spec);
      await t.ready;
      return tracker.handleFor(t);
    },

    live: () => liveRuns(store, tracker),

    async get(id) {
      assertValidId(id, 'run');
      const saved = await ledger.getRun(id);
      if (saved) return saved;
      const mine = tracker.owned.get(id);
      if (mine) return { run: { ...mine.run }, events: mine.events.slice() };
      const live = await store.getRun(id);
      if (live) return { run: live.run, events: live.events };
      // A run leaves this tab's list and the store only once it is in the ledger: when both miss,
      // its group commit may have landed while the first ledger read was in flight.
      return ledger.getRun(id);
    },

    recoverAbandoned: () => tracker.recoverAbandoned(),
    flush: () => tracker.flush(),
    dispose: () => tracker.dispose(),
  };
}
