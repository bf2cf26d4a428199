import { InvalidIdError } from './errors/index.js';

/**
 * Ids are human-readable, time-sortable and safe to use as a path segment.
 *   audit: `<card_key with : and / as _>_<YYYYMMDD>_<HHMMSS>_<4 random>`
 *   run:   `run_<YYYYMMDDTHHMMSSZ>_<type with : and / as ->_<4 random>` (the origin's format)
 *   action: `act_<YYYYMMDDTHHMMSSZ>_<discard|delete>_<4 random>`
 * Within one process an id is never issued twice (the random part is redrawn on a repeat), so
 * bursts in one second cannot collide; across tabs, 36^4 random values make a clash unlikely.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_ID_LENGTH = 128;

// 252 = 7 × 36: bytes at or above it are redrawn so every character is equally likely.
function random4(): string {
  const bytes = new Uint8Array(8);
  let s = '';
  while (s.length < 4) {
    crypto.getRandomValues(bytes);
    for (const b of bytes) if (b < 252 && s.length < 4) s += ALPHABET[b % 36];
  }
  return s;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function stamp(d: Date): { day: string; time: string } {
  return {
    day: `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
  };
}

// Ids issued per second (the time is part of the id, so only the same second can repeat).
// Several seconds are remembered, least recently used dropped first, so a caller alternating
// between explicit times (backfills, imports) cannot get a repeat either.
const REMEMBERED_SECONDS = 64;
const issued = new Map<string, Set<string>>();
function unique(prefix: string, second: string): string {
  let set = issued.get(second);
  if (set)
    issued.delete(second); // re-inserted below as the most recently used
  else set = new Set();
  issued.set(second, set);
  if (issued.size > REMEMBERED_SECONDS) issued.delete(issued.keys().next().value!);
  for (;;) {
    const id = `${prefix}${random4()}`;
    if (!set.has(id)) {
      set.add(id);
      return id;
    }
  }
}

/** The card key as it appears inside an id (the origin replaces `:` and `/` with `_`). */
export function cardKeySlug(cardKey: string): string {
  // A leading "-" would make the id look like a command-line option (and fail the grammar).
  return (
    cardKey
      .replace(/[:/]/g, '_')
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .replace(/^-+/, '')
      .slice(0, 80) || 'card'
  );
}

export function newAuditId(cardKey: string, at: Date = new Date()): string {
  const { day, time } = stamp(at);
  return unique(`${cardKeySlug(cardKey)}_${day}_${time}_`, day + time);
}

export function newRunId(type: string, at: Date = new Date()): string {
  const { day, time } = stamp(at);
  const t =
    type
      .replace(/[:/]/g, '-')
      .replace(/[^A-Za-z0-9_-]/g, '-')
      .slice(0, 30) || 'run';
  return unique(`run_${day}T${time}Z_${t}_`, day + time);
}

export function newActionId(action: string, at: Date = new Date()): string {
  const { day, time } = stamp(at);
  return unique(`act_${day}T${time}Z_${action.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 20) || 'action'}_`, day + time);
}

const ID_CHARS = /^[A-Za-z0-9_.-]+$/;

/** Why `id` is not a valid entry id, or `undefined` when it is. */
export function idProblem(id: unknown): string | undefined {
  if (typeof id !== 'string') return 'not a string';
  if (id.length === 0) return 'empty';
  if (id.length > MAX_ID_LENGTH) return `longer than ${MAX_ID_LENGTH} characters`;
  if (!ID_CHARS.test(id)) return 'only letters, digits, "_", "-" and "." are allowed';
  if (id.startsWith('.') || id.startsWith('-')) return 'must not start with "." or "-"';
  if (id.includes('..')) return 'must not contain ".."';
  if (id.endsWith('.') || id.toLowerCase().endsWith('.lock')) return 'must not end with "." or ".lock"';
  return undefined;
}

export function isValidId(id: unknown): id is string {
  return idProblem(id) === undefined;
}

/** Throws InvalidIdError unless `id` is safe to look up and to use as a path segment. */
export function assertValidId(id: unknown, kind = 'entry'): asserts id is string {
  const problem = idProblem(id);
  if (problem) {
    const shown = typeof id === 'string' ? JSON.stringify(id.length > 60 ? `${id.slice(0, 60)}…` : id) : String(id);
    throw new InvalidIdError(`Invalid ${kind} id ${shown}: ${problem}`, { data: { id: String(id), reason: problem } });
  }
}

/** Run ids start with `run_`; anything else valid is an audit id (or, with `act_`, an action). */
export function isRunId(id: string): boolean {
  return id.startsWith('run_');
}

/** Action (discard / delete) entry ids start with `act_`. */
export function isActionId(id: string): boolean {
  return id.startsWith('act_');
}

/** The UTC time encoded in an id, if it has one (both our and the origin's formats). */
export function timeFromId(id: string): Date | undefined {
  const m = /_(\d{8})T?_?(\d{6})Z?(?:_|$)/.exec(id);
  if (!m) return undefined;
  const [d, t] = [m[1]!, m[2]!];
  const parts = [
    +d.slice(0, 4),
    +d.slice(4, 6),
    +d.slice(6, 8),
    +t.slice(0, 2),
    +t.slice(2, 4),
    +t.slice(4, 6),
  ] as const;
  const [y, mo, day, h, mi, sec] = parts;
  const at = new Date(Date.UTC(y, mo - 1, day, h, mi, sec));
  // Date.UTC rolls 2026-02-30 over to March: only a time that reads back the same is real.
  const same =
    at.getUTCFullYear() === y &&
    at.getUTCMonth() === mo - 1 &&
    at.getUTCDate() === day &&
    at.getUTCHours() === h &&
    at.getUTCMinutes() === mi &&
    at.getUTCSeconds() === sec;
  return same ? at : undefined;
}
