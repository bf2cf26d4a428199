/** Building the action entry a delete records (every adapter's `deleteAudit` uses it). */
import { ValidationError } from '../errors/index.js';
import { newActionId } from '../ids.js';
import type { ActionEntry, ActionTarget } from '../schemas/action.js';
import type { DeleteOptions } from './types.js';

/** Throws ValidationError unless the delete says why (before anything is looked up or written). */
export function checkDeleteReason(id: string, options: DeleteOptions | undefined): string {
  const reason = options?.reason;
  if (typeof reason !== 'string' || !reason.trim()) {
    throw new ValidationError(
      `Deleting audit "${id}" needs a reason: pass { reason: 'why it is removed' } (it is kept in the ledger with who deleted it)`,
      {
        data: { what: 'delete', issues: [{ path: 'reason', message: 'required' }] },
      },
    );
  }
  return reason.trim().slice(0, 2000);
}

/** The `delete` action entry for one saved audit (the target keeps its id, card and hash, no data). */
export function deleteActionOf(target: ActionTarget, options: DeleteOptions, at: Date = new Date()): ActionEntry {
  return {
    action_id: newActionId('delete', at),
    action: 'delete',
    at: at.toISOString(),
    actor: options.actor?.trim() || 'unknown',
    targets: [target],
    reason: checkDeleteReason(target.id, options),
    ...(options.correlation_id && { correlation_id: options.correlation_id }),
  };
}

/** The target of an action, from an audit (or its metadata): only id, card and content hash. */
export function targetOf(audit: { snapshot_id: string; card_key?: unknown; content_hash?: unknown }): ActionTarget {
  return {
    id: audit.snapshot_id,
    ...(typeof audit.card_key === 'string' && { card_key: audit.card_key }),
    ...(typeof audit.content_hash === 'string' && audit.content_hash && { content_hash: audit.content_hash }),
  };
}
