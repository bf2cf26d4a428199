import { RunPendingError } from '../errors/index.js';
import { loadOnce } from '../load-once.js';
import type { RunEvent } from '../schemas/run.js';
import { newRunId } from '../ids.js';
import { disposedError, isThenable, PRESET_RUN_ID, type SpecWithPresetId } from './guards.js';
import type { FinishInput } from './status.js';
import type { RunHandle, RunOutcome, Runs, RunSpec } from './types.js';

const noop = () => {};

/**
 * Runs whose code (and the redactor it uses) arrives after the page's elements are defined. The
 * load starts at once, so recovery of abandoned runs still begins with the client.
 *
 * Every method but `wrap` is async and simply waits for the code. `wrap` keeps a synchronous
 * function synchronous even in the first milliseconds: the function runs at once with a handle
 * that queues its events and finish, and the run is recorded when the code is in, with the times
 * of the calls (the clock handed to `load` reports them while they are replayed). Its handle knows
 * the run's `id` at once (only the snapshot `run` waits for the code).
 */
export function createLazyRuns(load: (now: () => Date) => Promise<Runs>, now: () => Date = () => new Date()): Runs {
  let replaying: Date | undefined;
  const clock = () => replaying ?? now();
  // Replays the synchronous part of a call (where runs reads the clock) at the time it was made.
  function at<T>(when: Date, call: () => T): T {
    replaying = when;
    try {
      return call();
    } finally {
      replaying = undefined;
    }
  }

  let impl: Runs | undefined;
  // Early runs still being replayed: flush() waits for them, so close() writes them too.
  const replays = new Set<Promise<unknown>>();
  let disposed = false;
  const get = loadOnce(async () => {
    const r = await load(clock);
    impl = r;
    if (disposed) r.dispose();
    return r;
  });
  void get().catch(noop);

  /** `wrap` before the code is in: run `fn` now, record the run once it can be. */
  function wrapEarly<T>(spec: RunSpec, fn: (handle: RunHandle) => T): T {
    if (disposed) throw disposedError();
    const begun = clock();
    // The id needs only the id module, so the handle knows it now; the run is recorded under it.
    const id = typeof spec?.type === 'string' ? newRunId(spec.type.trim(), begun) : undefined;
    const preset: SpecWithPresetId = id === undefined ? spec : { ...spec, [PRESET_RUN_ID]: id };
    const real = get().then((r) => at(begun, () => r.start(preset)));
    let chain: Promise<unknown> = real;
    let finishedByFn = false;
    const later = <R>(op: (h: RunHandle) => Promise<R>): Promise<R> => {
      const when = clock();
      const next = chain.then(() => real).then((h) => at(when, () => op(h)));
      chain = next.catch(noop);
      return next;
    };
    const pending = (what: string) =>
      new RunPendingError(
        `The run's ${what} is not known yet: the runs code is still loading. Read it after an await, or use runs.start() / runs.track()`,
        { data: { type: spec.type } },
      );
    const handle: RunHandle = {
      get id(): string {
        if (id === undefined) throw pending('id'); // a spec without a type: start() will refuse it
        return id;
      },
      get run(): RunHandle['run'] {
        throw pending('snapshot');
      },
      event: (e) => later((h): Promise<RunEvent> => h.event(e)),
      artifact: (a) => later((h) => h.artifact(a)),
      finish: (outcome: RunOutcome = {}) => {
        finishedByFn = true;
        return later((h) => h.finish(outcome));
      },
    };
    // Same outcome rules as runs' own `wrap`: a throw or a rejection fails the run, a value ends it.
    const settle = (input: FinishInput) => {
      if (finishedByFn) return;
      const done = later((h) => h.finish(input)).catch(noop);
      replays.add(done);
      void done.then(() => replays.delete(done));
    };
    let out: T;
    try {
      out = fn(handle);
    } catch (error) {
      settle({ threw: true, error });
      throw error;
    }
    if (isThenable(out)) {
      return Promise.resolve(out).then(
        async (value) => {
          settle({ result: value });
          await chain;
          return value;
        },
        async (error: unknown) => {
          settle({ threw: true, error });
          await chain;
          throw error;
        },
      ) as T;
    }
    settle({ result: out });
    return out;
  }

  return {
    track: async (spec, fn) => (await get()).track(spec, fn),
    wrap: (spec, fn) => (impl ? impl.wrap!(spec, fn) : wrapEarly(spec, fn)),
    start: async (spec) => (await get()).start(spec),
    live: async () => (await get()).live(),
    get: async (id) => (await get()).get(id),
    recoverAbandoned: async () => (await get()).recoverAbandoned(),
    async flush() {
      await Promise.all(replays);
      return (await get()).flush();
    },
    dispose() {
      disposed = true;
      impl?.dispose();
    },
  };
}
