/**
 * Automatic sync: a short while after saves (a burst of saves is one sync) and on an interval,
 * one sync at a time, waiting longer after each failure (doubling up to a limit) and back to the
 * interval after a success. Its state (last synced time, last error, next attempt) is for hosts
 * to show.
 */
export interface AutoSyncOptions {
  /** Sync this long after a save, coalescing the saves meanwhile. Default 2,000 ms; `false`: not after saves. */
  afterWriteMs?: number | false;
  /** Sync on this interval. Default 60,000 ms; `false`: no interval. */
  intervalMs?: number | false;
  /** The longest wait after repeated failures. Default 15 minutes. */
  maxBackoffMs?: number;
}

export interface AutoSyncState {
  /** ISO time of the last successful sync (this session). */
  lastSyncedAt?: string;
  /** Why the last attempt failed, if it did. */
  lastError?: string;
  /** Failures in a row. */
  failures: number;
  /** ISO time of the next scheduled attempt. */
  nextAt?: string;
}

export interface AutoSync {
  /** Tell it a save landed (schedules a sync after `afterWriteMs`). */
  written(): void;
  state(): AutoSyncState;
  stop(): void;
}

export function createAutoSync(sync: () => Promise<unknown>, options: AutoSyncOptions = {}): AutoSync {
  const afterWrite = options.afterWriteMs === undefined ? 2000 : options.afterWriteMs;
  const interval = options.intervalMs === undefined ? 60_000 : options.intervalMs;
  const maxBackoff = options.maxBackoffMs ?? 15 * 60_000;
  const state: AutoSyncState = { failures: 0 };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  function schedule(ms: number): void {
    if (stopped) return;
    if (timer !== undefined) clearTimeout(timer);
    state.nextAt = new Date(Date.now() + ms).toISOString();
    timer = setTimeout(() => {
      timer = undefined;
      void attempt();
    }, ms);
  }

  /** The wait before the next interval attempt: the interval, doubled per failure, capped. */
  function nextWait(): number | undefined {
    if (state.failures > 0) return Math.min(maxBackoff, (interval || 5000) * 2 ** (state.failures - 1));
    return interval === false ? undefined : interval;
  }

  async function attempt(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    state.nextAt = undefined;
    running = (async () => {
      try {
        await sync();
        state.lastSyncedAt = new Date().toISOString();
        state.failures = 0;
        delete state.lastError;
      } catch (e) {
        state.failures++;
        state.lastError = e instanceof Error ? e.message : String(e);
      }
    })();
    await running;
    running = undefined;
    if (again && state.failures === 0) {
      again = false;
      void attempt();
      return;
    }
    again = false;
    const wait = nextWait();
    if (wait !== undefined) schedule(wait);
  }

  if (interval !== false) schedule(interval);

  return {
    written() {
      // While failing, the backoff decides; a save does not hammer an unreachable remote.
      if (afterWrite === false || state.failures > 0) return;
      schedule(afterWrite);
    },
    state: () => ({ ...state }),
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
