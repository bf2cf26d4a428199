/**
 * One Web Lock per live run, held by the tab that owns it until the run is in the ledger.
 * The browser releases a dead tab's locks, so "lock free" means "nobody is looking after this run"
 * even when a background tab's throttled timers let its heartbeat go stale. Where Web Locks do not
 * exist (Node 20) every lock is granted and the heartbeat lease alone decides.
 */
export interface RunLocks {
  /** Take the run's lock if nobody holds it: the release function, or `null` when it is held. */
  hold(runId: string): Promise<(() => void) | null>;
}

const noop = () => {};

export function createRunLocks(prefix = 'scp-ledger:run:'): RunLocks {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (!locks || typeof locks.request !== 'function') return { hold: async () => noop };
  return {
    hold(runId) {
      return new Promise((resolve, reject) => {
        let release = noop;
        const held = new Promise<void>((r) => {
          release = () => r();
        });
        locks
          .request(`${prefix}${runId}`, { ifAvailable: true }, (lock) => {
            if (!lock) {
              resolve(null);
              return undefined;
            }
            resolve(release);
            return held;
          })
          .catch(reject);
      });
    },
  };
}
