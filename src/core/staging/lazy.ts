import { loadOnce } from '../load-once.js';
import type { StageOptions, Staging } from './types.js';

/**
 * A scan's `computed_at` defaults to when it was handed over, not to when the staging code
 * arrived (the first call waits for it). Anything but options without a time passes unchanged,
 * so staging still reports bad input as it is.
 */
function stamped(options: StageOptions | undefined, at: Date): StageOptions | undefined {
  if (options === undefined) return { computed_at: at };
  if (typeof options !== 'object' || options === null || options.computed_at !== undefined) return options;
  return { ...options, computed_at: at };
}

/**
 * Staging whose implementation is loaded on first use, so a page can define its elements before
 * that code arrives. Every Staging method is async, so callers see no difference.
 */
export function createLazyStaging(load: () => Promise<Staging>): Staging {
  const get = loadOnce(load);
  return {
    stage: async (cardKey, result, options) => {
      const at = new Date();
      return (await get()).stage(cardKey, result, stamped(options, at));
    },
    stageMany: async (items) => {
      const at = new Date();
      const timed = Array.isArray(items)
        ? items.map((i) => (i && typeof i === 'object' ? { ...i, options: stamped(i.options, at) } : i))
        : items;
      return (await get()).stageMany(timed);
    },
    list: async (filter) => (await get()).list(filter),
    get: async (id) => (await get()).get(id),
    counts: async () => (await get()).counts(),
    save: async (ids, options) => (await get()).save(ids, options),
    discard: async (ids, o) => (await get()).discard(ids, o),
    reconcile: async () => (await get()).reconcile?.() ?? [],
  };
}
