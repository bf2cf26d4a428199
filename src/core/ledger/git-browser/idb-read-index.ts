/**
 * The browser's read index: EntryMeta rows persisted in IndexedDB (one record per entry plus the
 * head they reflect) and served from memory. Loading reads the store once; each update writes only
 * the rows it changes, with the head, in one transaction.
 *
 * Several workers or tabs share the store. Every update also goes to a short journal with a
 * sequence number; `head()` reads the stored sequence (one small get) and replays the journal
 * entries this context has not seen, so memory follows other contexts' updates incrementally
 * (a full reload only when it fell behind the kept journal).
 * The index is derived data: the ledger never trusts it over git.
 */
import type { EntryMeta, LedgerPage } from '../../schemas/ledger.js';
import type { NormalizedQuery } from '../query.js';
import { RowSet, type IndexKey, type IndexUpdate, type ReadIndex } from '../git/index.js';

const ROWS = 'rows';
const META = 'meta';
const LOG = 'log';
const HEAD_KEY = 'head';

const keyOf = (k: IndexKey) => `${k.kind}\u0000${k.id}`;

function req<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

function txDone(t: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error ?? new Error('aborted'));
  });
}

function openDb(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(name, 1);
    open.onupgradeneeded = () => {
      open.result.createObjectStore(ROWS);
      open.result.createObjectStore(META);
      open.result.createObjectStore(LOG, { keyPath: 'seq' });
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error(`IndexedDB ${name} is blocked by another connection`));
  });
}

export interface IdbReadIndex extends ReadIndex {
  readonly name: string;
}

interface LogRecord { seq: number; update: IndexUpdate }
interface Meta { seq: number; head: string | undefined }

/** Journal entries kept for other contexts to catch up from (older ones are pruned). */
const LOG_KEEP = 256;

/** A ReadIndex stored in the IndexedDB database `name`. */
export function createIdbReadIndex(name: string): IdbReadIndex {
  let dbp: Promise<IDBDatabase> | undefined;
  const db = () => (dbp ??= openDb(name));
  const rows = new RowSet();
  let mem: Meta = { seq: 0, head: undefined };

  async function readMeta(store: IDBObjectStore): Promise<Meta> {
    const m = (await req(store.get(HEAD_KEY))) as Meta | string | undefined;
    if (m === undefined || typeof m === 'string') return { seq: 0, head: undefined };
    return m;
  }

  /** Brings memory to the stored state: replays the journal, or reloads every row when it is too far behind. */
  async function catchUpMemory(t: IDBTransaction, stored: Meta): Promise<void> {
    if (stored.seq === mem.seq) return;
    if (stored.seq > mem.seq) {
      const log = (await req(t.objectStore(LOG).getAll(IDBKeyRange.lowerBound(mem.seq, true)))) as LogRecord[];
      if (log.length === stored.seq - mem.seq && log[0]?.seq === mem.seq + 1) {
        for (const r of log) rows.apply(r.update);
        mem = { ...stored };
        return;
      }
    }
    const all = (await req(t.objectStore(ROWS).getAll())) as EntryMeta[];
    rows.apply({ head: stored.head, put: all, remove: [], reset: true });
    mem = { ...stored };
  }

  async function sync(): Promise<void> {
    const d = await db();
    const t = d.transaction([ROWS, META, LOG], 'readonly');
    const done = txDone(t);
    await catchUpMemory(t, await readMeta(t.objectStore(META)));
    await done;
  }

  return {
    name,
    async head() {
      await sync();
      return mem.head;
    },
    async apply(u: IndexUpdate) {
      const d = await db();
      const t = d.transaction([ROWS, META, LOG], 'readwrite', { durability: 'relaxed' });
      const done = txDone(t);
      const stored = await readMeta(t.objectStore(META));
      // Another context may have updated the store since our head(): catch up first. Updates are
      // diffs along an append-only branch, so applying ours on top only re-puts rows it has.
      await catchUpMemory(t, stored);
      if (!(stored.head === u.head && !u.reset)) {
        const rowStore = t.objectStore(ROWS);
        if (u.reset) rowStore.clear();
        for (const k of u.remove) rowStore.delete(keyOf(k));
        for (const m of u.put) rowStore.put(m, keyOf(m));
        const next: Meta = { seq: stored.seq + 1, head: u.head };
        const log = t.objectStore(LOG);
        log.put({ seq: next.seq, update: u } satisfies LogRecord);
        if (next.seq > LOG_KEEP) log.delete(IDBKeyRange.upperBound(next.seq - LOG_KEEP));
        t.objectStore(META).put(next, HEAD_KEY);
        rows.apply(u);
        mem = next;
      }
      await done;
    },
    async query(q: NormalizedQuery): Promise<LedgerPage> {
      return rows.page(q);
    },
    async get(k: IndexKey) {
      return rows.get(k);
    },
    async close() {
      if (dbp) (await dbp).close();
      dbp = undefined;
    },
  };
}
