import type { LedgerQuery } from '../../core/schemas/ledger.js';

export const RANGE_PRESETS = {
  '1h': 3_600_000,
  '24h': 86_400_000,
  '7d': 7 * 86_400_000,
  '30d': 30 * 86_400_000,
} as const;
export type RangePreset = keyof typeof RANGE_PRESETS;
/** `''` for all time, a preset, or `custom` (the `from` / `to` fields). */
export type LogRange = '' | RangePreset | 'custom';

/** The log's filters as its controls hold them. */
export interface LogFilters {
  actor: string;
  /** `''` any, `audit:saved` / `audit:discarded` / `audit:deleted`, `run` any run, else a run type or subtype. */
  action: string;
  status: string;
  card: string;
  text: string;
  range: LogRange;
  /** `datetime-local` values (the page's time zone), used when `range` is `custom`. */
  from: string;
  to: string;
}

const localToIso = (v: string): string | undefined => {
  if (!v) return undefined;
  const t = new Date(v).getTime();
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
};

/** The ledger query for the filters (no limit/cursor); empty controls add no condition. */
export function queryOf(f: LogFilters, now: Date = new Date()): LedgerQuery {
  const q: LedgerQuery = {};
  const actor = f.actor.trim();
  const text = f.text.trim();
  if (actor) q.actor = actor;
  if (f.action === 'audit:saved') q.kind = 'audit';
  else if (f.action === 'audit:discarded' || f.action === 'audit:deleted') {
    q.kind = 'action';
    q.action = f.action;
  } else if (f.action === 'run') q.kind = 'run';
  else if (f.action) {
    q.kind = 'run';
    q.action = f.action;
  }
  if (f.status) q.status = f.status;
  if (f.card) q.card = f.card;
  if (text) q.text = text;
  if (f.range === 'custom') {
    const since = localToIso(f.from);
    const until = localToIso(f.to);
    if (since) q.since = since;
    if (until) q.until = until;
  } else if (f.range && Object.hasOwn(RANGE_PRESETS, f.range)) {
    q.since = new Date(now.getTime() - RANGE_PRESETS[f.range]).toISOString();
  }
  return q;
}
