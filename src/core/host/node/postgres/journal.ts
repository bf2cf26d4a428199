import type { Pool, PoolClient } from 'pg';
import type { OriginEnvelope } from '../../envelope.js';
import {
  frameOf,
  type CursorCheck,
  type EventJournal,
  type JournalEntry,
  type RetentionOptions,
} from '../event-journal.js';

export const JOURNAL_CHANNEL = 'scp_journal';

export interface PostgresJournalOptions {
  pool: Pool;
  tenant: string;
  retention?: RetentionOptions;
  /** Recent events kept in memory, so streams that keep up never query (default 2,048). */
  memoryEvents?: number;
  now?: () => number;
  /** Reports failures of the background work (wake-ups, reconnects, retention). */
  onError?: (e: unknown) => void;
  /** First delay before the LISTEN connection is opened again after it was lost (default 100 ms; doubles up to 5 s). */
  reconnectMs?: number;
}

interface Row {
  seq: string;
  at: string;
  type: string;
  body: string;
}

function entryOf(r: Row): JournalEntry {
  const seq = Number(r.seq);
  // The stored body is the envelope without its seq; the wire JSON ends with it, as on files.
  const json = r.body === '{}' ? `{"seq":${seq}}` : `${r.body.slice(0, -1)},"seq":${seq}}`;
  return { seq, at: Number(r.at), type: r.type, json, frame: frameOf(seq, r.type, json) };
}

// --- wake-ups -------------------------------------------------------------------------------------

type Wake = (seq: number) => void;

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
function listenerFor(pool: Pool, onError: (e: unknown) => void, reconnectMs?: number): Listener {
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

// --- the journal ----------------------------------------------------------------------------------

/**
 * The event journal in PostgreSQL, shared by every host instance on the database. Each tenant's
 * seqs come from its head row, incremented in the same statement that inserts the event: appends
 * of one tenant queue on that row lock, so they commit in seq order and a reader asking for
 * `seq > cursor` never skips one that commits later (which a global serial would allow).
 */
export async function createPostgresJournal(options: PostgresJournalOptions): Promise<EventJournal> {
  const { pool, tenant } = options;
  const maxEvents = options.retention?.maxEvents ?? 10_000;
  const maxAgeMs = options.retention?.maxAgeMs ?? 7 * 24 * 3600_000;
  const memoryEvents = options.memoryEvents ?? 2048;
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => undefined);
  const subscribers = new Set<(e: JournalEntry) => void>();

  await pool.query(
    'INSERT INTO scp_journal_heads (tenant, journal_id, last_seq) VALUES ($1, gen_random_uuid(), 0) ON CONFLICT (tenant) DO NOTHING',
    [tenant],
  );
  const head = (
    await pool.query<{ journal_id: string; last_seq: string }>(
      'SELECT journal_id, last_seq FROM scp_journal_heads WHERE tenant = $1',
      [tenant],
    )
  ).rows[0]!;
  const journalId = head.journal_id;
  // Events up to `known` were handed to subscribers; `tail` holds the newest of them.
  let known = Number(head.last_seq);
  // The newest seq this process has seen anywhere (its own appends land before their wake-up).
  let newest = known;
  let firstSeq = known + 1;
  let tail: JournalEntry[] = [];

  async function bounds(): Promise<{ first: number; last: number }> {
    const r = (
      await pool.query<{ last: string; first: string | null }>(
        'SELECT h.last_seq AS last, (SELECT min(seq) FROM scp_journal WHERE tenant = $1) AS first FROM scp_journal_heads h WHERE h.tenant = $1',
        [tenant],
      )
    ).rows[0];
    const last = Number(r?.last ?? 0);
    const first = r?.first === null || r?.first === undefined ? last + 1 : Number(r.first);
    firstSeq = first;
    newest = Math.max(newest, last);
    if (tail[0] && tail[0].seq < first) tail = tail.filter((e) => e.seq >= first);
    return { first, last };
  }

  // Count is enforced by every append; age by this sweep, every 64 appends or minute.
  async function prune(): Promise<void> {
    await pool.query('DELETE FROM scp_journal WHERE tenant = $1 AND (seq <= $2 OR at < $3)', [
      tenant,
      newest - maxEvents,
      now() - maxAgeMs,
    ]);
    await bounds();
  }
  await prune();

  // Reading what is new: one at a time; a wake-up during a read asks for one more round.
  let polling: Promise<void> | undefined;
  let again = false;
  function poll(): Promise<void> {
    if (polling) {
      again = true;
      return polling;
    }
    polling = (async () => {
      do {
        again = false;
        for (;;) {
          const rows = (
            await pool.query<Row>(
              'SELECT seq, at, type, body FROM scp_journal WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT 512',
              [tenant, known],
            )
          ).rows;
          if (rows.length === 0) break;
          for (const r of rows) {
            const e = entryOf(r);
            if (e.seq !== known + 1) tail = []; // retention removed what we never saw: the tail restarts
            known = e.seq;
            newest = Math.max(newest, known);
            if (e.seq >= firstSeq) tail.push(e);
            for (const fn of [...subscribers]) {
              try {
                fn(e);
              } catch {
                /* one subscriber cannot stop the others */
              }
            }
          }
          if (tail.length > memoryEvents * 2) tail = tail.slice(-memoryEvents);
          if (rows.length < 512) break;
        }
      } while (again);
    })()
      .catch(onError)
      .finally(() => {
        polling = undefined;
      });
    return polling;
  }
  const offWake = listenerFor(pool, onError, options.reconnectMs).add(tenant, (seq) => {
    if (seq === 0 || seq > known) void poll();
  });
  await listenerFor(pool, onError).ensure();

  let appended = 0;
  let lastPrune = now();

  const query = async (after: number, limit: number): Promise<JournalEntry[]> =>
    (
      await pool.query<Row>(
        'SELECT seq, at, type, body FROM scp_journal WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [tenant, after, limit],
      )
    ).rows.map(entryOf);

  return {
    get instanceId() {
      return journalId;
    },
    get lastSeq() {
      return newest;
    },
    get firstSeq() {
      return firstSeq;
    },

    async latest() {
      await poll();
      return newest;
    },

    async append(envelope: OriginEnvelope) {
      const { seq: _ignored, ...rest } = envelope as OriginEnvelope & { seq?: number };
      const body = JSON.stringify(rest);
      const at = now();
      // One statement, so one transaction: the head row's increment, the event, the count
      // retention, the wake-up (sent at commit).
      const r = (
        await pool.query<Row>(
          `WITH h AS (UPDATE scp_journal_heads SET last_seq = last_seq + 1 WHERE tenant = $1 RETURNING last_seq),
              gone AS (DELETE FROM scp_journal WHERE tenant = $1 AND seq <= (SELECT last_seq FROM h) - $5)
         INSERT INTO scp_journal (tenant, seq, at, type, body) SELECT $1, h.last_seq, $2, $3, $4 FROM h
         RETURNING seq, at, type, body, pg_notify('${JOURNAL_CHANNEL}', tenant || ':' || seq)`,
          [tenant, at, envelope.type, body, maxEvents],
        )
      ).rows[0]!;
      const entry = entryOf(r);
      newest = Math.max(newest, entry.seq);
      if (entry.seq - maxEvents >= firstSeq) firstSeq = entry.seq - maxEvents + 1;
      // Hand it (and anything before it) to this process's subscribers without waiting for the
      // notification to come back.
      void poll();
      if (++appended % 64 === 0 || now() - lastPrune > 60_000) {
        lastPrune = now();
        void prune().catch(onError);
      }
      return entry;
    },

    async read(after, limit) {
      const from = Math.max(after + 1, firstSeq);
      const t0 = tail[0]?.seq;
      if (t0 !== undefined && from >= t0 && from <= known) {
        const i = from - t0;
        const out = tail.slice(i, i + limit);
        // Served from memory only when it holds all that was asked for.
        if (out.length === limit || out.at(-1)?.seq === newest) return out;
      }
      return query(after, limit);
    },

    async history(before, limit) {
      if (limit <= 0) return [];
      return (
        await pool.query<Row>(
          'SELECT seq, at, type, body FROM scp_journal WHERE tenant = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3',
          [tenant, before, limit],
        )
      ).rows.map(entryOf);
    },

    async check(cursor): Promise<CursorCheck> {
      if (!/^\d{1,15}$/.test(cursor)) return { ok: false, reason: 'cursor_unknown' };
      const c = Number(cursor);
      const { first, last } = await bounds();
      if (c > last) return { ok: false, reason: 'cursor_unknown' };
      if (c < first - 1) return { ok: false, reason: 'cursor_expired' };
      return { ok: true, seq: c };
    },

    subscribe(fn) {
      subscribers.add(fn);
      return () => {
        subscribers.delete(fn);
      };
    },

    async close() {
      offWake();
      subscribers.clear();
      await polling;
    },
  };
}
