import { isScpError, LedgerWriteError, NotFoundError } from '../errors/index.js';
import { assertValidId, newActionId } from '../ids.js';
import { targetOf } from '../ledger/actions.js';
import { DEFAULT_VALUE_LIMITS } from '../limits.js';
import { nullRecord, own } from '../own.js';
import type { ActionEntry } from '../schemas/action.js';
import type { AuditMeta } from '../schemas/audit.js';
import { selectionOrThrow } from '../selection.js';
import { announce, hashed, loadState, plan, writePlan, type Plan, type PlanConfig } from './plan.js';
import { invalid, optionalText, prepareScan, type Prepared, type PrepareConfig } from './prepare.js';
import { claim, claimToDiscard, reconcilePending, saveClaimed, selectMetas, type SaveContext } from './save.js';
import type {
  DiscardOptions,
  DiscardResult,
  SaveResult,
  StageItem,
  StageResult,
  Staging,
  StagingDeps,
} from './types.js';

export { lastSavedKey, type LastSaved } from './last-saved.js';

export const DEFAULT_MAX_SNAPSHOT_BYTES = 1024 * 1024;
/** Scans per store write in `stageMany`: large enough that transaction commits stay rare (100 measured
 * ~60% slower than 500), bounded so a huge batch overlaps CPU work with writes and caps memory. */
export const STAGE_CHUNK = 500;
/** Web Lock held (per origin) while pending audits are saved or discarded. */
export const SAVE_LOCK = 'scp-ledger:staging-save';

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
  const { store, ledger, bus, redactor } = deps;
  const policy = deps.policy ?? 'latest';
  const skipUnchanged = deps.skipUnchanged ?? true;
  const stageErrors = deps.stageErrors ?? false;
  const maxBytes = deps.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  const limits = deps.limits ?? DEFAULT_VALUE_LIMITS;
  const now = deps.now ?? (() => new Date());
  const prepareCfg: PrepareConfig = { redactor, stageErrors, limits, maxBytes, now };
  const planCfg: PlanConfig = { store, ledger, policy, skipUnchanged };
  const saveCtx: SaveContext = { store, ledger, bus, redactor, now, actor: deps.actor };

  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  // Saves and discards also take a Web Lock where there is one, so two tabs saving the same
  // audit cannot both write it: the second finds it no longer pending.
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  function acrossTabs<T>(fn: () => Promise<T>): Promise<T> {
    return exclusive(() => (locks ? (locks.request(SAVE_LOCK, () => fn()) as Promise<T>) : fn()));
  }

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
      if (!Array.isArray(items))
        throw invalid(
          'stage input',
          '(root)',
          'must be an array of { card_key, result, options }',
          'Pass the scans to stage.',
        );
      for (const [i, item] of items.entries()) {
        if (!item || typeof item !== 'object')
          throw invalid('stage input', `[${i}]`, 'must be { card_key, result, options }', 'Pass one object per scan.');
      }
      if (items.length === 0) return [];
      return exclusive(async () => {
        const state = await loadState(
          planCfg,
          items.map((i) => i.card_key),
        );
        const results: StageResult[] = [];
        // Chunks are pipelined: the next chunk is redacted and hashed while the store writes the
        // previous one. A chunk is written only after the one before it succeeded, and its
        // events follow its write, so a failure leaves exactly what sequential stage() calls
        // would have left: everything before the failing scan staged, nothing after.
        let inflight: { done: Promise<void>; plan: Plan } | undefined;
        let failure: { error: unknown } | undefined;
        for (let start = 0; start < items.length && !failure; start += STAGE_CHUNK) {
          const chunk: (Prepared | StageResult)[] = [];
          for (const item of items.slice(start, start + STAGE_CHUNK)) {
            try {
              chunk.push(prepareScan(prepareCfg, item.card_key, item.result, item.options));
            } catch (error) {
              failure = { error };
              break;
            }
          }
          await hashed(chunk);
          const next = plan(planCfg, chunk, state);
          if (inflight) {
            await inflight.done;
            announce(bus, inflight.plan);
          }
          inflight = { done: writePlan(store, next), plan: next };
          inflight.done.catch(() => undefined); // awaited above or below
          results.push(...next.results);
        }
        if (inflight) {
          await inflight.done;
          announce(bus, inflight.plan);
        }
        if (failure) throw failure.error;
        return results;
      });
    },

    async list(filter = {}) {
      if (filter === null || typeof filter !== 'object')
        throw invalid('pending filter', '(root)', 'must be an object', 'Pass { card_key?, audit_type? }.');
      if (filter.card_key !== undefined && typeof filter.card_key !== 'string')
        throw invalid('pending filter', 'card_key', 'must be a string', 'Pass a card key.');
      if (filter.audit_type !== undefined && filter.audit_type !== 'devops' && filter.audit_type !== 'project') {
        throw invalid(
          'pending filter',
          'audit_type',
          'must be "devops" or "project"',
          'Pass one of the two audit types.',
        );
      }
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
      // A store shared with other processes claims the ids of each save (all or none), which
      // already keeps two saves of one snapshot apart: saves then need not wait for each other
      // (or for stages) in this process's queue.
      const turn = store.claimForSave ? <T>(fn: () => Promise<T>) => fn() : acrossTabs;
      return turn(async () => {
        const ids = selection === 'all' ? (await store.listSnapshots()).map((m) => m.snapshot_id) : selection;
        // A store shared with other processes: reserve the ids first (all or none).
        const claimed = store.claimForSave && ids.length > 0;
        if (claimed) await claim(store, ids);
        try {
          return await saveClaimed(saveCtx, ids, options);
        } catch (e) {
          if (claimed) await store.releaseClaim?.(ids).catch(() => undefined);
          throw e;
        }
      });
    },

    reconcile: () => reconcilePending(saveCtx, acrossTabs),

    async discard(ids, options: DiscardOptions = {}): Promise<DiscardResult> {
      const selection = selectionOrThrow(ids, 'discard');
      if (options === null || typeof options !== 'object')
        throw invalid('discard options', '(root)', 'must be an object', 'Pass { actor?, reason?, correlation_id? }.');
      const reason = optionalText(options.reason, 'reason', 2000);
      const correlation = optionalText(options.correlation_id, 'correlation_id', 200);
      // A store shared with other processes claims the ids first (all or none), as a save does: of
      // two instances discarding the same audit one records it, the other is told it is gone.
      const turn = store.claimForSave ? <T>(fn: () => Promise<T>) => fn() : acrossTabs;
      return turn(async () => {
        const metas = await selectMetas(store, selection);
        const discardIds = metas.map((m) => m.snapshot_id);
        const claimed = !!store.claimForSave && discardIds.length > 0;
        if (claimed) await claimToDiscard(store, discardIds);
        try {
          return await discardClaimed(metas, discardIds);
        } catch (e) {
          if (claimed) await store.releaseClaim?.(discardIds).catch(() => undefined);
          throw e;
        }
      });

      async function discardClaimed(metas: AuditMeta[], discardIds: string[]): Promise<DiscardResult> {
        const at = now();
        const actor = options.actor ?? deps.actor?.() ?? 'unknown';
        // The record comes first: if the ledger cannot take it, nothing is discarded. It keeps each
        // snapshot's id, card and hash only, so the discarded data itself is gone.
        const action: ActionEntry = {
          action_id: newActionId('discard', at),
          action: 'discard',
          at: at.toISOString(),
          actor,
          targets: metas.map(targetOf),
          ...(reason && { reason: redactor.redact(reason).value }),
          ...(correlation && { correlation_id: correlation }),
        };
        let written: { commit: string };
        try {
          written = await ledger.write({ actions: [action], actor });
        } catch (e) {
          if (isScpError(e) && e.code === 'disk_full') throw e; // its own code (hosts answer 507); nothing was discarded
          const why = e instanceof Error ? e.message : String(e);
          throw new LedgerWriteError(
            `Recording the discard of ${discardIds.length} audit${discardIds.length === 1 ? '' : 's'} in the ledger failed (${why}). Nothing was discarded: fix the cause and discard again.`,
            { data: { ids: discardIds }, cause: e },
          );
        }
        await store.writeSnapshots({ remove: discardIds });
        for (const s of metas) {
          bus.emit('audit:discarded', {
            snapshot_id: s.snapshot_id,
            card_key: s.card_key,
            actor,
            action_id: action.action_id,
            commit: written.commit,
            ...(action.reason && { reason: action.reason }),
            ...(correlation && { correlation_id: correlation }),
          });
        }
        return { discarded: discardIds, action_id: action.action_id, commit: written.commit };
      }
    },
  };
}
