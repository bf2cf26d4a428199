import { SyncError } from '../errors/index.js';
import { loadOnce } from '../load-once.js';
import type { Ledger } from './types.js';

/** A Ledger whose implementation is loaded on first use (keeps the git code out of first paint). */
export function createLazyLedger(load: () => Promise<Ledger>): Ledger {
  const get = loadOnce(load);
  return {
    write: async (b) => (await get()).write(b),
    getAudit: async (id) => (await get()).getAudit(id),
    getRun: async (id) => (await get()).getRun(id),
    async getAction(id) {
      const l = await get();
      return l.getAction ? l.getAction(id) : undefined;
    },
    list: async (q) => (await get()).list(q),
    deleteAudit: async (id, o) => (await get()).deleteAudit(id, o),
    head: async () => (await get()).head(),
    async verify(o) {
      const l = await get();
      if (!l.verify)
        return {
          ok: true,
          reason: 'unsupported',
          message: 'This ledger cannot verify itself',
          checked: { commits: 0, entries: 0 },
        };
      return l.verify(o);
    },
    async sync(o) {
      const l = await get();
      if (!l.sync)
        throw new SyncError('This ledger has no remote to sync with: use the git ledger with a remote URL', {
          data: { remote: o?.remote ?? '', step: 'config' },
        });
      return l.sync(o);
    },
    close: async () => {
      const p = get.started();
      if (p) await (await p).close?.();
    },
  };
}
