import { ValidationError } from '../errors/index.js';
import type { ActionEntry } from '../schemas/action.js';
import type { SavedAudit } from '../schemas/audit.js';
import { LedgerQuery, type EntryMeta, type LedgerPage } from '../schemas/ledger.js';
import { parseWith } from '../schemas/parse.js';
import type { RunRecord } from '../schemas/run.js';

/**
 * Pieces every Ledger adapter (and any read index) shares so they all list, filter and paginate
 * the same way: entry metadata extraction, query checking, matching, ordering and cursors.
 */

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 500;

/** A position in the newest-first order: time (epoch ms) then id. */
export interface SortKey {
  t: number;
  id: string;
}

/** Epoch ms of an ISO time; unparseable times sort as the epoch (oldest). */
export function timeMs(iso: string): number {
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? 0 : ms;
}

export function sortKeyOf(meta: Pick<EntryMeta, 'time' | 'id'>): SortKey {
  return { t: timeMs(meta.time), id: meta.id };
}

/**
 * Newest-first order: later `time` first; equal times (to the millisecond) by id, descending,
 * so the order is total and the same in every adapter. Negative when `a` comes first.
 */
export function compareKeys(a: SortKey, b: SortKey): number {
  if (a.t !== b.t) return b.t - a.t;
  return a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
}

export function compareMeta(a: Pick<EntryMeta, 'time' | 'id'>, b: Pick<EntryMeta, 'time' | 'id'>): number {
  return compareKeys(sortKeyOf(a), sortKeyOf(b));
}

/** Sorts in place, newest first (see `compareKeys`), and returns the array. */
export function sortNewestFirst<T extends Pick<EntryMeta, 'time' | 'id'>>(entries: T[]): T[] {
  const keyed = entries.map((e) => ({ e, k: sortKeyOf(e) }));
  keyed.sort((a, b) => compareKeys(a.k, b.k));
  for (let i = 0; i < keyed.length; i++) entries[i] = keyed[i]!.e;
  return entries;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Copies only the defined optional fields (EntryMeta has no `undefined` values). */
function compact(meta: Record<string, unknown>): EntryMeta {
  for (const k of Object.keys(meta)) if (meta[k] === undefined) delete meta[k];
  return meta as EntryMeta;
}

/** The list/filter view of a saved audit: `time` is its `iso`, `actor` who saved it. */
export function auditMetaOf(audit: SavedAudit, commit?: string): EntryMeta {
  return compact({
    kind: 'audit',
    id: audit.snapshot_id,
    time: audit.iso,
    status: audit.status,
    summary: audit.summary,
    actor: str(audit.saved_by),
    card_key: audit.card_key,
    audit_type: audit.audit_type,
    content_hash: str(audit.content_hash),
    correlation_id: str(audit['correlation_id']),
    commit,
  });
}

/** The list/filter view of a discard or delete: `time` is `at`, `target` the audit ids. */
export function actionMetaOf(action: ActionEntry, commit?: string): EntryMeta {
  const targets = Array.isArray(action.targets) ? action.targets : [];
  const cards = [...new Set(targets.map((t) => t.card_key).filter((c): c is string => typeof c === 'string'))];
  const ids = targets.map((t) => t.id);
  const done = action.action === 'delete' ? 'deleted' : 'discarded';
  const what = action.action === 'delete' ? 'saved audit' : 'pending audit';
  return compact({
    kind: 'action',
    id: action.action_id,
    time: action.at,
    status: done,
    summary: `${done[0]!.toUpperCase()}${done.slice(1)} ${ids.length === 1 ? `${what} ${ids[0]}` : `${ids.length} ${what}s`}${cards.length ? ` (${cards.join(', ')})` : ''}`,
    actor: str(action.actor),
    card_key: cards.length === 1 ? cards[0] : undefined,
    type: `audit:${done}`,
    target: ids.join(', '),
    reason: str(action.reason),
    correlation_id: str(action.correlation_id),
    commit,
  });
}

/** The list/filter view of a run: `time` is `started_at`, `actor` its `user`. */
export function runMetaOf(record: RunRecord, commit?: string): EntryMeta {
  const run = record.run;
  return compact({
    kind: 'run',
    id: run.run_id,
    time: run.started_at,
    status: run.status,
    summary: run.summary,
    actor: run.user,
    // A host may tag a run with the card it acted on; the origin's runs do not carry one.
    card_key: str(run['card_key']),
    type: run.type,
    subtype: run.subtype,
    target: str(run.target),
    reason: str(run.reason),
    duration_ms: typeof run.duration_ms === 'number' || run.duration_ms === null ? run.duration_ms : undefined,
    artifacts: artifactKeysOf(run['artifacts'] ?? run.metadata?.['artifacts']),
    repos: reposOf(run['artifacts'] ?? run.metadata?.['artifacts'], run['repos']),
    event_types: eventTypesOf(record.events),
    correlation_id: str(run.correlation_id),
    commit,
  });
}

/** The repositories a run names: its `repos` list and its artifacts' `repo`, each once. */
export function reposOf(artifacts: unknown, repos: unknown): string[] | undefined {
  const out = new Set<string>();
  if (Array.isArray(repos)) for (const r of repos) if (typeof r === 'string' && r) out.add(r);
  if (Array.isArray(artifacts)) {
    for (const a of artifacts) {
      const r = (a as { repo?: unknown } | null)?.repo;
      if (typeof r === 'string' && r) out.add(r);
    }
  }
  return out.size ? [...out] : undefined;
}

/** The distinct types of a run's events, in first-seen order. */
export function eventTypesOf(events: unknown): string[] | undefined {
  if (!Array.isArray(events)) return undefined;
  const out = new Set<string>();
  for (const e of events) {
    const t = (e as { type?: unknown } | null)?.type;
    if (typeof t === 'string') out.add(t);
  }
  return out.size ? [...out] : undefined;
}

/** `<ref_type>:<ref_value>` of each artifact a run lists (`{ref_type, ref_value, ...}` objects). */
export function artifactKeysOf(list: unknown): string[] | undefined {
  if (!Array.isArray(list)) return undefined;
  const keys: string[] = [];
  for (const a of list) {
    const type = (a as { ref_type?: unknown } | null)?.ref_type;
    const value = (a as { ref_value?: unknown } | null)?.ref_value;
    if (typeof type === 'string' && typeof value === 'string') keys.push(`${type}:${value}`);
  }
  return keys.length ? keys : undefined;
}

/**
 * Does an entry's artifact list reference `query` (`<ref_type>:<ref_value>`)? Commits match by
 * sha prefix of at least 4 characters; every other type matches exactly.
 */
export function referencesArtifact(keys: readonly string[] | undefined, query: string): boolean {
  if (!keys) return false;
  const colon = query.indexOf(':');
  if (colon === -1) return keys.some((k) => k.startsWith(`${query}:`)); // a type alone: any artifact of it
  if (colon === 0) return false;
  const type = query.slice(0, colon);
  const value = query.slice(colon + 1);
  if (type === 'commit') {
    if (value.length < 4) return false;
    const prefix = `commit:${value}`;
    return keys.some((k) => k.startsWith(prefix));
  }
  return keys.includes(query);
}

/** Entry metadata of a saved audit, a run record or an action. */
export function entryMetaOf(entry: SavedAudit | RunRecord | ActionEntry, commit?: string): EntryMeta {
  if ('run' in entry && 'events' in entry) return runMetaOf(entry as RunRecord, commit);
  if ('action_id' in entry) return actionMetaOf(entry as ActionEntry, commit);
  return auditMetaOf(entry as SavedAudit, commit);
}

/** The lower-cased text a `text` query searches: id, card, summary, subtype, actor, target, correlation id. */
export function searchTextOf(meta: EntryMeta): string {
  return [meta.id, meta.card_key, meta.summary, meta.subtype, meta.actor, meta.target, meta.correlation_id]
    .filter((s): s is string => typeof s === 'string' && s.length > 0)
    .join('\n')
    .toLowerCase();
}

/** A checked query: defaults applied, limit clamped, cursor decoded. */
export interface NormalizedQuery {
  filter: Omit<LedgerQuery, 'limit' | 'cursor'>;
  limit: number;
  after?: SortKey;
}

function queryError(path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ledger query: ${path}: ${message}`, {
    data: { what: 'ledger query', issues: [{ path, message }] },
  });
}

/**
 * Checks a LedgerQuery at the adapter boundary: schema, `limit` (a positive integer, default 50,
 * larger values are clamped to 500), ISO `since`/`until`, and the cursor. Throws ValidationError.
 */
export function normalizeQuery(query: LedgerQuery | undefined): NormalizedQuery {
  const q = parseWith(LedgerQuery, query ?? {}, 'ledger query');
  const { limit: rawLimit, cursor, ...filter } = q;
  let limit = DEFAULT_LIST_LIMIT;
  if (rawLimit !== undefined) {
    if (!Number.isInteger(rawLimit) || rawLimit < 1)
      throw queryError(
        'limit',
        `must be a positive integer (got ${rawLimit}); at most ${MAX_LIST_LIMIT} entries are returned per page`,
      );
    limit = Math.min(rawLimit, MAX_LIST_LIMIT);
  }
  for (const k of ['since', 'until'] as const) {
    const v = filter[k];
    if (v !== undefined && Number.isNaN(Date.parse(v)))
      throw queryError(k, `not an ISO-8601 time: ${JSON.stringify(v)}`);
  }
  const out: NormalizedQuery = { filter, limit };
  if (cursor !== undefined) out.after = decodeCursor(cursor);
  return out;
}

/**
 * A predicate for the query's filters (no limit/cursor). Adapters that cache the lower-cased
 * search text of an entry pass it as `text`; otherwise it is computed with `searchTextOf`.
 */
export function compileFilter(
  filter: Omit<LedgerQuery, 'limit' | 'cursor'>,
): (meta: EntryMeta, text?: string) => boolean {
  const { kind, card, status, actor, action, idPrefix, artifact, repo, event, correlation } = filter;
  const since = filter.since !== undefined ? Date.parse(filter.since) : undefined;
  const until = filter.until !== undefined ? Date.parse(filter.until) : undefined;
  const needle = filter.text ? filter.text.toLowerCase() : undefined;
  const checks: ((m: EntryMeta) => boolean)[] = [];
  if (kind !== undefined) checks.push((m) => m.kind === kind);
  if (card !== undefined) checks.push((m) => m.card_key === card);
  if (status !== undefined) checks.push((m) => m.status === status);
  if (actor !== undefined) checks.push((m) => m.actor === actor);
  if (action !== undefined) checks.push((m) => m.type === action || m.subtype === action);
  if (idPrefix !== undefined) checks.push((m) => m.id.startsWith(idPrefix));
  if (artifact !== undefined) checks.push((m) => referencesArtifact(m.artifacts, artifact));
  if (repo !== undefined) checks.push((m) => m.repos?.includes(repo) === true);
  if (event !== undefined) checks.push((m) => m.event_types?.includes(event) === true);
  if (correlation !== undefined) checks.push((m) => m.correlation_id === correlation);
  if (since !== undefined || until !== undefined) {
    checks.push((m) => {
      const t = Date.parse(m.time);
      if (Number.isNaN(t)) return false;
      return (since === undefined || t >= since) && (until === undefined || t < until);
    });
  }
  return (m, text) => {
    for (const c of checks) if (!c(m)) return false;
    return needle === undefined || (text ?? searchTextOf(m)).includes(needle);
  };
}

/** Does `meta` pass every filter of `query` (ignores limit and cursor)? */
export function matchesQuery(meta: EntryMeta, query: LedgerQuery): boolean {
  return compileFilter(normalizeQuery({ ...query, limit: undefined, cursor: undefined }).filter)(meta);
}

// Cursor: base64url of `<version>.<epoch ms>.<id>`; only the first two dots separate fields,
// so ids with dots survive. A position (not an offset) keeps pages stable while entries are added.
const CURSOR_VERSION = 'c1';

function toBase64Url(text: string): string {
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
function fromBase64Url(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
}

/** An opaque cursor meaning "entries after this position". Ids are ASCII (the id grammar). */
export function encodeCursor(key: SortKey): string {
  return toBase64Url(`${CURSOR_VERSION}.${key.t}.${key.id}`);
}

export function decodeCursor(cursor: string): SortKey {
  let text: string;
  try {
    text = fromBase64Url(cursor);
  } catch {
    throw queryError('cursor', "not a cursor returned by this ledger (pass the previous page's `cursor` unchanged)");
  }
  const first = text.indexOf('.');
  const second = first < 0 ? -1 : text.indexOf('.', first + 1);
  const version = text.slice(0, first);
  const t = Number(text.slice(first + 1, second));
  const id = text.slice(second + 1);
  if (first < 0 || second < 0 || version !== CURSOR_VERSION || !Number.isFinite(t) || id.length === 0) {
    throw queryError('cursor', "not a cursor returned by this ledger (pass the previous page's `cursor` unchanged)");
  }
  return { t, id };
}

/**
 * Index of the first entry strictly after `key` in a newest-first array (binary search).
 * `keyAt(i)` gives the sort key of element i.
 */
export function indexAfter(length: number, keyAt: (i: number) => SortKey, key: SortKey): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(keyAt(mid), key) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How `pageFrom` reads the rows of an adapter's newest-first array. */
export interface RowView<R> {
  meta(row: R): EntryMeta;
  key(row: R): SortKey;
  /** Cached `searchTextOf(meta)`, if the adapter keeps one. */
  text?(row: R): string;
}

const metaView: RowView<EntryMeta> = { meta: (m) => m, key: sortKeyOf };

/**
 * One page of a newest-first array: binary-searches to the cursor, keeps rows passing the
 * filter, stops after `limit` (+1 to know whether a next page exists). Entries are copies.
 */
export function pageFrom<R = EntryMeta>(
  sorted: readonly R[],
  q: NormalizedQuery,
  view: RowView<R> = metaView as unknown as RowView<R>,
): LedgerPage {
  const match = compileFilter(q.filter);
  const start = q.after ? indexAfter(sorted.length, (i) => view.key(sorted[i]!), q.after) : 0;
  const entries: EntryMeta[] = [];
  let last: R | undefined;
  let more = false;
  for (let i = start; i < sorted.length; i++) {
    const row = sorted[i]!;
    if (!match(view.meta(row), view.text?.(row))) continue;
    if (entries.length === q.limit) {
      more = true;
      break;
    }
    entries.push({ ...view.meta(row) });
    last = row;
  }
  return more && last !== undefined ? { entries, cursor: encodeCursor(view.key(last)) } : { entries };
}
