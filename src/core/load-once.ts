/** A loader that runs on first use and shares its promise; `started()` tells whether it ran. */
export interface LoadOnce<T> {
  (): Promise<T>;
  /** The load in progress or done, or undefined when nothing asked for it yet (or it failed). */
  started(): Promise<T> | undefined;
}

/**
 * Calls `load` on first use and hands every caller the same promise. A failed load (offline, a
 * chunk that 404s) is forgotten, so the next call tries again instead of failing forever.
 */
export function loadOnce<T>(load: () => Promise<T>): LoadOnce<T> {
  let p: Promise<T> | undefined;
  const get = () =>
    (p ??= load().catch((e: unknown) => {
      p = undefined;
      throw e;
    }));
  return Object.assign(get, { started: () => p });
}
