import type * as z from 'zod/mini';
import { idProblem } from '../../ids.js';
import { LedgerQueryParams } from '../../schemas/host-requests.js';
import { LedgerQuery } from '../../schemas/ledger.js';
import { parseWith } from '../../schemas/parse.js';
import { checkSelection, type Selection } from '../../selection.js';
import { RequestError } from './request-body.js';

// Every request input is checked here before a route acts: bodies and queries by their schemas
// (src/core/schemas/host-requests.ts) through parseWith, so a failure is a ValidationError the
// handler answers as a 400 naming the first bad field; ids in the path and selections by the
// shared id and selection rules.

/** Most ids one save or discard may list. */
const MAX_SELECTION = 10_000;

/**
 * A 400 naming the field that is wrong. Its `data` is what the typed error of `code` carries
 * (a validation's one issue by default), so a client rebuilds that error from the answer.
 */
export function bad(
  field: string,
  message: string,
  code = 'validation',
  detail: object = { what: 'request', issues: [{ path: field, message }] },
): RequestError {
  return new RequestError(400, code, `${field}: ${message}`, field, { detail });
}

/** A request body checked by its schema; `prefix` names where it sits (`items.3`). */
export function parseBody<S extends z.ZodMiniType>(schema: S, value: unknown, prefix = ''): z.infer<S> {
  return parseWith(schema, value, 'request body', { root: 'body', ...(prefix && { prefix }) });
}

/** The query's parameters (the first value of each; empty ones count as absent) checked by a schema. */
export function parseQuery<S extends z.ZodMiniType>(schema: S, q: URLSearchParams): z.infer<S> {
  const raw: Record<string, string> = Object.create(null);
  for (const [k, v] of q) if (v !== '' && !(k in raw)) raw[k] = v;
  return parseWith(schema, raw, 'query', { root: 'query' });
}

/** An id from the path, decoded and checked by the id rule (`invalid_id` naming `id`). */
export function pathId(raw: string, what: string): string {
  let id: string;
  try {
    id = decodeURIComponent(raw);
  } catch {
    throw bad('id', 'not a valid URL-encoded id', 'invalid_id', { id: raw, reason: 'not URL-encoded' });
  }
  const problem = idProblem(id);
  if (problem) throw bad('id', `${what} id ${problem}`, 'invalid_id', { id, reason: problem });
  return id;
}

/**
 * The `snapshot_ids` of a save or discard body, by the one selection rule: listed ids or the
 * explicit `"all"`, never everything by default. A refusal names `snapshot_ids` (or the bad id's
 * position in it) with the rule's code.
 */
export function selectionIn(body: unknown, action: string): Selection {
  if (body === undefined)
    throw bad(
      'snapshot_ids',
      `required: send {"snapshot_ids": [ids]} or {"snapshot_ids": "all"} (nothing is ${action}d implicitly)`,
    );
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw bad('body', 'expected a JSON object');
  const r = checkSelection((body as { snapshot_ids?: unknown }).snapshot_ids, action, MAX_SELECTION);
  if ('selection' in r) return r.selection;
  const { code, path, message } = r.problem;
  const field = path ? `snapshot_ids.${path}` : 'snapshot_ids';
  const ids = (body as { snapshot_ids?: unknown }).snapshot_ids;
  const detail =
    code === 'empty_selection'
      ? { action }
      : code === 'invalid_id'
        ? { id: String((ids as unknown[])[Number(path)]), reason: message }
        : { what: `${action} selection`, issues: [{ path: field, message }] };
  throw bad(field, message, code, detail);
}

/**
 * `GET /api/ledger/entries`' query as a LedgerQuery, checked by the schema the ledger checks, so
 * HTTP callers get the ValidationError a local caller gets. Empty values are kept (the ledger
 * says what is wrong with them); an empty `limit` is not a number.
 */
export function ledgerQuery(q: URLSearchParams): LedgerQuery {
  const raw: Record<string, string> = Object.create(null);
  for (const key of Object.keys(LedgerQuery.shape)) {
    const v = q.get(key);
    if (v !== null) raw[key] = v;
  }
  const { limit, ...rest } = parseWith(LedgerQueryParams, raw, 'query', { root: 'query' });
  const query = { ...rest, ...(limit !== undefined && { limit: limit.trim() === '' ? Number.NaN : Number(limit) }) };
  return parseWith(LedgerQuery, query, 'ledger query', { root: 'query' });
}
