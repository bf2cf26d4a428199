import { loadOnce } from '../load-once.js';
import type { Staging } from './types.js';

/**
 * Staging whose implementation is loaded on first use, so a page can define its elements before
 * that code arrives. Every Staging method is async, so callers see no difference.
 */
export function createLazyStaging(load: () => Promise<Staging>): Staging {
  const get = loadOnce(load);
  return {
    stage: async (cardKey, result, options) => (await get()).stage(cardKey, result, options),
    stageMany: async (items) => (await get()).stageMany(items),
    list: async (filter) => (await get()).list(filter),
    get: async (id) => (await get()).get(id),
    counts: async () => (await get()).counts(),
    save: async (ids, options) => (await get()).save(ids, options),
    discard: async (ids) => (await get()).discard(ids),
  };
}
