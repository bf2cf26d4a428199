/**
 * The read index: EntryMeta rows derived from the ledger branch, serving list / filter /
 * autocomplete without touching git. It records the head it reflects; the ledger catches it up
 * (tree diff) before answering whenever the branch has moved, and rebuilds it when it is missing
 * or unreadable. It is never the source of truth.
 *
 * Implementations: in memory (default), a journal file (Node), IndexedDB (browser, elsewhere).
 */
import type { FsClient } from 'isomorphic-git';
import type { EntryMeta, LedgerPage } from '../../schemas/ledger.js';
import {
  compareKeys,
  indexAfter,
  pageFrom,
  searchTextOf,
  sortKeyOf,
  type NormalizedQuery,
  type RowView,
  type SortKey,
} from '../query.js';
import { fsPromises, type FsPromises } from './fs-promises.js';

export interface IndexKey {
  kind: 'audit' | 'run' | 'action';
  id: string;
}

export interface IndexUpdate {
  /** The ledger head the index reflects after this update. */
  head: string | undefined;
  /** Rows to add or replace (matched by kind + id). */
  put: EntryMeta[];
  /** Rows to drop. */
  remove: IndexKey[];
  /** Drop every row first (a rebuild). */
  reset?: boolean;
  /**
   * A catch-up that takes several updates names itself here on each of them; every one but the
   * last is `partial` (with `head` undefined), so the index reads as incomplete — and is rebuilt
   * if the process stops half way — until the last one lands in the same transaction as its head.
   * An index shared between contexts counts as complete only when the catch-up that reset or
   * started it is the one finishing.
   */
  run?: string;
  partial?: boolean;
  /**
   * The head the ledger found in the index when it built this update (`null`: empty). Only a
   * `shared` index checks it: it refuses (ConflictError) an update whose base is no longer its head.
   */
  base?: string | null;
}

export interface ReadIndex {
  /**
   * Rows shared by several instances, each with its own clone (PostgreSQL): the ledger feeds it
   * only commits its remote holds, never moves it to an older head, skips it when it is ahead of
   * this clone, and names each update's `base` so a lost race is refused instead of applied.
   */
  readonly shared?: boolean;
  /**
   * The head the rows reflect. `undefined` when the index is empty, missing or unreadable —
   * the ledger then rebuilds it. May throw when the store is corrupt (treated the same way).
   */
  head(): Promise<string | undefined>;
  /** Apply one update atomically (all of it or none of it, head included). */
  apply(update: IndexUpdate): Promise<void>;
  /** One page of rows, newest first, for an already checked query. */
  query(q: NormalizedQuery): Promise<LedgerPage>;
  get(key: IndexKey): Promise<EntryMeta | undefined>;
  close?(): Promise<void>;
}

interface Row {
  meta: EntryMeta;
  key: SortKey;
  text: string;
}
const rowView: RowView<Row> = { meta: (r) => r.meta, key: (r) => r.key, text: (r) => r.text };
const keyOf = (k: IndexKey) => `${k.kind}\u0000${k.id}`;

/** Rows kept sorted newest first, plus a map by kind + id. */
export class RowSet {
  private rows: Row[] = [];
  private byKey = new Map<string, Row>();

  get size(): number {
    return this.rows.length;
  }

  clear(): void {
    this.rows = [];
    this.byKey.clear();
  }

  get(k: IndexKey): EntryMeta | undefined {
    return this.byKey.get(keyOf(k))?.meta;
  }

  all(): EntryMeta[] {
    return this.rows.map((r) => r.meta);
  }

  apply(u: IndexUpdate): void {
    if (u.reset) this.clear();
    const drop = new Set<Row>();
    for (const k of [...u.remove, ...u.put.map((m) => ({ kind: m.kind, id: m.id }))]) {
      const r = this.byKey.get(keyOf(k));
      if (r) {
        drop.add(r);
        this.byKey.delete(keyOf(k));
      }
    }
    if (drop.size) {
      if (drop.size < 8) for (const r of drop) this.removeRow(r);
      else this.rows = this.rows.filter((r) => !drop.has(r));
    }
    if (u.put.length === 0) return;
    const added = u.put.map((meta) => ({ meta, key: sortKeyOf(meta), text: searchTextOf(meta) }));
    added.sort((a, b) => compareKeys(a.key, b.key));
    for (const r of added) this.byKey.set(keyOf(r.meta), r);
    this.rows = merge(this.rows, added);
  }

  private removeRow(row: Row): void {
    const i = indexAfter(this.rows.length, (n) => this.rows[n]!.key, row.key) - 1;
    if (i >= 0 && this.rows[i] === row) this.rows.splice(i, 1);
    else this.rows = this.rows.filter((r) => r !== row);
  }

  page(q: NormalizedQuery): LedgerPage {
    return pageFrom(this.rows, q, rowView);
  }
}

function merge(a: Row[], b: Row[]): Row[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  if (compareKeys(b[b.length - 1]!.key, a[0]!.key) < 0) return b.concat(a);
  if (compareKeys(a[a.length - 1]!.key, b[0]!.key) < 0) return a.concat(b);
  const out: Row[] = new Array(a.length + b.length);
  let i = 0,
    j = 0,
    k = 0;
  while (i < a.length && j < b.length) out[k++] = compareKeys(a[i]!.key, b[j]!.key) <= 0 ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}

/** The default read index: rows in memory, rebuilt from git when the process starts. */
export function createMemoryReadIndex(): ReadIndex {
  const rows = new RowSet();
  let head: string | undefined;
  return {
    async head() {
      return head;
    },
    async apply(u) {
      rows.apply(u);
      head = u.head;
    },
    async query(q) {
      return rows.page(q);
    },
    async get(k) {
      return rows.get(k);
    },
  };
}

/**
 * A read index persisted as a journal file (Node): each update is one appended JSON line, so a
 * save costs one small append whatever the ledger's size. Loading replays the journal; a line that
 * does not parse, or a chain of heads that does not connect, makes the whole file count as
 * missing (the ledger rebuilds it). The journal is compacted into one line when it grows long.
 */
export function createFileReadIndex(options: { fs: FsClient; path: string; compactAfter?: number }): ReadIndex {
  const p: FsPromises = fsPromises(options.fs);
  const compactAfter = options.compactAfter ?? 500;
  const rows = new RowSet();
  let head: string | undefined;
  let lines = 0;
  let loaded: Promise<void> | undefined;

  async function load(): Promise<void> {
    let text: string;
    try {
      text = String(await p.readFile(options.path, 'utf8'));
    } catch {
      return;
    }
    try {
      let h: string | undefined;
      let n = 0;
      const parts = text.split('\n');
      for (const line of parts) {
        if (!line) continue;
        const u = JSON.parse(line) as IndexUpdate & { from?: string | null; v?: number };
        if (u.v !== 1 || !Array.isArray(u.put) || !Array.isArray(u.remove)) throw new Error('bad journal line');
        if (!u.reset && (u.from ?? undefined) !== h) throw new Error('journal does not connect');
        rows.apply(u);
        h = u.head ?? undefined;
        n++;
      }
      if (!text.endsWith('\n') && text.length) throw new Error('journal ends in a partial line');
      head = h;
      lines = n;
    } catch {
      rows.clear();
      head = undefined;
      lines = 0;
    }
  }
  const ready = () => (loaded ??= load());

  async function writeWhole(): Promise<void> {
    const line = JSON.stringify({ v: 1, reset: true, from: null, head: head ?? null, put: rows.all(), remove: [] });
    const tmp = `${options.path}.tmp-${Math.random().toString(36).slice(2, 8)}`;
    await p.writeFile(tmp, `${line}\n`);
    await p.rename(tmp, options.path);
    lines = 1;
  }

  return {
    async head() {
      await ready();
      return head;
    },
    async apply(u) {
      await ready();
      const from = head;
      rows.apply(u);
      head = u.head;
      if (u.reset || lines >= compactAfter || !p.appendFile) {
        await writeWhole();
        return;
      }
      await p.appendFile(
        options.path,
        `${JSON.stringify({ v: 1, from: from ?? null, head: u.head ?? null, put: u.put, remove: u.remove })}\n`,
      );
      lines++;
    },
    async query(q) {
      await ready();
      return rows.page(q);
    },
    async get(k) {
      await ready();
      return rows.get(k);
    },
  };
}
