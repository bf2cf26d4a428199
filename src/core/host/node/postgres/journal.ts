import type { Pool } from 'pg';
import type { OriginEnvelope } from '../../envelope.js';
import {
  frameOf,
  type CursorCheck,
  type EventJournal,
  type JournalEntry,
  type RetentionOptions,
} from '../event-journal.js';

import { JOURNAL_CHANNEL, listenerFor } from './journal-listener.js';

export { closeJournalListener, JOURNAL_CHANNEL } from './journal-listener.js';

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

/**
 * The event journal in PostgreSQL, shared by every host instance on the database. Each tenant's
 * seqs come from its head row, incremented in the same statement that inserts the event: appends
 * of one tenant queue on that row lock, so they commit in seq order and a reader asking for
 * `seq > cursor` never skips one that commits later (which a global serial would allow).
 */
export async function createPostgresJournal(options: PostgresJournalOptions): Promise<EventJournal> {
  const { pool, tenant } = options;
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
  const journal = new PostgresJournal(options, head.journal_id, Number(head.last_seq));
  await journal.start(options.reconnectMs);
  return journal;
}

/** Rows read per query while catching up. */
const POLL_BATCH = 512;

class PostgresJournal implements EventJournal {
  firstSeq: number;
  private readonly pool: Pool;
  private readonly tenant: string;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private readonly memoryEvents: number;
  private readonly now: () => number;
  private readonly onError: (e: unknown) => void;
  private readonly subscribers = new Set<(e: JournalEntry) => void>();
  /** Events up to `known` were handed to subscribers; `tail` holds the newest of them. */
  private known: number;
  /** The newest seq this process has seen anywhere (its own appends land before their wake-up). */
  private newest: number;
  private tail: JournalEntry[] = [];
  // Reading what is new: one at a time; a wake-up during a read asks for one more round.
  private polling: Promise<void> | undefined;
  private again = false;
  private appended = 0;
  private lastPrune: number;
  private offWake: () => void = () => {};

  constructor(
    options: PostgresJournalOptions,
    readonly instanceId: string,
    lastSeq: number,
  ) {
    this.pool = options.pool;
    this.tenant = options.tenant;
    this.maxEvents = options.retention?.maxEvents ?? 10_000;
    this.maxAgeMs = options.retention?.maxAgeMs ?? 7 * 24 * 3600_000;
    this.memoryEvents = options.memoryEvents ?? 2048;
    this.now = options.now ?? Date.now;
    this.onError = options.onError ?? (() => undefined);
    this.known = lastSeq;
    this.newest = lastSeq;
    this.firstSeq = lastSeq + 1;
    this.lastPrune = this.now();
  }

  /** Applies retention once, then listens for the tenant's appends from any instance. */
  async start(reconnectMs: number | undefined): Promise<void> {
    await this.prune();
    this.offWake = listenerFor(this.pool, this.onError, reconnectMs).add(this.tenant, (seq) => {
      if (seq === 0 || seq > this.known) void this.poll();
    });
    await listenerFor(this.pool, this.onError).ensure();
  }

  get lastSeq(): number {
    return this.newest;
  }

  async latest(): Promise<number> {
    await this.poll();
    return this.newest;
  }

  async append(envelope: OriginEnvelope): Promise<JournalEntry> {
    const { seq: _ignored, ...rest } = envelope as OriginEnvelope & { seq?: number };
    const body = JSON.stringify(rest);
    const at = this.now();
    // One statement, so one transaction: the head row's increment, the event, the count
    // retention, the wake-up (sent at commit).
    const r = (
      await this.pool.query<Row>(
        `WITH h AS (UPDATE scp_journal_heads SET last_seq = last_seq + 1 WHERE tenant = $1 RETURNING last_seq),
              gone AS (DELETE FROM scp_journal WHERE tenant = $1 AND seq <= (SELECT last_seq FROM h) - $5)
         INSERT INTO scp_journal (tenant, seq, at, type, body) SELECT $1, h.last_seq, $2, $3, $4 FROM h
         RETURNING seq, at, type, body, pg_notify('${JOURNAL_CHANNEL}', tenant || ':' || seq)`,
        [this.tenant, at, envelope.type, body, this.maxEvents],
      )
    ).rows[0]!;
    const entry = entryOf(r);
    this.newest = Math.max(this.newest, entry.seq);
    if (entry.seq - this.maxEvents >= this.firstSeq) this.firstSeq = entry.seq - this.maxEvents + 1;
    // Hand it (and anything before it) to this process's subscribers without waiting for the
    // notification to come back.
    void this.poll();
    if (++this.appended % 64 === 0 || this.now() - this.lastPrune > 60_000) {
      this.lastPrune = this.now();
      void this.prune().catch(this.onError);
    }
    return entry;
  }

  async read(after: number, limit: number): Promise<JournalEntry[]> {
    const from = Math.max(after + 1, this.firstSeq);
    const t0 = this.tail[0]?.seq;
    if (t0 !== undefined && from >= t0 && from <= this.known) {
      const i = from - t0;
      const out = this.tail.slice(i, i + limit);
      // Served from memory only when it holds all that was asked for.
      if (out.length === limit || out.at(-1)?.seq === this.newest) return out;
    }
    return this.rows('seq > $2 ORDER BY seq', after, limit);
  }

  async history(before: number, limit: number): Promise<JournalEntry[]> {
    if (limit <= 0) return [];
    return this.rows('seq < $2 ORDER BY seq DESC', before, limit);
  }

  async check(cursor: string): Promise<CursorCheck> {
    if (!/^\d{1,15}$/.test(cursor)) return { ok: false, reason: 'cursor_unknown' };
    const c = Number(cursor);
    const { first, last } = await this.bounds();
    if (c > last) return { ok: false, reason: 'cursor_unknown' };
    if (c < first - 1) return { ok: false, reason: 'cursor_expired' };
    return { ok: true, seq: c };
  }

  subscribe(fn: (entry: JournalEntry) => void): () => void {
    this.subscribers.add(fn);
    return () => {
      this.subscribers.delete(fn);
    };
  }

  async close(): Promise<void> {
    this.offWake();
    this.subscribers.clear();
    await this.polling;
  }

  /** The tenant's rows matching `where` (`$2` is its bound), at most `limit`. */
  private async rows(where: string, bound: number, limit: number): Promise<JournalEntry[]> {
    return (
      await this.pool.query<Row>(
        `SELECT seq, at, type, body FROM scp_journal WHERE tenant = $1 AND ${where} LIMIT $3`,
        [this.tenant, bound, limit],
      )
    ).rows.map(entryOf);
  }

  private async bounds(): Promise<{ first: number; last: number }> {
    const r = (
      await this.pool.query<{ last: string; first: string | null }>(
        'SELECT h.last_seq AS last, (SELECT min(seq) FROM scp_journal WHERE tenant = $1) AS first FROM scp_journal_heads h WHERE h.tenant = $1',
        [this.tenant],
      )
    ).rows[0];
    const last = Number(r?.last ?? 0);
    const first = r?.first === null || r?.first === undefined ? last + 1 : Number(r.first);
    this.firstSeq = first;
    this.newest = Math.max(this.newest, last);
    if (this.tail[0] && this.tail[0].seq < first) this.tail = this.tail.filter((e) => e.seq >= first);
    return { first, last };
  }

  /** Count is enforced by every append; age by this sweep, every 64 appends or minute. */
  private async prune(): Promise<void> {
    await this.pool.query('DELETE FROM scp_journal WHERE tenant = $1 AND (seq <= $2 OR at < $3)', [
      this.tenant,
      this.newest - this.maxEvents,
      this.now() - this.maxAgeMs,
    ]);
    await this.bounds();
  }

  private poll(): Promise<void> {
    if (this.polling) {
      this.again = true;
      return this.polling;
    }
    this.polling = (async () => {
      do {
        this.again = false;
        while (await this.catchUp()) {
          /* more rows may follow */
        }
      } while (this.again);
    })()
      .catch(this.onError)
      .finally(() => {
        this.polling = undefined;
      });
    return this.polling;
  }

  /** Reads one batch after `known` and hands it to the subscribers; true when a full batch came (more may follow). */
  private async catchUp(): Promise<boolean> {
    const rows = (
      await this.pool.query<Row>(
        'SELECT seq, at, type, body FROM scp_journal WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [this.tenant, this.known, POLL_BATCH],
      )
    ).rows;
    for (const r of rows) {
      const e = entryOf(r);
      if (e.seq !== this.known + 1) this.tail = []; // retention removed what we never saw: the tail restarts
      this.known = e.seq;
      this.newest = Math.max(this.newest, this.known);
      if (e.seq >= this.firstSeq) this.tail.push(e);
      for (const fn of [...this.subscribers]) {
        try {
          fn(e);
        } catch {
          /* one subscriber cannot stop the others */
        }
      }
    }
    if (this.tail.length > this.memoryEvents * 2) this.tail = this.tail.slice(-this.memoryEvents);
    return rows.length === POLL_BATCH;
  }
}
