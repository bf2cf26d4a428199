import type { Pool, PoolClient } from 'pg';

/** The channel every journal's appends notify on (payload `<tenant>:<seq>`). */
export const JOURNAL_CHANNEL = 'scp_journal';

/** Wakes one journal: the seq a notification named, or 0 to read again whatever it says. */
export type Wake = (seq: number) => void;

/**
 * One LISTEN connection per pool. A notification (payload `<tenant>:<seq>`) only wakes the
 * tenant's journals, which then read `seq > what they have`; after a reconnect every journal
 * re-reads, since notifications sent while the connection was down are gone.
 */
class Listener {
  private readonly wakes = new Map<string, Set<Wake>>();
  private client: PoolClient | undefined;
  private closed = false;
  private connecting: Promise<void> | undefined;
  private retryMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly onError: (e: unknown) => void,
    private readonly firstRetryMs = 100,
  ) {
    this.retryMs = firstRetryMs;
  }

  add(tenant: string, fn: Wake): () => void {
    let set = this.wakes.get(tenant);
    if (!set) {
      set = new Set();
      this.wakes.set(tenant, set);
    }
    set.add(fn);
    void this.ensure();
    return () => {
      set!.delete(fn);
      if (set!.size === 0) this.wakes.delete(tenant);
    };
  }

  ensure(): Promise<void> {
    if (this.client || this.closed) return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  private async connect(): Promise<void> {
    let client: PoolClient | undefined;
    try {
      client = await this.pool.connect();
      const c = client;
      c.on('notification', (n) => {
        if (n.channel !== JOURNAL_CHANNEL || !n.payload) return;
        const i = n.payload.lastIndexOf(':');
        const tenant = n.payload.slice(0, i);
        const seq = Number(n.payload.slice(i + 1));
        for (const fn of this.wakes.get(tenant) ?? []) fn(seq);
      });
      const lost = (e?: unknown) => {
        if (this.client !== c) return;
        this.client = undefined;
        try {
          c.release(e instanceof Error ? e : new Error('LISTEN connection lost'));
        } catch {
          /* already released */
        }
        if (!this.closed) {
          this.onError(e);
          setTimeout(() => void this.ensure(), this.retryMs).unref?.();
        }
      };
      c.on('error', lost);
      c.on('end', () => lost(new Error('LISTEN connection ended')));
      await c.query(`LISTEN ${JOURNAL_CHANNEL}`);
      this.client = c;
      this.retryMs = this.firstRetryMs;
      // Anything appended while we were not listening: every journal reads again.
      for (const set of this.wakes.values()) for (const fn of set) fn(0);
    } catch (e) {
      try {
        client?.release(e as Error);
      } catch {
        /* gone */
      }
      this.onError(e);
      if (!this.closed) {
        setTimeout(() => void this.ensure(), this.retryMs).unref?.();
        this.retryMs = Math.min(this.retryMs * 2, 5000);
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = undefined;
    if (c) {
      try {
        await c.query(`UNLISTEN ${JOURNAL_CHANNEL}`);
      } catch {
        /* going anyway */
      }
      c.release();
    }
  }
}

const listeners = new WeakMap<Pool, Listener>();

/** The pool's one LISTEN connection (made on first use). */
export function listenerFor(pool: Pool, onError: (e: unknown) => void, reconnectMs?: number): Listener {
  let l = listeners.get(pool);
  if (!l) {
    l = new Listener(pool, onError, reconnectMs);
    listeners.set(pool, l);
  }
  return l;
}

/** Stops the pool's LISTEN connection (before the pool is ended). */
export async function closeJournalListener(pool: Pool): Promise<void> {
  await listeners.get(pool)?.close();
  listeners.delete(pool);
}
