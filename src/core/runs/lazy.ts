import { RunPendingError } from '../errors/index.js';
import { loadOnce } from '../load-once.js';
import type { RunEvent } from '../schemas/run.js';
import { newRunId } from '../ids.js';
import { disposedError, isThenable, PRESET_RUN_ID, type SpecWithPresetId } from './guards.js';
import type { FinishInput } from './status.js';
import type { RunHandle, RunOutcome, Runs, RunSpec } from './types.js';

const noop = () => {};

/** What the early `wrap` needs from the lazy front. */
interface Front {
  /** The runs code (loads once). */
  get(): Promise<Runs>;
  clock(): Date;
  /** Runs the synchronous part of a call as if at `when` (where runs reads the clock). */
  at<T>(when: Date, call: () => T): T;
  /** Early runs still being replayed: flush() waits for them, so close() writes them too. */
  replays: Set<Promise<unknown>>;
}

/**
 * The handle of a run wrapped before the code is in: it knows its id now (the id needs only the
 * id module, and the run is recorded under it); its calls queue until the real handle exists.
 */
function earlyHandle(front: Front, spec: RunSpec, begun: Date) {
  const id = typeof spec?.type === 'string' ? newRunId(spec.type.trim(), begun) : undefined;
  const preset: SpecWithPresetId = id === undefined ? spec : { ...spec, [PRESET_RUN_ID]: id };
  const real = front.get().then((r) => front.at(begun, () => r.start(preset)));
  let chain: Promise<unknown> = real;
  const state = { finishedByFn: false, done: () => chain };
  const later = <R>(op: (h: RunHandle) => Promise<R>): Promise<R> => {
    const when = front.clock();
    const next = chain.then(() => real).then((h) => front.at(when, () => op(h)));
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
      state.finishedByFn = true;
      return later((h) => h.finish(outcome));
    },
  };
  return { handle, later, state };
}

/** `wrap` before the code is in: run `fn` now, record the run once it can be. */
function wrapEarly<T>(front: Front, spec: RunSpec, fn: (handle: RunHandle) => T): T {
  const { handle, later, state } = earlyHandle(front, spec, front.clock());
  // Same outcome rules as runs' own `wrap`: a throw or a rejection fails the run, a value ends it.
  const settle = (input: FinishInput) => {
    if (state.finishedByFn) return;
    const done = later((h) => h.finish(input)).catch(noop);
    front.replays.add(done);
    void done.then(() => front.replays.delete(done));
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
        await state.done();
        return value;
      },
      async (error: unknown) => {
        settle({ threw: true, error });
        await state.done();
        throw error;
      },
    ) as T;
  }
  settle({ result: out });
  return out;
}

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
  let impl: Runs | undefined;
  let disposed = false;
  const clock = () => replaying ?? now();
  const get = loadOnce(async () => {
    const r = await load(clock);
    impl = r;
    if (disposed) r.dispose();
    return r;
  });
  void get().catch(noop);
  const front: Front = {
    get,
    clock,
    at(when, call) {
      replaying = when;
      try {
        return call();
      } finally {
        replaying = undefined;
      }
    },
    replays: new Set(),
  };

  return {
    track: async (spec, fn) => (await get()).track(spec, fn),
    wrap(spec, fn) {
      if (impl) return impl.wrap!(spec, fn);
      if (disposed) throw disposedError();
      return wrapEarly(front, spec, fn);
    },
    start: async (spec) => (await get()).start(spec),
    live: async () => (await get()).live(),
    get: async (id) => (await get()).get(id),
    recoverAbandoned: async () => (await get()).recoverAbandoned(),
    async flush() {
      await Promise.all(front.replays);
      return (await get()).flush();
    },
    dispose() {
      disposed = true;
      impl?.dispose();
    },
  };
}
