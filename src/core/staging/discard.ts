// A discard recorded in the ledger: the action entry first (if the ledger cannot take it, nothing
// is discarded), then pending is cleared and each discard announced.
import { isScpError, LedgerWriteError } from '../errors/index.js';
import { newActionId } from '../ids.js';
import { targetOf } from '../ledger/actions.js';
import type { ActionEntry } from '../schemas/action.js';
import type { AuditMeta } from '../schemas/audit.js';
import { claimToDiscard, selectMetas, type SaveContext, withClaim } from './save.js';
import type { DiscardResult } from './types.js';

/** A discard's checked options: the reason still unredacted. */
export interface DiscardSay {
  actor?: string | undefined;
  reason?: string | undefined;
  correlation?: string | undefined;
}

/** Discards `metas` (already claimed or serialized by the caller). */
export async function discardClaimed(ctx: SaveContext, metas: AuditMeta[], say: DiscardSay): Promise<DiscardResult> {
  const { store, ledger, bus, redactor } = ctx;
  const discardIds = metas.map((m) => m.snapshot_id);
  const at = ctx.now();
  const actor = say.actor ?? ctx.actor?.() ?? 'unknown';
  // It keeps each snapshot's id, card and hash only, so the discarded data itself is gone.
  const action: ActionEntry = {
    action_id: newActionId('discard', at),
    action: 'discard',
    at: at.toISOString(),
    actor,
    targets: metas.map(targetOf),
    ...(say.reason && { reason: redactor.redact(say.reason).value }),
    ...(say.correlation && { correlation_id: say.correlation }),
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
      ...(say.correlation && { correlation_id: say.correlation }),
    });
  }
  return { discarded: discardIds, action_id: action.action_id, commit: written.commit };
}

/**
 * Discards the selection. A store shared with other processes claims the ids first (all or none),
 * as a save does: of two instances discarding the same audit one records it, the other is told it
 * is gone.
 */
export async function discardSelection(
  ctx: SaveContext,
  selection: string[] | 'all',
  say: DiscardSay,
): Promise<DiscardResult> {
  const metas = await selectMetas(ctx.store, selection);
  const ids = metas.map((m) => m.snapshot_id);
  return withClaim(ctx.store, ids, claimToDiscard, () => discardClaimed(ctx, metas, say));
}
