import { NotFoundError } from '../errors/index.js';
import { assertValidId } from '../ids.js';
import { DEFAULT_VALUE_LIMITS } from '../limits.js';
import { nullRecord, own } from '../own.js';
import type { AuditMeta } from '../schemas/audit.js';
import { parseWith } from '../schemas/parse.js';
import { selectionOrThrow } from '../selection.js';
import { discardSelection } from './discard.js';
import { DiscardOptionsInput, PendingFilterInput, StageItemsInput } from './input.js';
import { announce, hashed, loadState, plan, writePlan, type PlanConfig } from './plan.js';
import { prepareScan, type PrepareConfig } from './prepare.js';
import { reconcilePending, saveSelection, type SaveContext } from './save.js';
import { stageInChunks } from './stage-many.js';
import type { DiscardOptions, DiscardResult, SaveResult, StageItem, Staging, StagingDeps } from './types.js';

export { lastSavedKey, type LastSaved } from './last-saved.js';

export const DEFAULT_MAX_SNAPSHOT_BYTES = 1024 * 1024;
export { STAGE_CHUNK } from './stage-many.js';
/** Web Lock held (per origin) while pending audits are saved or discarded. */
export const SAVE_LOCK = 'scp-ledger:staging-save';

/** What each step needs, with the defaults filled in. */
function configsOf(deps: StagingDeps) {
  const { store, ledger, bus, redactor } = deps;
  const now = deps.now ?? (() => new Date());
  const prepareCfg: PrepareConfig = {
    redactor,
    stageErrors: deps.stageErrors ?? false,
    limits: deps.limits ?? DEFAULT_VALUE_LIMITS,
    maxBytes: deps.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES,
    now,
  };
  const planCfg: PlanConfig = {
    store,
    ledger,
    policy: deps.policy ?? 'latest',
    skipUnchanged: deps.skipUnchanged ?? true,
  };
  const saveCtx: SaveContext = { store, ledger, bus, redactor, now, actor: deps.actor };
  return { prepareCfg, planCfg, saveCtx };
}

/**
 * This instance's mutations one at a time (`exclusive`); saves and discards also take a Web Lock
 * where there is one (`acrossTabs`), so two tabs saving the same audit cannot both write it: the
 * second finds it no longer pending.
 */
function serialized() {
  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  function acrossTabs<T>(fn: () => Promise<T>): Promise<T> {
    return exclusive(() => (locks ? (locks.request(SAVE_LOCK, () => fn()) as Promise<T>) : fn()));
  }
  return { exclusive, acrossTabs };
}

/**
 * The pending-audit area. Everything a scan result goes through before it is stored — redaction,
 * the size limit, the content hash — happens in `stage`, so the store never sees a raw result.
 * Mutations (stage, save, discard) run one at a time per instance: two saves of the same id
 * cannot both write it, and `latest` replacement never races another stage of the same card.
 *
 * Long only because it is the public object: each method checks its input and hands off to
 * prepare.ts (one scan), plan.ts (what a batch does to pending) or save.ts (into the ledger).
 */
export function createStaging(deps: StagingDeps): Staging {
  const { store, bus } = deps;
  const { prepareCfg, planCfg, saveCtx } = configsOf(deps);
  const { exclusive, acrossTabs } = serialized();
  // A store shared with other processes claims the ids of each save or discard (all or none),
  // which already keeps two of them on one snapshot apart: they then need not wait for each other
  // (or for stages) in this process's queue.
  const turn = <T>(fn: () => Promise<T>): Promise<T> => (store.claimForSave ? fn() : acrossTabs(fn));

  return {
    async stage(cardKey, result, options) {
      const prepared = prepareScan(prepareCfg, cardKey, result, options);
      if (!('prepared' in prepared)) return prepared;
      await hashed([prepared]);
      return exclusive(async () => {
        const p = plan(planCfg, [prepared], await loadState(planCfg, [cardKey]));
        await writePlan(store, p);
        announce(bus, p);
        return p.results[0]!;
      });
    },

    async stageMany(items: StageItem[]) {
      parseWith(StageItemsInput, items, 'stage input');
      if (items.length === 0) return [];
      return exclusive(async () => {
        const state = await loadState(
          planCfg,
          items.map((i) => i.card_key),
        );
        return stageInChunks({ prepare: prepareCfg, plan: planCfg, store, bus }, items, state);
      });
    },

    async list(given) {
      const filter = parseWith(PendingFilterInput, given, 'pending filter') ?? {};
      const all = await store.listSnapshots();
      return all.filter(
        (m: AuditMeta) =>
          (filter.card_key === undefined || m.card_key === filter.card_key) &&
          (filter.audit_type === undefined || m.audit_type === filter.audit_type),
      );
    },

    async get(id) {
      assertValidId(id, 'audit');
      const s = await store.getSnapshot(id);
      if (!s) {
        throw new NotFoundError(`Audit "${id}" is not pending (it may have been saved or discarded in another tab)`, {
          data: { kind: 'audit', id },
        });
      }
      return s;
    },

    async counts() {
      // Null prototype: a card named `constructor` or `__proto__` counts like any other.
      const out = nullRecord<number>();
      for (const m of await store.listSnapshots()) out[m.card_key] = (own(out, m.card_key) ?? 0) + 1;
      return out;
    },

    async save(ids, options = {}): Promise<SaveResult> {
      const selection = selectionOrThrow(ids, 'save');
      return turn(() => saveSelection(saveCtx, selection, options));
    },

    reconcile: () => reconcilePending(saveCtx, acrossTabs),

    async discard(ids, options?: DiscardOptions): Promise<DiscardResult> {
      const selection = selectionOrThrow(ids, 'discard');
      const o = parseWith(DiscardOptionsInput, options, 'discard options') ?? {};
      const say = { actor: o.actor, reason: o.reason || undefined, correlation: o.correlation_id || undefined };
      return turn(() => discardSelection(saveCtx, selection, say));
    },
  };
}
