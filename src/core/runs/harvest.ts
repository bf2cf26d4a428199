/**
 * Metadata harvest: a bounded, JSON-only copy of an action's result, with the origin's caps
 * (strings 500 chars, lists 20 items plus a `… +N more` marker). Anything JSON cannot carry
 * (functions, symbols, bigint, NaN, class instances, cycles) is dropped rather than guessed at.
 */
import { setOwn } from '../own.js';

export interface HarvestLimits {
  /** Longest string kept, in UTF-16 units, marker included (origin: 500). */
  maxString: number;
  /** Items kept per list before the `… +N more` marker (origin: 20). */
  maxItems: number;
  /** Keys kept per object before a `…` key saying how many were left out. */
  maxKeys: number;
  /** Nesting below this depth becomes a `{…}` / `[…]` marker. */
  maxDepth: number;
}

export const HARVEST_LIMITS: HarvestLimits = { maxString: 500, maxItems: 20, maxKeys: 50, maxDepth: 4 };

/**
 * Event details are the host's own step records (file lists, output tails): kept far more whole
 * than run metadata, but still bounded so one event cannot bloat a run.
 */
export const EVENT_LIMITS: HarvestLimits = { maxString: 16_384, maxItems: 1_000, maxKeys: 200, maxDepth: 8 };

const DROP = Symbol('drop');
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function capString(s: string, max = HARVEST_LIMITS.maxString): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function copy(value: unknown, depth: number, seen: Set<object>, lim: HarvestLimits): Json | typeof DROP {
  switch (typeof value) {
    case 'string':
      return capString(value, lim.maxString);
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : DROP;
    case 'object':
      break;
    default:
      return DROP; // undefined, function, symbol, bigint
  }
  if (value === null) return null;
  if (seen.has(value)) return DROP;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? DROP : value.toISOString();
  if (value instanceof Error) return copy({ name: value.name, message: value.message }, depth, seen, lim);
  const isArray = Array.isArray(value);
  if (!isArray && !isPlainObject(value)) {
    // Objects that say how they serialise (URL, host value types) are kept as that; others dropped.
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    return typeof toJSON === 'function' ? copy(toJSON.call(value), depth, seen, lim) : DROP;
  }
  if (depth >= lim.maxDepth) return isArray ? '[…]' : '{…}';
  seen.add(value);
  try {
    if (isArray) {
      const out: Json[] = [];
      for (const item of value.slice(0, lim.maxItems)) {
        const c = copy(item, depth + 1, seen, lim);
        if (c !== DROP) out.push(c);
      }
      if (value.length > lim.maxItems) out.push(`… +${value.length - lim.maxItems} more`);
      return out;
    }
    const out: Record<string, Json> = {};
    const keys = Object.keys(value);
    let kept = 0;
    let i = 0;
    for (; i < keys.length && kept < lim.maxKeys; i++) {
      const k = keys[i]!;
      const c = copy((value as Record<string, unknown>)[k], depth + 1, seen, lim);
      if (c !== DROP) {
        setOwn(out, capString(k, 100), c);
        kept++;
      }
    }
    if (i < keys.length) out['…'] = `+${keys.length - i} more`;
    return out;
  } finally {
    seen.delete(value);
  }
}

/** A bounded JSON copy of any value (`undefined` when nothing JSON-able is left). */
export function harvestValue(value: unknown, limits: Partial<HarvestLimits> = {}): Json | undefined {
  const c = copy(value, 0, new Set(), { ...HARVEST_LIMITS, ...limits });
  return c === DROP ? undefined : c;
}

/**
 * Run metadata from an action's result: an object's fields, a `Response`'s status line, or
 * `{ result }` for anything else JSON-able. `undefined` when there is nothing to record.
 */
export function harvestMetadata(
  result: unknown,
  limits: Partial<HarvestLimits> = {},
): Record<string, unknown> | undefined {
  if (result === undefined || result === null) return undefined;
  if (typeof Response !== 'undefined' && result instanceof Response) {
    // The body is a stream the caller still owns: record only the status line.
    return {
      status: result.status,
      ok: result.ok,
      ...(result.statusText && { statusText: result.statusText }),
      ...(result.url && { url: capString(result.url) }),
    };
  }
  const c = harvestValue(result, limits);
  if (c === undefined) return undefined;
  if (typeof c === 'object' && c !== null && !Array.isArray(c)) return Object.keys(c).length ? c : undefined;
  return { result: c };
}
