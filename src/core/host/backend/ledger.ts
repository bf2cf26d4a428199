import { assertValidId } from '../../ids.js';
import { checkDeleteReason } from '../../ledger/actions.js';
import type { DeleteOptions, Ledger, LedgerBatch, WriteResult } from '../../ledger/types.js';
import { SavedAudit } from '../../schemas/audit.js';
import type { LedgerPage, LedgerQuery } from '../../schemas/ledger.js';
import { parseWith } from '../../schemas/parse.js';
import { RunRecord } from '../../schemas/run.js';
import type { Http } from '../http.js';
import { type CachedGet, correlationHeader, enc, typed } from './call.js';
import { ActionResponse, DeleteResponse, EntriesResponse, HeadResponse, WriteResponse } from './responses.js';

/** The host's ledger: saved audits, runs, actions, entries (ETag-reused pages), head and direct writes. */
export function httpLedger(http: Http, cachedGet: CachedGet): Ledger {
  /** A GET of one entry by id; a 404 is `undefined`. */
  const byId = <T>(what: string, path: string, read: (body: unknown) => T) =>
    typed(async () => {
      const res = await http.request('GET', path, { accept: [404], what });
      return res.status === 404 ? undefined : read(res.body);
    });
  return {
    write: (batch: LedgerBatch) =>
      typed(
        async () =>
          (
            await http.request('POST', '/api/ledger/write', {
              body: batch,
              schema: WriteResponse,
              what: 'ledger write',
            })
          ).body as WriteResult,
      ),
    getAudit: async (id: string) => {
      assertValidId(id, 'audit');
      return byId(`saved audit ${id}`, `/api/audits/saved/${enc(id)}`, (b) =>
        parseWith(SavedAudit, b, `response of saved audit ${id}`),
      );
    },
    getRun: async (id: string) => {
      assertValidId(id, 'run');
      return byId(`run ${id}`, `/api/runs/${enc(id)}`, (b) => parseWith(RunRecord, b, `response of run ${id}`));
    },
    list: (query: LedgerQuery = {}) =>
      typed(async () => {
        const q: Record<string, string | number | undefined> = {};
        for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = v as string | number;
        const body = await cachedGet('/api/ledger/entries', q, EntriesResponse, 'ledger history');
        return { entries: body.entries, ...(body.cursor ? { cursor: body.cursor } : {}) } satisfies LedgerPage;
      }),
    deleteAudit: (id: string, o: DeleteOptions = {}) => typed(() => deleteAudit(http, id, o)),
    getAction: async (id: string) => {
      assertValidId(id, 'action');
      return byId(`action ${id}`, `/api/ledger/actions/${enc(id)}`, (b) =>
        parseWith(ActionResponse, b, `response of action ${id}`),
      );
    },
    head: () =>
      typed(
        async () =>
          (await http.request('GET', '/api/ledger/head', { schema: HeadResponse, what: 'ledger head' })).body.head ??
          undefined,
      ),
  };
}

async function deleteAudit(http: Http, id: string, o: DeleteOptions): Promise<WriteResult> {
  assertValidId(id, 'audit');
  checkDeleteReason(id, o);
  const res = await http.request('DELETE', `/api/audits/saved/${enc(id)}`, {
    query: { reason: o.reason },
    schema: DeleteResponse,
    what: `delete audit ${id}`,
    ...correlationHeader(o.correlation_id),
  });
  return {
    commit: res.body.commit ?? '',
    ids: [res.body.deleted],
    ...(typeof res.body.action_id === 'string' && { action_id: res.body.action_id }),
  };
}
