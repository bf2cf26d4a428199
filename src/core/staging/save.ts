// Saving pending audits into the ledger: the selection, the claim a shared store needs, the
// ledger write (reconciled with what already landed), leaving pending only after it, and the
// start-up sweep of audits that landed while still pending.
import {
  AlreadySavedError,
  ConflictError,
  EmptySelectionError,
  isScpError,
  LedgerWriteError,
  NotFoundError,
} from '../errors/index.js';
import type { EventBus } from '../events/bus.js';
import { contentHash } from '../hash/index.js';
import type { Ledger } from '../ledger/types.js';
import type { Redactor } from '../redact/types.js';
import type { AuditMeta, AuditSnapshot, SavedAudit } from '../schemas/audit.js';
import type { StagingStore } from '../storage/types.js';
import { lastSavedKey, type LastSaved } from './last-saved.js';
import { optionalText } from './prepare.js';
import type { SaveOptions, SaveResult } from './types.js';

export type Action = 'save' | 'discard';

/** Pending ids looked up in the ledger at once by the start-up sweep. */
const RECONCILE_BATCH = 25;

/** What a save depends on (the staging instance's backends and clock). */
export interface SaveContext {
  store: StagingStore;
  ledger: Ledger;
  bus: EventBus;
  redactor: Redactor;
  now: () => Date;
  actor?: (() => string | undefined) | undefined;
}

export function notPending(missing: string[], action: Action): NotFoundError {
  const list = missing.map((id) => `"${id}"`).join(', ');
  return new NotFoundError(
    `${missing.length === 1 ? `Audit ${list} is` : `Audits ${list} are`} not pending (it may have been saved or discarded in another tab). Nothing was ${action === 'save' ? 'saved' : 'discarded'}.`,
    { data: { kind: 'audit', id: missing.join(',') } },
  );
}

/** Load every selected pending snapshot; unknown ids fail the whole call before anything happens. */
async function loadSelection(store: StagingStore, selection: string[] | 'all'): Promise<AuditSnapshot[]> {
  const ids = selection === 'all' ? (await store.listSnapshots()).map((m) => m.snapshot_id) : selection;
  if (ids.length === 0)
    throw new EmptySelectionError('Nothing to save: no audit is pending.', { data: { action: 'save' } });
  const found = await Promise.all(ids.map((id) => store.getSnapshot(id)));
  const missing = ids.filter((_, i) => !found[i]);
  if (missing.length) throw notPending(missing, 'save');
  return found as AuditSnapshot[];
}

/** Metadata is enough to discard: the data blobs are never loaded. */
export async function selectMetas(store: StagingStore, selection: string[] | 'all'): Promise<AuditMeta[]> {
  const all = await store.listSnapshots();
  if (selection === 'all') {
    if (all.length === 0)
      throw new EmptySelectionError('Nothing to discard: no audit is pending.', { data: { action: 'discard' } });
    return all;
  }
  const byId = new Map(all.map((m) => [m.snapshot_id, m]));
  const missing = selection.filter((id) => !byId.has(id));
  if (missing.length) throw notPending(missing, 'discard');
  return selection.map((id) => byId.get(id)!);
}

/** Redact again on the way out (idempotent): a store another process wrote is not trusted blindly. */
async function toSaved(
  redactor: Redactor,
  s: AuditSnapshot,
  savedAt: string,
  savedBy: string,
  correlation?: string,
): Promise<SavedAudit> {
  const { value: data, fired } = redactor.redact(s.data);
  const summary = redactor.redact(s.summary);
  const again = [...fired, ...summary.fired];
  const saved: SavedAudit = {
    ...s,
    summary: summary.value,
    data,
    saved_at: savedAt,
    saved_by: savedBy,
    ...(correlation && { correlation_id: correlation }),
  };
  if (again.length) {
    saved.content_hash = await contentHash(data);
    saved.redacted = [...new Set([...(s.redacted ?? []), ...again])].sort();
  }
  return saved;
}

async function rememberSaved(store: StagingStore, audits: SavedAudit[]): Promise<void> {
  const newest = new Map<string, SavedAudit>();
  for (const a of audits) {
    const cur = newest.get(a.card_key);
    if (!cur || a.computed_at >= cur.computed_at) newest.set(a.card_key, a);
  }
  for (const [card, a] of newest) {
    if (!a.content_hash) continue;
    const prev = await store.getMeta<LastSaved>(lastSavedKey(card));
    if (prev && prev.computed_at > a.computed_at) continue;
    await store.setMeta(lastSavedKey(card), {
      content_hash: a.content_hash,
      computed_at: a.computed_at,
      snapshot_id: a.snapshot_id,
    } satisfies LastSaved);
  }
}

export async function claim(store: StagingStore, ids: string[]): Promise<void> {
  const r = await store.claimForSave!(ids);
  if (r.ok) return;
  if (r.saved.length || r.busy.length) {
    const taken = [...r.saved.map((x) => x.id), ...r.busy];
    const list = taken.map((id) => `"${id}"`).join(', ');
    throw new AlreadySavedError(
      `${taken.length === 1 ? `Audit ${list} is` : `Audits ${list} are`} already saved${r.busy.length ? ' or being saved' : ''} by another host instance. Nothing was saved twice; refresh the pending list.`,
      { data: { ids: taken, commits: Object.fromEntries(r.saved.map((x) => [x.id, x.commit])) } },
    );
  }
  throw notPending(r.missing, 'save');
}

/** Reserve `ids` for a discard in a shared store; the ids another instance got first are named in the error. */
export async function claimToDiscard(store: StagingStore, ids: string[]): Promise<void> {
  const r = await store.claimForSave!(ids);
  if (r.ok) return;
  const nothing = 'Nothing was discarded; refresh the pending list.';
  if (r.missing.length) throw notPending(r.missing, 'discard');
  if (r.saved.length) {
    const saved = r.saved.map((x) => x.id);
    throw new AlreadySavedError(
      `${saved.length === 1 ? `Audit "${saved[0]}" is` : `Audits ${saved.map((id) => `"${id}"`).join(', ')} are`} already saved by another host instance, so no longer pending. ${nothing}`,
      {
        data: { ids: saved, commits: Object.fromEntries(r.saved.map((x) => [x.id, x.commit])) },
      },
    );
  }
  throw new ConflictError(
    `${r.busy.length === 1 ? `Audit "${r.busy[0]}" is` : `Audits ${r.busy.map((id) => `"${id}"`).join(', ')} are`} being saved or discarded by another host instance right now. ${nothing}`,
    {
      data: { reason: 'busy', ids: r.busy },
    },
  );
}

/**
 * One ledger write for `audits`. An audit the ledger already holds while it is still pending
 * (the process stopped between the commit and the removal from pending) is saved: it is left
 * out of the write and counted as saved, so saving it again succeeds instead of failing forever.
 */
async function writeReconciled(
  ledger: Ledger,
  audits: SavedAudit[],
  actor: string,
  message?: string,
): Promise<{ commit: string }> {
  let rest = audits;
  for (;;) {
    try {
      return await ledger.write({ audits: rest, actor, ...(message !== undefined && { message }) });
    } catch (e) {
      const taken =
        isScpError(e) && e.code === 'conflict' && (e.data as { reason?: string }).reason === 'exists'
          ? (e.data as { ids?: unknown }).ids
          : undefined;
      if (!Array.isArray(taken) || taken.length === 0) throw e;
      const inLedger = new Set<string>();
      for (const id of taken) if (typeof id === 'string' && (await ledger.getAudit(id))) inLedger.add(id);
      if (inLedger.size !== taken.length) throw e;
      rest = rest.filter((a) => !inLedger.has(a.snapshot_id));
      if (rest.length === 0) return { commit: (await ledger.head()) ?? '' };
    }
  }
}

/**
 * The start-up sweep: pending audits the ledger already holds leave pending, counted as saved.
 * The ledger is asked only when something is pending, a batch of ids at a time, outside the save
 * lock; the removal takes the lock and keeps to ids still pending then.
 */
export async function reconcilePending(
  ctx: SaveContext,
  acrossTabs: <T>(fn: () => Promise<T>) => Promise<T>,
): Promise<string[]> {
  const { store, ledger, bus } = ctx;
  const pending = await store.listSnapshots();
  if (pending.length === 0) return [];
  const found: SavedAudit[] = [];
  for (let i = 0; i < pending.length; i += RECONCILE_BATCH) {
    const got = await Promise.all(pending.slice(i, i + RECONCILE_BATCH).map((m) => ledger.getAudit(m.snapshot_id)));
    for (const a of got) if (a) found.push(a);
  }
  if (found.length === 0) return [];
  return acrossTabs(async () => {
    const still = new Set((await store.listSnapshots()).map((m) => m.snapshot_id));
    const saved = found.filter((a) => still.has(a.snapshot_id));
    if (saved.length === 0) return [];
    const ids = saved.map((a) => a.snapshot_id);
    // The head holds them; the commit that first did is not worth a history walk here.
    if (store.markSaved) await store.markSaved(ids, (await ledger.head()) ?? '');
    else await store.writeSnapshots({ remove: ids });
    await rememberSaved(store, saved);
    for (const a of saved) {
      bus.emit('audit:saved', {
        snapshot_id: a.snapshot_id,
        card_key: a.card_key,
        status: a.status,
        summary: a.summary,
        iso: a.iso,
        ...(a.saved_by && { actor: a.saved_by }),
        ...(typeof a.correlation_id === 'string' && { correlation_id: a.correlation_id }),
      });
    }
    return ids;
  });
}

/** The save itself, once this process may write the ids. */
export async function saveClaimed(ctx: SaveContext, ids: string[], options: SaveOptions): Promise<SaveResult> {
  const { store, ledger, bus, redactor, now } = ctx;
  const snapshots = await loadSelection(store, ids);
  const savedAt = now().toISOString();
  const savedBy = options.actor ?? ctx.actor?.() ?? 'unknown';
  const correlation = optionalText(options.correlation_id, 'correlation_id', 200);
  const audits = await Promise.all(snapshots.map((s) => toSaved(redactor, s, savedAt, savedBy, correlation)));
  const saveIds = audits.map((a) => a.snapshot_id);
  let written: { commit: string };
  try {
    written = await writeReconciled(ledger, audits, savedBy, options.message);
  } catch (e) {
    // A full disk keeps its own code (hosts answer it 507); its message says nothing was saved.
    if (isScpError(e) && e.code === 'disk_full') throw e;
    const reason = e instanceof Error ? e.message : String(e);
    throw new LedgerWriteError(
      `Saving ${saveIds.length} audit${saveIds.length === 1 ? '' : 's'} to the ledger failed (${reason}). ${saveIds.length === 1 ? 'It is' : 'All of them are'} still pending: fix the cause and save again.`,
      { data: { ids: saveIds }, cause: e },
    );
  }
  // The ledger holds them now: only from here on do they leave pending.
  let cleanup: unknown;
  try {
    if (store.markSaved) await store.markSaved(saveIds, written.commit);
    else await store.writeSnapshots({ remove: saveIds });
    await rememberSaved(store, audits);
  } catch (e) {
    cleanup = e;
  }
  for (const a of audits) {
    bus.emit('audit:saved', {
      snapshot_id: a.snapshot_id,
      card_key: a.card_key,
      status: a.status,
      summary: a.summary,
      iso: a.iso,
      commit: written.commit,
      actor: savedBy,
      ...(correlation && { correlation_id: correlation }),
    });
  }
  // Saved, but still listed as pending: report the storage failure (the events above are true).
  if (cleanup) throw cleanup;
  return { saved: saveIds, commit: written.commit };
}

/**
 * Runs `work` on `ids` holding their claim where the store is shared with other processes (`take`
 * reserves them, all or none); a failure gives the claim back.
 */
export async function withClaim<T>(
  store: StagingStore,
  ids: string[],
  take: (store: StagingStore, ids: string[]) => Promise<void>,
  work: () => Promise<T>,
): Promise<T> {
  const claimed = !!store.claimForSave && ids.length > 0;
  if (claimed) await take(store, ids);
  try {
    return await work();
  } catch (e) {
    if (claimed) await store.releaseClaim?.(ids).catch(() => undefined);
    throw e;
  }
}

/** Saves the selection: a store shared with other processes reserves the ids first (all or none). */
export async function saveSelection(
  ctx: SaveContext,
  selection: string[] | 'all',
  options: SaveOptions,
): Promise<SaveResult> {
  const ids = selection === 'all' ? (await ctx.store.listSnapshots()).map((m) => m.snapshot_id) : selection;
  return withClaim(ctx.store, ids, claim, () => saveClaimed(ctx, ids, options));
}
