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
import * as z from 'zod/mini';
import { checkWith } from '../../schemas/parse.js';
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

/** A stored line: an envelope with the seq it was given (more fields are the envelope's own). */
const JournalLine = z.looseObject({ seq: z.number(), type: z.string(), ts: z.optional(z.unknown()) });
/** `journal.json`: the journal's id. */
const JournalMeta = z.object({ instance_id: z.string().check(z.minLength(1)) });

/** A stored line as an entry, or undefined for a line that is torn or not an envelope. */
function entryFromLine(line: string): JournalEntry | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return undefined;
  }
  const r = checkWith(JournalLine, parsed);
  if (!r.ok) return undefined;
  const env = r.data;
  const at = typeof env.ts === 'number' ? env.ts * 1000 : 0;
  return { seq: env.seq, at, type: env.type, json: line, frame: frameOf(env.seq, env.type, line) };
}

/** The id kept in `journal.json`, if it is there and readable. */
function storedInstanceId(metaPath: string): string | undefined {
  if (!existsSync(metaPath)) return undefined;
  try {
    const r = checkWith(JournalMeta, JSON.parse(readFileSync(metaPath, 'utf8')));
    return r.ok ? r.data.instance_id : undefined;
  } catch {
    return undefined; // rewritten by the caller
  }
}

/** The entries of a segment file and the byte length of its whole lines (a torn last line is not counted). */
function readWholeLines(path: string): { entries: JournalEntry[]; good: number; size: number } {
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
  return { entries, good, size: Buffer.byteLength(text) };
}

/**
 * A durable, append-only event log in JSONL segment files, with a retention window. Seqs are
 * 1, 2, 3 ... for the life of the folder (they survive restarts), so `Last-Event-ID` resumes across
 * server restarts; a cursor that fell out of retention (or was never issued) must be answered with a
 * `reset`. A torn last line (crash mid-append) is cut off on open.
 */
export function createEventJournal(options: EventJournalOptions = {}): LocalEventJournal {
  return new FileJournal(options);
}

class FileJournal implements LocalEventJournal {
  instanceId: string = randomUUID();
  lastSeq = 0;
  firstSeq = 1;
  private readonly dir: string | undefined;
  private readonly maxEvents: number;
  private readonly maxAgeMs: number;
  private readonly segmentEvents: number;
  private readonly memoryEvents: number;
  private readonly now: () => number;
  private readonly listeners = new Set<(e: JournalEntry) => void>();
  /** The newest events (in memory-only mode, every retained one). */
  private tail: JournalEntry[] = [];
  /** Segments on disk, oldest first: first seq, file name, event count. */
  private segments: { first: number; name: string; count: number }[] = [];

  constructor(options: EventJournalOptions) {
    this.dir = options.dir;
    this.maxEvents = options.retention?.maxEvents ?? 10_000;
    this.maxAgeMs = options.retention?.maxAgeMs ?? 7 * 24 * 3600_000;
    this.segmentEvents = options.segmentEvents ?? 1000;
    this.memoryEvents = options.memoryEvents ?? 2048;
    this.now = options.now ?? Date.now;
    if (this.dir) this.openDir(this.dir);
  }

  append(envelope: OriginEnvelope): JournalEntry {
    const seq = this.lastSeq + 1;
    const at = this.now();
    const json = JSON.stringify({ ...envelope, seq });
    const entry: JournalEntry = { seq, at, type: envelope.type, json, frame: frameOf(seq, envelope.type, json) };
    if (this.dir) this.writeLine(this.dir, seq, json);
    this.lastSeq = seq;
    this.tail.push(entry);
    if (!this.dir) this.prune();
    else {
      if (this.tail.length > this.memoryEvents * 2) this.tail = this.tail.slice(-this.memoryEvents);
      if (this.segments.at(-1)!.count === 1) this.prune(); // a new segment started: maybe drop old ones
      this.firstSeq = this.segments[0]!.first;
    }
    for (const fn of [...this.listeners]) {
      try {
        fn(entry);
      } catch {
        /* one listener cannot stop the others */
      }
    }
    return entry;
  }

  read(after: number, limit: number): JournalEntry[] {
    if (after >= this.lastSeq) return [];
    const from = Math.max(after + 1, this.firstSeq);
    const t0 = this.tail[0]?.seq;
    if (t0 !== undefined && from >= t0) {
      const i = from - t0;
      return this.tail.slice(i, i + limit);
    }
    if (!this.dir) return [];
    const out: JournalEntry[] = [];
    for (let s = 0; s < this.segments.length && out.length < limit; s++) {
      const seg = this.segments[s]!;
      const end = this.segments[s + 1]?.first ?? this.lastSeq + 1;
      if (end <= from) continue;
      for (const e of this.readSegment(seg.name)) if (e.seq >= from && out.length < limit) out.push(e);
    }
    return out;
  }

  history(before: number, limit: number): JournalEntry[] {
    const top = Math.min(before - 1, this.lastSeq);
    if (top < this.firstSeq || limit <= 0) return [];
    const start = Math.max(this.firstSeq, top - limit + 1);
    return this.read(start - 1, top - start + 1).reverse();
  }

  check(cursor: string): CursorCheck {
    if (!/^\d{1,15}$/.test(cursor)) return { ok: false, reason: 'cursor_unknown' };
    const c = Number(cursor);
    if (c > this.lastSeq) return { ok: false, reason: 'cursor_unknown' };
    if (c < this.firstSeq - 1) return { ok: false, reason: 'cursor_expired' };
    return { ok: true, seq: c };
  }

  subscribe(fn: (entry: JournalEntry) => void): () => void {
    this.listeners.add(fn);
    return () => {
      this.listeners.delete(fn);
    };
  }

  /** Reads the folder: the journal's id, its segments, and the newest segment's events (a torn line cut off). */
  private openDir(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const metaPath = join(dir, 'journal.json');
    this.instanceId = storedInstanceId(metaPath) ?? this.instanceId;
    writeFileSync(`${metaPath}.tmp`, JSON.stringify({ instance_id: this.instanceId }));
    renameSync(`${metaPath}.tmp`, metaPath);
    this.segments = readdirSync(dir)
      .map((n) => SEGMENT.exec(n))
      .filter((m): m is RegExpExecArray => !!m)
      .map((m) => ({ first: Number(m[1]), name: m[0], count: 0 }))
      .sort((a, b) => a.first - b.first);
    const last = this.segments.at(-1);
    if (last) {
      const path = join(dir, last.name);
      const { entries, good, size } = readWholeLines(path);
      if (good < size) truncateSync(path, Math.min(good, size));
      last.count = entries.length;
      this.tail = entries.slice(-this.memoryEvents);
      this.lastSeq = entries.at(-1)?.seq ?? last.first - 1;
    }
    this.firstSeq = this.segments[0]?.first ?? this.lastSeq + 1;
    if (this.segments.length === 0) this.firstSeq = 1;
    this.prune();
  }

  /** Appends one line to the newest segment, starting a new one when it is full. */
  private writeLine(dir: string, seq: number, json: string): void {
    let seg = this.segments.at(-1);
    if (!seg || seg.count >= this.segmentEvents) {
      seg = { first: seq, name: segName(seq), count: 0 };
      this.segments.push(seg);
    }
    appendFileSync(join(dir, seg.name), `${json}\n`);
    seg.count++;
  }

  private readSegment(name: string): JournalEntry[] {
    try {
      return readFileSync(join(this.dir!, name), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map(entryFromLine)
        .filter((e): e is JournalEntry => !!e);
    } catch {
      return [];
    }
  }

  private prune(): void {
    const cutoffAge = this.now() - this.maxAgeMs;
    if (this.dir) this.pruneSegments(this.dir, cutoffAge);
    else {
      const keep = Math.min(this.maxEvents, this.memoryEvents);
      let drop = 0;
      const tail = this.tail;
      while (drop < tail.length && (tail.length - drop > keep || tail[drop]!.at < cutoffAge)) drop++;
      if (drop) tail.splice(0, drop);
      this.firstSeq = tail[0]?.seq ?? this.lastSeq + 1;
    }
  }

  /** Whole segments only: drop the oldest while the rest still hold maxEvents, or it is all too old. */
  private pruneSegments(dir: string, cutoffAge: number): void {
    const segments = this.segments;
    while (segments.length > 1) {
      const oldest = segments[0]!;
      const next = segments[1]!;
      const remaining = this.lastSeq - next.first + 1;
      let tooOld = false;
      try {
        tooOld = statSync(join(dir, oldest.name)).mtimeMs < cutoffAge;
      } catch {
        tooOld = true;
      }
      if (remaining < this.maxEvents && !tooOld) break;
      try {
        unlinkSync(join(dir, oldest.name));
      } catch {
        /* already gone */
      }
      segments.shift();
    }
    this.firstSeq = segments[0]?.first ?? this.lastSeq + 1;
  }
}
