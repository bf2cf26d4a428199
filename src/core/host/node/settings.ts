import type { ScpClient } from '../../client.js';
import { HostSettings } from '../../schemas/host-requests.js';
import { checkWith } from '../../schemas/parse.js';

export type { HostSettings };

const SETTINGS_KEY = 'host:settings';
/** How long an instance trusts its copy of the settings before reading the store again. */
const SETTINGS_FRESH_MS = 2000;

/** One tenant's settings (`PUT /api/settings`), kept in its staging store's meta. */
export interface SettingsCache {
  get(): Promise<HostSettings>;
  set(s: HostSettings): Promise<void>;
}

/**
 * One tenant's settings, read from its store at most every SETTINGS_FRESH_MS. What the store
 * holds is checked by the settings schema: a value that does not match (written by another
 * version, or damaged) counts as no settings, so every request falls back to the host's defaults
 * instead of carrying an unknown role.
 */
export function createSettingsCache(scp: ScpClient): SettingsCache {
  let copy: { value: HostSettings; at: number } | undefined;
  return {
    async get() {
      if (copy && Date.now() - copy.at < SETTINGS_FRESH_MS) return copy.value;
      const stored = checkWith(HostSettings, (await scp.store.getMeta(SETTINGS_KEY)) ?? {});
      copy = { value: stored.ok ? stored.data : {}, at: Date.now() };
      return copy.value;
    },
    async set(value) {
      await scp.store.setMeta(SETTINGS_KEY, value);
      copy = { value, at: Date.now() };
    },
  };
}
