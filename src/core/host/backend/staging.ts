import { NotFoundError } from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import { nullRecord, own } from '../../own.js';
import { AuditSnapshot } from '../../schemas/audit.js';
import { parseWith } from '../../schemas/parse.js';
import { selectionOrThrow } from '../../selection.js';
import type {
  DiscardOptions,
  DiscardResult,
  SaveOptions,
  SaveResult,
  StageItem,
  StageOptions,
  StageResult,
  Staging,
} from '../../staging/types.js';
import type { Http } from '../http.js';
import { sharedWindow } from '../shared-window.js';
import { correlationHeader, enc, typed } from './call.js';
import { DiscardResponse, PendingList, SaveResponse, StageManyResponse, StageResultSchema } from './responses.js';

/** Stage options as the wire carries them (`computed_at` as ISO text). */
function wireOptions(o: StageOptions = {}): Record<string, unknown> {
  return { ...o, ...(o.computed_at && { computed_at: o.computed_at.toISOString() }) };
}

/** Pending snapshots on the host: `/api/audits/*`. Selections are checked here by the one rule first. */
export function httpStaging(http: Http): Staging {
  // Every badge asks for the pending list after each audit event: one request serves them all.
  const pendingList = sharedWindow(
    async () =>
      (await http.request('GET', '/api/audits/pending', { schema: PendingList, what: 'pending snapshot list' })).body
        .pending,
  );
  const staging: Staging = {
    stage: (cardKey: string, result: unknown, o: StageOptions = {}) =>
      typed(async () => {
        const body = { card_key: cardKey, result, options: wireOptions(o) };
        const what = `stage ${cardKey}`;
        return (await http.request('POST', '/api/audits/stage', { body, schema: StageResultSchema, what }))
          .body as StageResult;
      }),
    stageMany: (items: StageItem[]) =>
      typed(async () => {
        const body = { items: items.map((i) => ({ ...i, options: wireOptions(i.options) })) };
        return (
          await http.request('POST', '/api/audits/stage', { body, schema: StageManyResponse, what: 'stage scans' })
        ).body.results as StageResult[];
      }),
    list: (filter = {}) =>
      typed(async () => {
        const pending = await pendingList();
        return pending.filter(
          (p) =>
            (!filter.card_key || p.card_key === filter.card_key) &&
            (!filter.audit_type || p.audit_type === filter.audit_type),
        );
      }),
    get: (id: string) => typed(() => getPending(http, id)),
    counts: async () => {
      const counts = nullRecord<number>();
      for (const p of await staging.list()) counts[p.card_key] = (own(counts, p.card_key) ?? 0) + 1;
      return counts;
    },
    save: (ids: string[] | 'all', o: SaveOptions = {}) => typed(() => save(http, ids, o)),
    discard: (ids: string[] | 'all', o: DiscardOptions = {}) => typed(() => discard(http, ids, o)),
  };
  return staging;
}

async function getPending(http: Http, id: string) {
  assertValidId(id, 'snapshot');
  const res = await http.request('GET', `/api/audits/pending/${enc(id)}`, {
    accept: [404],
    what: `pending snapshot ${id}`,
  });
  if (res.status === 404)
    throw new NotFoundError(`Audit "${id}" is not pending (it may have been saved or discarded elsewhere)`, {
      data: { kind: 'audit', id },
    });
  return parseWith(AuditSnapshot, res.body, `response of pending snapshot ${id}`);
}

async function save(http: Http, ids: string[] | 'all', o: SaveOptions): Promise<SaveResult> {
  const snapshot_ids = selectionOrThrow(ids, 'save');
  const body = (
    await http.request('POST', '/api/audits/save', {
      body: { snapshot_ids, ...(o.message && { message: o.message }) },
      schema: SaveResponse,
      what: 'save snapshots',
      ...correlationHeader(o.correlation_id),
    })
  ).body;
  return { saved: body.saved, commit: body.commit ?? '' };
}

async function discard(http: Http, ids: string[] | 'all', o: DiscardOptions): Promise<DiscardResult> {
  const snapshot_ids = selectionOrThrow(ids, 'discard');
  // The actor is the host's to say (its auth hook); the reason travels with the request.
  const body = (
    await http.request('POST', '/api/audits/discard', {
      body: { snapshot_ids, ...(o.reason && { reason: o.reason }) },
      schema: DiscardResponse,
      what: 'discard snapshots',
      ...correlationHeader(o.correlation_id),
    })
  ).body;
  // The origin answers a count only; then the ids asked for are what was discarded.
  const discarded = Array.isArray(body.discarded)
    ? body.discarded
    : (body.ids ?? (snapshot_ids === 'all' ? [] : snapshot_ids.slice(0, body.discarded)));
  return {
    discarded,
    ...(typeof body.action_id === 'string' && { action_id: body.action_id }),
    ...(typeof body.commit === 'string' && { commit: body.commit }),
  };
}
