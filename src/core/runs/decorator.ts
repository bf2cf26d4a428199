import { ValidationError } from '../errors/index.js';
import type { RunHandle, RunSpec, Runs } from './types.js';

type RunsLike = Pick<Runs, 'track'> & Partial<Pick<Runs, 'wrap'>>;
/** Anything with `runs` (an `ScpClient`), or a `Runs` itself. */
type HasRuns = { runs: RunsLike } | RunsLike;

export interface RunTrackedOptions<This> {
  /** The client whose runs record the call, or a function that finds it (called with `this`). */
  client: HasRuns | ((self: This) => HasRuns);
  /**
   * Pass the run's handle to the method as one more, last argument (after the caller's), so it
   * can add events and artifacts without reaching through `this`. Default false.
   */
  handle?: boolean;
}

function runsOf(source: HasRuns): RunsLike {
  return 'runs' in source && source.runs ? source.runs : (source as RunsLike);
}

/**
 * A standard (TC39) method decorator that records every call as a run:
 * `@runTracked({ type: 'deploy', subtype: 'deploy:k8s' }, { client }) async deploy() { ... }`.
 * The spec may be a function of the call's arguments (called with `this`). The method gets its own
 * `this` and arguments (with `{ handle: true }` the run's handle as one more, last argument), and
 * its result or exception comes back unchanged; a synchronous method stays synchronous (its run
 * is recorded in the background).
 */
export function runTracked<This, SpecArgs extends unknown[] = unknown[]>(
  spec: RunSpec | ((this: This, ...args: SpecArgs) => RunSpec),
  options: RunTrackedOptions<This>,
) {
  // The spec function may take the method's leading arguments (or none of them).
  return function decorate<Args extends [...SpecArgs, ...unknown[]], Return>(
    method: (this: This, ...args: Args) => Return,
    context: ClassMethodDecoratorContext<This, (this: This, ...args: Args) => Return>,
  ): (this: This, ...args: Args) => Return {
    if (context.kind !== 'method') {
      const kind = String((context as { kind?: unknown }).kind);
      throw new ValidationError(`@runTracked decorates methods only (got a ${kind})`, {
        data: {
          what: 'runTracked target',
          issues: [{ path: 'context.kind', message: `expected "method", got "${kind}"` }],
        },
      });
    }
    return function tracked(this: This, ...args: Args): Return {
      const source = typeof options.client === 'function' ? options.client.call(this, this) : options.client;
      const runs = runsOf(source);
      const s = typeof spec === 'function' ? spec.apply(this, args as unknown as SpecArgs) : spec;
      const call = (handle: RunHandle) => method.apply(this, (options.handle ? [...args, handle] : args) as Args);
      // Without `wrap` (a Runs that only has `track`), the method's result arrives as a promise.
      return runs.wrap ? runs.wrap(s, call) : (runs.track(s, call) as Return);
    };
  };
}
