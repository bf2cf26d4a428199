// The origin's audit endpoints: pending snapshots (list, get, stage, save, discard) and saved audits.
import { ScpError } from '../../../errors/index.js';
import {
  DeleteQuery,
  DiscardBody,
  PendingQuery,
  SaveBody,
  SavedQuery,
  StageBody,
  StageManyBody,
} from '../../../schemas/host-requests.js';
import type { EntryMeta } from '../../../schemas/ledger.js';
import type { StageItem } from '../../../staging/types.js';
import { bad, parseBody, parseQuery, pathId, selectionIn } from '../request-validation.js';
import type { Route, RouteContext } from './route.js';

/** A checked stage body as the staging API takes it (`computed_at` as a Date). */
function stageItem(b: StageBody): StageItem {
  const o = b.options ?? {};
  return {
    card_key: b.card_key,
    result: b.result,
    options: {
      ...(o.status !== undefined && { status: o.status }),
      ...(o.duration_s !== undefined && { duration_s: o.duration_s }),
      ...(o.summary !== undefined && { summary: o.summary }),
      ...(o.computed_at !== undefined && { computed_at: new Date(o.computed_at) }),
    },
  };
}

/** The origin's saved-list metadata for a ledger entry. */
function savedMeta(e: EntryMeta): Record<string, unknown> {
  return {
    snapshot_id: e.id,
    card_key: e.card_key,
    audit_type: e.audit_type,
    status: e.status,
    summary: e.summary,
    iso: e.time,
    ...(e.actor !== undefined && { saved_by: e.actor }),
    ...(e.commit !== undefined && { commit: e.commit }),
  };
}

async function listPending(c: RouteContext): Promise<void> {
  const { card_key, audit_type } = parseQuery(PendingQuery, c.query);
  const pending = await c.scp.staging.list({ ...(card_key && { card_key }), ...(audit_type && { audit_type }) });
  c.send(200, { pending });
}

async function getPending(c: RouteContext): Promise<void> {
  const id = pathId(c.params[0]!, 'snapshot');
  try {
    c.send(200, await c.scp.staging.get(id));
  } catch (e) {
    if (e instanceof ScpError && e.code === 'not_found') c.send(404, { error: 'not_found', message: e.message, id });
    else throw e;
  }
}

async function stage(c: RouteContext): Promise<void> {
  const b = await c.body();
  if (b && typeof b === 'object' && 'items' in b) {
    const { items } = parseBody(StageManyBody, b);
    c.send(200, { results: await c.scp.staging.stageMany(items.map(stageItem)) });
  } else {
    const a = stageItem(parseBody(StageBody, b));
    c.send(200, await c.scp.staging.stage(a.card_key, a.result, a.options));
  }
}

async function save(c: RouteContext): Promise<void> {
  const raw = await c.body();
  const ids = selectionIn(raw, 'save');
  const message = parseBody(SaveBody, raw).message?.slice(0, 500);
  const r = await c.scp.staging.save(ids, {
    ...(c.who.actor && { actor: c.who.actor }),
    ...(message && { message }),
    ...(c.correlation && { correlation_id: c.correlation }),
  });
  c.send(200, { saved: r.saved, count: r.saved.length, commit: r.commit });
}

async function discard(c: RouteContext): Promise<void> {
  const raw = await c.body();
  const ids = selectionIn(raw, 'discard');
  const { reason } = parseBody(DiscardBody, raw);
  const r = await c.scp.staging.discard(ids, {
    ...(c.who.actor && { actor: c.who.actor }),
    ...(reason?.trim() && { reason }),
    ...(c.correlation && { correlation_id: c.correlation }),
  });
  c.send(200, {
    discarded: r.discarded.length,
    ids: r.discarded,
    ...(r.action_id && { action_id: r.action_id }),
    ...(r.commit && { commit: r.commit }),
  });
}

async function listSaved(c: RouteContext): Promise<void> {
  const { card_key, cursor, limit } = parseQuery(SavedQuery, c.query);
  const page = await c.scp.ledger.list({
    kind: 'audit',
    limit,
    ...(card_key && { card: card_key }),
    ...(cursor && { cursor }),
  });
  c.send(200, { saved: page.entries.map(savedMeta), ...(page.cursor && { cursor: page.cursor }) });
}

async function getSaved(c: RouteContext): Promise<void> {
  const id = pathId(c.params[0]!, 'audit');
  const a = await c.scp.ledger.getAudit(id);
  if (a) c.send(200, a);
  else c.send(404, { error: 'not_found', message: `No saved audit "${id}"`, id });
}

async function deleteSaved(c: RouteContext): Promise<void> {
  const id = pathId(c.params[0]!, 'audit');
  const { reason } = parseQuery(DeleteQuery, c.query);
  if (!reason?.trim())
    throw bad(
      'reason',
      'required: say why the audit is removed (?reason=...); it is kept in the ledger with who deleted it',
    );
  // The core's ledger announces audit:deleted (with who and why) on its bus, and so on the stream.
  const r = await c.scp.ledger.deleteAudit(id, {
    ...(c.who.actor && { actor: c.who.actor }),
    reason,
    ...(c.correlation && { correlation_id: c.correlation }),
  });
  c.send(200, { deleted: id, commit: r.commit, ...(r.action_id && { action_id: r.action_id }) });
}

export const auditRoutes: readonly Route[] = [
  { method: 'GET', path: '/audits/pending', handle: listPending },
  { method: 'GET', path: '/audits/pending/:id', handle: getPending },
  { method: 'POST', path: '/audits/stage', handle: stage },
  { method: 'POST', path: '/audits/save', handle: save },
  { method: 'POST', path: '/audits/discard', handle: discard },
  { method: 'GET', path: '/audits/saved', handle: listSaved },
  { method: 'GET', path: '/audits/saved/:id', handle: getSaved },
  { method: 'DELETE', path: '/audits/saved/:id', handle: deleteSaved },
];
