import type { EntryKind, EntryMeta, LedgerPage, LedgerQuery } from '../schemas/ledger.js';
import { compareKeys, compileFilter, encodeCursor, indexAfter, normalizeQuery, searchTextOf, sortKeyOf, type SortKey } from './query.js';

/**
 * An in-memory, newest-first index of entry metadata that answers `Ledger.list` queries quickly at
 * 100,000+ entries. The memory ledger keeps its list in one; a git read index can keep one too.
 *
 * - one sorted array per kind plus one for all, so `kind` never scans the other kind;
 * - binary search to the cursor and to the `until`/`since` bounds;
 * - `text` / `idPrefix`: rows are grouped in chunks of CHUNK rows whose lower-cased search text is
 *   joined into one string, so a needle is first looked for in ~400 chunk strings (one native
 *   search each) and rows are checked only inside chunks that contain it.
 */
export interface EntryIndex {
  /** Adds entries (an existing kind+id is replaced). */
  add(entries: readonly EntryMeta[]): void;
  /** Removes one entry; false when it was not there. */
  remove(kind: EntryKind, id: string): boolean;
  get(kind: EntryKind, id: string): EntryMeta | undefined;
  /** A page of entries (copies), newest first; throws ValidationError for a bad query. */
  list(query?: LedgerQuery): LedgerPage;
  readonly size: number;
  clear(): void;
}

interface Row { meta: EntryMeta; key: SortKey; text: string; timeOk: boolean }

const CHUNK = 256;

class SortedRows {
  rows: Row[] = [];
  private chunks: string[] | undefined;

  /** Merges newest-first `added` into the rows. */
  merge(added: Row[]): void {
    this.chunks = undefined;
    const a = this.rows;
    if (added.length === 0) return;
    if (a.length === 0) { this.rows = added.slice(); return; }
    if (compareKeys(added[added.length - 1]!.key, a[0]!.key) < 0) { this.rows = added.concat(a); return; }
    if (compareKeys(a[a.length - 1]!.key, added[0]!.key) < 0) { this.rows = a.concat(added); return; }
    // Filled with push: a large `new Array(n)` is a sparse (dictionary-mode) array, slow to scan.
    const out: Row[] = [];
    let i = 0, j = 0;
    while (i < a.length && j < added.length) out.push(compareKeys(a[i]!.key, added[j]!.key) <= 0 ? a[i++]! : added[j++]!);
    while (i < a.length) out.push(a[i++]!);
    while (j < added.length) out.push(added[j++]!);
    this.rows = out;
  }

  remove(row: Row): boolean {
    const rows = this.rows;
    // First index whose key is not before row.key, then walk the equal keys to find the row itself.
    let lo = 0, hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(rows[mid]!.key, row.key) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < rows.length && compareKeys(rows[i]!.key, row.key) === 0; i++) {
      if (rows[i] === row) {
        rows.splice(i, 1);
        this.chunks = undefined;
        return true;
      }
    }
    return false;
  }

  chunkTexts(): string[] {
    if (this.chunks) return this.chunks;
    const out: string[] = [];
    for (let c = 0; c < this.rows.length; c += CHUNK) {
      let s = '';
      const end = Math.min(this.rows.length, c + CHUNK);
      for (let i = c; i < end; i++) s += this.rows[i]!.text + '\u0000';
      out.push(s);
    }
    this.chunks = out;
    return out;
  }

  /** First index whose time is before `ms` (rows are newest first). */
  firstOlderThan(ms: number): number {
    let lo = 0, hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.rows[mid]!.key.t >= ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function createEntryIndex(): EntryIndex {
  const all = new SortedRows();
  const byKind: Record<EntryKind, SortedRows> = { audit: new SortedRows(), run: new SortedRows() };
  const byId = new Map<string, Row>();
  const idKey = (kind: string, id: string) => `${kind}\u0000${id}`;

  function removeRow(row: Row): void {
    all.remove(row);
    byKind[row.meta.kind].remove(row);
    byId.delete(idKey(row.meta.kind, row.meta.id));
  }

  return {
    add(entries) {
      const added: Row[] = [];
      for (const meta of entries) {
        const old = byId.get(idKey(meta.kind, meta.id));
        if (old) removeRow(old);
        const row: Row = { meta, key: sortKeyOf(meta), text: searchTextOf(meta), timeOk: !Number.isNaN(Date.parse(meta.time)) };
        byId.set(idKey(meta.kind, meta.id), row);
        added.push(row);
      }
      added.sort((x, y) => compareKeys(x.key, y.key));
      all.merge(added);
      for (const kind of ['audit', 'run'] as const) byKind[kind].merge(added.filter((r) => r.meta.kind === kind));
    },

    remove(kind, id) {
      const row = byId.get(idKey(kind, id));
      if (!row) return false;
      removeRow(row);
      return true;
    },

    get(kind, id) {
      return byId.get(idKey(kind, id))?.meta;
    },

    list(query) {
      const q = normalizeQuery(query);
      const { since, until, ...rest } = q.filter;
      const view = rest.kind ? byKind[rest.kind] : all;
      const rows = view.rows;
      let start = q.after ? indexAfter(rows.length, (i) => rows[i]!.key, q.after) : 0;
      let end = rows.length;
      const timed = since !== undefined || until !== undefined;
      if (until !== undefined) start = Math.max(start, view.firstOlderThan(Date.parse(until)));
      if (since !== undefined) end = view.firstOlderThan(Date.parse(since));
      // Time bounds are applied by position; the predicate checks everything else.
      const match = compileFilter(rest);
      const needles = [rest.text, rest.idPrefix].filter((s): s is string => !!s).map((s) => s.toLowerCase());
      const chunks = needles.length ? view.chunkTexts() : undefined;

      const entries: EntryMeta[] = [];
      let last: Row | undefined;
      let more = false;
      scan: for (let c = Math.floor(start / CHUNK) * CHUNK; c < end; c += CHUNK) {
        if (chunks) {
          const hay = chunks[c / CHUNK]!;
          if (!needles.every((n) => hay.includes(n))) continue;
        }
        const stop = Math.min(end, c + CHUNK);
        for (let i = Math.max(c, start); i < stop; i++) {
          const row = rows[i]!;
          if ((timed && !row.timeOk) || !match(row.meta, row.text)) continue;
          if (entries.length === q.limit) { more = true; break scan; }
          entries.push({ ...row.meta });
          last = row;
        }
      }
      return more && last ? { entries, cursor: encodeCursor(last.key) } : { entries };
    },

    get size() {
      return byId.size;
    },

    clear() {
      all.rows = [];
      all.merge([]);
      for (const v of Object.values(byKind)) { v.rows = []; v.merge([]); }
      byId.clear();
    },
  };
}
