// What <scp-ref-preview> keeps about the refs it has looked up, and how a change in the core
// makes an answer stale. Pure functions: the element holds the cache and calls these.
import type { BusEventMap } from '../../core/schemas/events.js';
import type { Preview, Ref } from '../../core/schemas/ref.js';
import { keyOf } from './ref-text.js';

/** @internal What the cache knows about one ref. */
export type CacheEntry =
  | { state: 'loading' }
  | { state: 'ready'; preview: Preview }
  | { state: 'error'; error: unknown };

/** Refs looked up in parallel at a time; their cards render together. */
export const REF_BATCH = 25;
/** Answers kept in the per-element cache (beyond the refs shown now). */
const CACHE_LIMIT = 500;
/** Longest slice of counting the refs past `max` before other work gets a turn. */
export const COUNT_SLICE_MS = 4;

/** Same refs, same text, same places. */
export function sameRefs(a: readonly Ref[], b: readonly Ref[]): boolean {
  return a.length === b.length && a.every((r, i) => r.raw === b[i]!.raw && r.index === b[i]!.index);
}

/** Keep the cache bounded: past CACHE_LIMIT entries, forget answers about refs not shown now. */
export function trimCache(cache: Map<string, CacheEntry>, shown: readonly Ref[]): void {
  const limit = Math.max(CACHE_LIMIT, shown.length * 2);
  if (cache.size <= limit) return;
  const keep = new Set(shown.map(keyOf));
  for (const [key, entry] of cache) {
    if (cache.size <= limit / 2) break;
    if (!keep.has(key) && entry.state !== 'loading') cache.delete(key);
  }
}

/** The ids a bus event is about (a staged, saved or discarded audit, a run, what it replaced). */
export function idsIn(payload: unknown): Set<string> {
  const p = payload as { snapshot_id?: string; run_id?: string; replaced?: string[]; ids?: string[] };
  return new Set<string>(
    [p.snapshot_id, p.run_id, ...(p.replaced ?? []), ...(p.ids ?? [])].filter(
      (x): x is string => typeof x === 'string',
    ),
  );
}

/** What a finished run's event says about its card, merged over a cached preview. */
export function finishedRunPreview(done: BusEventMap['run:completed']): Partial<Preview> {
  return {
    type: 'run',
    id: done.run_id,
    status: done.status,
    summary: done.summary,
    subtype: done.subtype,
    run_type: done.type,
    duration_ms: done.duration_ms,
  };
}

/** Forget every cached answer about one of `ids`; true when something was forgotten. */
export function forgetIds(cache: Map<string, CacheEntry>, ids: ReadonlySet<string>): boolean {
  let touched = false;
  for (const key of [...cache.keys()]) {
    if (ids.has(key.slice(key.indexOf(':') + 1))) touched = cache.delete(key) || touched;
  }
  return touched;
}
