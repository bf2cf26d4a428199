import { randomUUID } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  renameSync,
} from 'node:fs';
import { join } from 'node:path';
import type { OriginEnvelope } from '../envelope.js';

/** One journaled event: its seq, the envelope as JSON, and the SSE frame clients are sent. */
export interface JournalEntry {
  seq: number;
  /** Milliseconds since the epoch when it was appended. */
  at: number;
  type: string;
  json: string;
  frame: string;
}

export interface RetentionOptions {
  /** Keep at most this many events (default 10,000). */
  maxEvents?: number;
  /** Drop events older than this (default 7 days). */
  maxAgeMs?: number;
}

export interface EventJournalOptions {
  /** Folder for the JSONL segments; without it the journal lives in memory (replay within the process). */
  dir?: string;
  retention?: RetentionOptions;
  /** Events per segment file (default 1,000). */
  segmentEvents?: number;
  /** Recent events kept in memory so most resumes never touch the disk (default 2,048). */
  memoryEvents?: number;
  now?: () => number;
}

export type CursorCheck = { ok: true; seq: number } | { ok: false; reason: 'cursor_expired' | 'cursor_unknown' };

type MaybePromise<T> = T | Promise<T>;

/**
 * The event journal the host's streams replay from. The file/memory journal answers
 * synchronously; a journal in a database (postgres/journal.ts) answers with promises, so callers
 * always `await`.
 */
export interface EventJournal {
  /**
   * The journal id (`instance_id` on the wire): stable for the life of the journal's storage and
   * shared by every host instance of one deployment; a new id tells clients to drop their state.
   */
  readonly instanceId: string;
  /** The newest seq this process knows of (0 when nothing was ever written). */
  readonly lastSeq: number;
  /** The oldest seq still replayable, as far as this process knows (lastSeq + 1 when empty). */
  readonly firstSeq: number;
  /** The newest seq in the journal's storage (a shared journal asks it; others answer lastSeq). */
  latest?(): Promise<number>;
  /** Append an envelope (its `seq` is assigned here); returns the entry. Durable before it resolves. */
  append(envelope: OriginEnvelope): MaybePromise<JournalEntry>;
  /** Up to `limit` events with seq > `after`, oldest first. */
  read(after: number, limit: number): MaybePromise<JournalEntry[]>;
  /** Up to `limit` events with seq < `before`, newest first (history pages). */
  history(before: number, limit: number): MaybePromise<JournalEntry[]>;
  /** Whether a client cursor can be resumed, or why not. */
  check(cursor: string): MaybePromise<CursorCheck>;
  /** Called once per new event in seq order, whichever process appended it. */
  subscribe(fn: (entry: JournalEntry) => void): () => void;
  close?(): Promise<void>;
}

/** The file/memory journal: the same interface, answered synchronously. */
export interface LocalEventJournal extends EventJournal {
  append(envelope: OriginEnvelope): JournalEntry;
  read(after: number, limit: number): JournalEntry[];
  history(before: number, limit: number): JournalEntry[];
  check(cursor: string): CursorCheck;
}

const SEGMENT = /^seg-(\d{12})\.jsonl$/;
const segName = (first: number) => `seg-${String(first).padStart(12, '0')}.jsonl`;

/** The SSE frame of one event. */
export function frameOf(seq: number, type: string, json: string): string {
  // The envelope JSON never holds a raw line break (JSON.stringify escapes them), so one data line.
  return `event: ${type}\nid: ${seq}\ndata: ${json}\n\n`;
}

function entryFromLine(line: string): JournalEntry | undefined {
  try {
    const env = JSON.parse(line) as { seq?: unknown; type?: unknown; ts?: unknown };
    if (typeof env.seq !== 'number' || typeof env.type !== 'string') return undefined;
    const at = typeof env.ts === 'number' ? env.ts * 1000 : 0;
    return { seq: env.seq, at, type: env.type, json: line, frame: frameOf(env.seq, env.type, line) };
  } catch {
    return undefined;
  }
}

/**
 * A durable, append-only event log in JSONL segment files, with a retention window. Seqs are
 * 1, 2, 3 ... for the life of the folder (they survive restarts), so `Last-Event-ID` resumes across
 * server restarts; a cursor that fell out of retention (or was never issued) must be answered with a
 * `reset`. A torn last line (crash mid-append) is cut off on open.
 */
export function createEventJournal(options: EventJournalOptions = {}): LocalEventJournal {
  const dir = options.dir;
  const maxEvents = options.retention?.maxEvents ?? 10_000;
  const maxAgeMs = options.retention?.maxAgeMs ?? 7 * 24 * 3600_000;
  const segmentEvents = options.segmentEvents ?? 1000;
  const memoryEvents = options.memoryEvents ?? 2048;
  const now = options.now ?? Date.now;
  const listeners = new Set<(e: JournalEntry) => void>();

  let instanceId: string = randomUUID();
  let lastSeq = 0;
  let firstSeq = 1;
  let tail: JournalEntry[] = [];
  // Segments on disk, oldest first: first seq, file name, event count.
  let segments: { first: number; name: string; count: number }[] = [];
  // In memory-only mode, every retained event lives in `tail`.
  const memoryOnly = !dir;

  if (dir) {
    mkdirSync(dir, { recursive: true });
    const metaPath = join(dir, 'journal.json');
    if (existsSync(metaPath)) {
      try {
        instanceId = (JSON.parse(readFileSync(metaPath, 'utf8')) as { instance_id: string }).instance_id || instanceId;
      } catch {
        /* rewritten below */
      }
    }
    writeFileSync(`${metaPath}.tmp`, JSON.stringify({ instance_id: instanceId }));
    renameSync(`${metaPath}.tmp`, metaPath);
    segments = readdirSync(dir)
      .map((n) => SEGMENT.exec(n))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ first: Number(m[1]), name: m[0], count: 0 }))
      .sort((a, b) => a.first - b.first);
    const last = segments.at(-1);
    if (last) {
      const path = join(dir, last.name);
      const text = readFileSync(path, 'utf8');
      const entries: JournalEntry[] = [];
      let good = 0;
      for (const line of text.split('\n')) {
        if (line === '') {
          good += 1;
          continue;
        }
        const e = entryFromLine(line);
        if (!e) break; // a torn line: everything after it is cut
        entries.push(e);
        good += Buffer.byteLength(line) + 1;
      }
      if (good < Buffer.byteLength(text)) truncateSync(path, Math.min(good, Buffer.byteLength(text)));
      last.count = entries.length;
      tail = entries.slice(-memoryEvents);
      lastSeq = entries.at(-1)?.seq ?? last.first - 1;
    }
    firstSeq = segments[0]?.first ?? lastSeq + 1;
    if (segments.length === 0) firstSeq = 1;
    prune();
  }

  function readSegment(name: string): JournalEntry[] {
    try {
      return readFileSync(join(dir!, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(entryFromLine)
        .filter((e): e is JournalEntry => !!e);
    } catch {
      return [];
    }
  }

  function prune() {
    const cutoffAge = now() - maxAgeMs;
    if (memoryOnly) {
      const keep = Math.min(maxEvents, memoryEvents);
      let drop = 0;
      while (drop < tail.length && (tail.length - drop > keep || tail[drop]!.at < cutoffAge)) drop++;
      if (drop) tail.splice(0, drop);
      firstSeq = tail[0]?.seq ?? lastSeq + 1;
      return;
    }
    // Whole segments only: drop the oldest while the rest still hold maxEvents, or it is all too old.
    while (segments.length > 1) {
      const oldest = segments[0]!;
      const next = segments[1]!;
      const remaining = lastSeq - next.first + 1;
      let tooOld = false;
      try {
        tooOld = statSync(join(dir!, oldest.name)).mtimeMs < cutoffAge;
      } catch {
        tooOld = true;
      }
      if (remaining < maxEvents && !tooOld) break;
      try {
        unlinkSync(join(dir!, oldest.name));
      } catch {
        /* already gone */
      }
      segments.shift();
    }
    firstSeq = segments[0]?.first ?? lastSeq + 1;
  }

  return {
    get instanceId() {
      return instanceId;
    },
    get lastSeq() {
      return lastSeq;
    },
    get firstSeq() {
      return firstSeq;
    },

    append(envelope) {
      const seq = lastSeq + 1;
      const at = now();
      const json = JSON.stringify({ ...envelope, seq });
      const entry: JournalEntry = { seq, at, type: envelope.type, json, frame: frameOf(seq, envelope.type, json) };
      if (dir) {
        let seg = segments.at(-1);
        if (!seg || seg.count >= segmentEvents) {
          seg = { first: seq, name: segName(seq), count: 0 };
          segments.push(seg);
        }
        appendFileSync(join(dir, seg.name), `${json}\n`);
        seg.count++;
      }
      lastSeq = seq;
      tail.push(entry);
      if (memoryOnly) prune();
      else {
        if (tail.length > memoryEvents * 2) tail = tail.slice(-memoryEvents);
        if (segments.at(-1)!.count === 1) prune(); // a new segment started: maybe drop old ones
        firstSeq = segments[0]!.first;
      }
      for (const fn of [...listeners]) {
        try {
          fn(entry);
        } catch {
          /* one listener cannot stop the others */
        }
      }
      return entry;
    },

    read(after, limit) {
      if (after >= lastSeq) return [];
      const from = Math.max(after + 1, firstSeq);
      const t0 = tail[0]?.seq;
      if (t0 !== undefined && from >= t0) {
        const i = from - t0;
        return tail.slice(i, i + limit);
      }
      if (memoryOnly) return [];
      const out: JournalEntry[] = [];
      for (let s = 0; s < segments.length && out.length < limit; s++) {
        const seg = segments[s]!;
        const end = segments[s + 1]?.first ?? lastSeq + 1;
        if (end <= from) continue;
        for (const e of readSegment(seg.name)) if (e.seq >= from && out.length < limit) out.push(e);
      }
      return out;
    },

    history(before, limit) {
      const top = Math.min(before - 1, lastSeq);
      if (top < firstSeq || limit <= 0) return [];
      const start = Math.max(firstSeq, top - limit + 1);
      return this.read(start - 1, top - start + 1).reverse();
    },

    check(cursor) {
      if (!/^\d{1,15}$/.test(cursor)) return { ok: false, reason: 'cursor_unknown' };
      const c = Number(cursor);
      if (c > lastSeq) return { ok: false, reason: 'cursor_unknown' };
      if (c < firstSeq - 1) return { ok: false, reason: 'cursor_expired' };
      return { ok: true, seq: c };
    },

    subscribe(fn) {
      listeners.add(fn);
      return () => {
        listeners.delete(fn);
      };
    },
  };
}
