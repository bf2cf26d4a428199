import { InvalidIdError } from './errors/index.js';

/**
 * Ids are human-readable, time-sortable and safe to use as a path segment.
 *   audit: `<card_key with : and / as _>_<YYYYMMDD>_<HHMMSS>_<4 random>`
 *   run:   `run_<YYYYMMDDTHHMMSSZ>_<type with : and / as ->_<4 random>` (the origin's format)
 * Within one process an id is never issued twice (the random part is redrawn on a repeat), so
 * bursts in one second cannot collide; across tabs, 36^4 random values make a clash unlikely.
 */

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const MAX_ID_LENGTH = 128;

function random4(): string {
  const bytes = new Uint8Array(4);
  crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += ALPHABET[b % 36];
  return s;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
function stamp(d: Date): { day: string; time: string } {
  return {
    day: `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`,
    time: `${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`,
  };
}

// Ids issued in the current second, per prefix; cleared when the second changes.
let issuedSecond = '';
const issued = new Set<string>();
function unique(prefix: string, second: string): string {
  if (second !== issuedSecond) { issued.clear(); issuedSecond = second; }
  for (;;) {
    const id = `${prefix}${random4()}`;
    if (!issued.has(id)) { issued.add(id); return id; }
  }
}

/** The card key as it appears inside an id (the origin replaces `:` and `/` with `_`). */
export function cardKeySlug(cardKey: string): string {
  return cardKey.replace(/[:/]/g, '_').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 80);
}

export function newAuditId(cardKey: string, at: Date = new Date()): string {
  const { day, time } = stamp(at);
  return unique(`${cardKeySlug(cardKey)}_${day}_${time}_`, day + time);
}

export function newRunId(type: string, at: Date = new Date()): string {
  const { day, time } = stamp(at);
  const t = type.replace(/[:/]/g, '-').replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 30) || 'run';
  return unique(`run_${day}T${time}Z_${t}_`, day + time);
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

/** Run ids start with `run_`; anything else valid is an audit id. */
export function isRunId(id: string): boolean {
  return id.startsWith('run_');
}

/** The UTC time encoded in an id, if it has one (both our and the origin's formats). */
export function timeFromId(id: string): Date | undefined {
  const m = /_(\d{8})T?_?(\d{6})Z?(?:_|$)/.exec(id);
  if (!m) return undefined;
  const [d, t] = [m[1]!, m[2]!];
  const ms = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4), +t.slice(4, 6));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
