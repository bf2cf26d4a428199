import type { EntryKind, EntryMeta, LedgerPage, LedgerQuery } from '../schemas/ledger.js';
import {
  compareKeys,
  compileFilter,
  encodeCursor,
  indexAfter,
  normalizeQuery,
  searchTextOf,
  sortKeyOf,
  type SortKey,
} from './query.js';

/**
 * An in-memory, newest-first index of entry metadata that answers `Ledger.list` queries quickly at
 * 100,000+ entries. The memory ledger keeps its list in one; a git read index can keep one too.
 *
 * - one sorted array per kind plus one for all, so `kind` never scans the other kind;
 * - binary search to the cursor and to the `until`/`since` bounds;
 * - `text` / `idPrefix`: rows are grouped in chunks of CHUNK rows; each chunk keeps its joined
 *   lower-cased search text and a bit filter of the trigrams in it. A needle skips a chunk when
 *   one of its trigrams is missing (a few bit tests) or the joined text lacks it (one native
 *   search); rows are checked one by one only inside chunks that hold it.
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

interface Row {
  meta: EntryMeta;
  key: SortKey;
  text: string;
  timeOk: boolean;
}

/** Rows per chunk. */
const CHUNK = 256;
/** Bits of each chunk's trigram filter (8 KiB): sparse enough that long needles skip almost every chunk. */
const FILTER_BITS = 1 << 16;

/** The 16-bit hash of the trigram ending at `i` (lower-cased text). */
const trigramAt = (s: string, i: number) =>
  Math.imul(Math.imul(s.charCodeAt(i - 2), 961) + Math.imul(s.charCodeAt(i - 1), 31) + s.charCodeAt(i), 0x9e3779b1) >>>
  16;

/** What a chunk of rows can contain: their joined search text and a filter of its trigrams. */
interface Chunk {
  text: string;
  trigrams: Uint32Array;
}

function buildChunk(rows: Row[], from: number, to: number): Chunk {
  const trigrams = new Uint32Array(FILTER_BITS / 32);
  let text = '';
  for (let i = from; i < to; i++) {
    const t = rows[i]!.text;
    text += t + '\u0000';
    for (let k = 2; k < t.length; k++) {
      const h = trigramAt(t, k);
      trigrams[h >>> 5]! |= 1 << (h & 31);
    }
  }
  return { text, trigrams };
}

/** A needle prepared for chunk checks: its trigram hashes (none when shorter than 3). */
interface Needle {
  text: string;
  trigrams: number[];
}

function needleOf(text: string): Needle {
  const t = text.toLowerCase();
  const trigrams: number[] = [];
  for (let k = 2; k < t.length; k++) trigrams.push(trigramAt(t, k));
  return { text: t, trigrams };
}

function chunkMayHold(chunk: Chunk, needles: Needle[]): boolean {
  for (const n of needles) {
    for (const h of n.trigrams) if ((chunk.trigrams[h >>> 5]! & (1 << (h & 31))) === 0) return false;
  }
  for (const n of needles) if (!chunk.text.includes(n.text)) return false;
  return true;
}

/**
 * Rows newest first. Chunks are counted from the OLDEST row (chunk c holds the rows whose
 * position from the end is c*CHUNK .. c*CHUNK+CHUNK-1), so adding newer entries — the usual
 * write — leaves every older chunk valid; only chunks at or above `dirtyFrom` are rebuilt.
 */
class SortedRows {
  rows: Row[] = [];
  private chunks: Chunk[] = [];
  /** Rows at this position from the end (and newer) have chunks to rebuild. */
  private dirtyFrom = 0;

  private touched(fromEnd: number): void {
    this.dirtyFrom = Math.min(this.dirtyFrom, Math.max(0, fromEnd));
  }

  /** Merges newest-first `added` into the rows. */
  merge(added: Row[]): void {
    const a = this.rows;
    if (added.length === 0) return;
    if (a.length === 0) {
      this.rows = added.slice();
      this.touched(0);
      return;
    }
    if (compareKeys(added[added.length - 1]!.key, a[0]!.key) < 0) {
      // All newer: older rows keep their position from the end.
      this.rows = added.concat(a);
      this.touched(a.length);
      return;
    }
    if (compareKeys(a[a.length - 1]!.key, added[0]!.key) < 0) {
      this.rows = a.concat(added);
      this.touched(0);
      return;
    }
    // Filled with push: a large `new Array(n)` is a sparse (dictionary-mode) array, slow to scan.
    const out: Row[] = [];
    let i = 0,
      j = 0;
    while (i < a.length && j < added.length)
      out.push(compareKeys(a[i]!.key, added[j]!.key) <= 0 ? a[i++]! : added[j++]!);
    while (i < a.length) out.push(a[i++]!);
    while (j < added.length) out.push(added[j++]!);
    this.rows = out;
    // Rows older than the oldest added one did not move (from the end); `a.length - i` of them remain
    // after the point where the last added row went in.
    this.touched(a.length - i);
  }

  remove(row: Row): boolean {
    const rows = this.rows;
    // First index whose key is not before row.key, then walk the equal keys to find the row itself.
    let lo = 0,
      hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(rows[mid]!.key, row.key) < 0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < rows.length && compareKeys(rows[i]!.key, row.key) === 0; i++) {
      if (rows[i] === row) {
        rows.splice(i, 1);
        this.touched(rows.length - i);
        return true;
      }
    }
    return false;
  }

  reset(): void {
    this.rows = [];
    this.chunks = [];
    this.dirtyFrom = 0;
  }

  /** Chunks, oldest first, rebuilt from `dirtyFrom` if anything changed. */
  chunkList(): Chunk[] {
    const n = this.rows.length;
    const count = Math.ceil(n / CHUNK);
    if (this.dirtyFrom < n || this.chunks.length !== count) {
      const first = Math.min(Math.floor(this.dirtyFrom / CHUNK), this.chunks.length, count);
      this.chunks.length = first;
      for (let c = first; c < count; c++) {
        const to = n - c * CHUNK;
        this.chunks.push(buildChunk(this.rows, Math.max(0, to - CHUNK), to));
      }
      this.dirtyFrom = n;
    }
    return this.chunks;
  }

  /** First index whose time is before `ms` (rows are newest first). */
  firstOlderThan(ms: number): number {
    let lo = 0,
      hi = this.rows.length;
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
  const byKind: Record<EntryKind, SortedRows> = {
    audit: new SortedRows(),
    run: new SortedRows(),
    action: new SortedRows(),
  };
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
        const row: Row = {
          meta,
          key: sortKeyOf(meta),
          text: searchTextOf(meta),
          timeOk: !Number.isNaN(Date.parse(meta.time)),
        };
        byId.set(idKey(meta.kind, meta.id), row);
        added.push(row);
      }
      added.sort((x, y) => compareKeys(x.key, y.key));
      all.merge(added);
      for (const kind of ['audit', 'run', 'action'] as const)
        byKind[kind].merge(added.filter((r) => r.meta.kind === kind));
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
      return pageOf(q.filter.kind ? byKind[q.filter.kind] : all, q);
    },

    get size() {
      return byId.size;
    },

    clear() {
      all.reset();
      for (const v of Object.values(byKind)) v.reset();
      byId.clear();
    },
  };
}

/** One page of `view` (all rows, or one kind's) for a normalized query. */
function pageOf(view: SortedRows, q: ReturnType<typeof normalizeQuery>): LedgerPage {
  const { since, until, ...rest } = q.filter;
  const rows = view.rows;
  let start = q.after ? indexAfter(rows.length, (i) => rows[i]!.key, q.after) : 0;
  let end = rows.length;
  const timed = since !== undefined || until !== undefined;
  if (until !== undefined) start = Math.max(start, view.firstOlderThan(Date.parse(until)));
  if (since !== undefined) end = view.firstOlderThan(Date.parse(since));
  // Time bounds are applied by position; the predicate checks everything else.
  const match = compileFilter(rest);
  const needles = [rest.text, rest.idPrefix].filter((x): x is string => !!x).map(needleOf);
  const chunks = needles.length ? view.chunkList() : undefined;
  const n = rows.length;

  const entries: EntryMeta[] = [];
  let last: Row | undefined;
  let more = false;
  let i = start;
  scan: while (i < end) {
    // Chunk of row i (counted from the oldest) and the index where that chunk ends.
    const c = Math.floor((n - 1 - i) / CHUNK);
    const stop = Math.min(end, n - c * CHUNK);
    if (chunks && !chunkMayHold(chunks[c]!, needles)) {
      i = stop;
      continue;
    }
    for (; i < stop; i++) {
      const row = rows[i]!;
      if ((timed && !row.timeOk) || !match(row.meta, row.text)) continue;
      if (entries.length === q.limit) {
        more = true;
        break scan;
      }
      entries.push({ ...row.meta });
      last = row;
    }
  }
  return more && last ? { entries, cursor: encodeCursor(last.key) } : { entries };
}
