/**
 * The browser's read index: EntryMeta rows persisted in IndexedDB (one record per entry plus the
 * head they reflect) and served from memory. Loading reads the store once; each update writes only
 * the rows it changes, with the head, in one transaction.
 *
 * Several workers or tabs share the store. An update is applied as a compare-and-swap on the
 * stored head: if another context already stored this very update, only memory catches up; if the
 * store moved elsewhere, memory reloads from it and the ledger's next catch-up diffs from there.
 * The index is derived data: the ledger never trusts it over git.
 */
import type { EntryMeta, LedgerPage } from '../../schemas/ledger.js';
import type { NormalizedQuery } from '../query.js';
import { RowSet, type IndexKey, type IndexUpdate, type ReadIndex } from '../git/index.js';

const ROWS = 'rows';
const META = 'meta';
const HEAD_KEY = 'head';
/** Stored when the store holds no head (distinct from "never written"). */
const NO_HEAD = '';

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
    };
    open.onsuccess = () => resolve(open.result);
    open.onerror = () => reject(open.error);
    open.onblocked = () => reject(new Error(`IndexedDB ${name} is blocked by another connection`));
  });
}

export interface IdbReadIndex extends ReadIndex {
  readonly name: string;
}

/** A ReadIndex stored in the IndexedDB database `name`. */
export function createIdbReadIndex(name: string): IdbReadIndex {
  let dbp: Promise<IDBDatabase> | undefined;
  const db = () => (dbp ??= openDb(name));
  const rows = new RowSet();
  /** The stored head memory reflects: `undefined` = nothing stored yet. */
  let memHead: string | undefined;
  let loaded: Promise<void> | undefined;

  async function load(): Promise<void> {
    const d = await db();
    const t = d.transaction([ROWS, META], 'readonly');
    const [all, head] = await Promise.all([
      req(t.objectStore(ROWS).getAll()) as Promise<EntryMeta[]>,
      req(t.objectStore(META).get(HEAD_KEY)) as Promise<string | undefined>,
    ]);
    rows.clear();
    memHead = head === undefined || head === NO_HEAD ? undefined : head;
    if (memHead !== undefined) rows.apply({ head: memHead, put: all, remove: [] });
  }
  const ready = () => (loaded ??= load().catch((e) => { loaded = undefined; throw e; }));

  return {
    name,
    async head() {
      await ready();
      return memHead;
    },
    async apply(u: IndexUpdate) {
      await ready();
      const d = await db();
      const t = d.transaction([ROWS, META], 'readwrite', { durability: 'relaxed' });
      const rowStore = t.objectStore(ROWS);
      const meta = t.objectStore(META);
      const done = txDone(t);
      const storedRaw = (await req(meta.get(HEAD_KEY))) as string | undefined;
      const stored = storedRaw === undefined || storedRaw === NO_HEAD ? undefined : storedRaw;
      let outcome: 'applied' | 'already' | 'moved';
      if (stored === memHead || u.reset) {
        if (u.reset) rowStore.clear();
        for (const k of u.remove) rowStore.delete(keyOf(k));
        for (const m of u.put) rowStore.put(m, keyOf(m));
        meta.put(u.head ?? NO_HEAD, HEAD_KEY);
        outcome = 'applied';
      } else {
        outcome = stored === u.head ? 'already' : 'moved';
      }
      await done;
      if (outcome === 'moved') {
        loaded = undefined;
        await ready();
        return;
      }
      rows.apply(u);
      memHead = u.head;
    },
    async query(q: NormalizedQuery): Promise<LedgerPage> {
      await ready();
      return rows.page(q);
    },
    async get(k: IndexKey) {
      await ready();
      return rows.get(k);
    },
    async close() {
      if (dbp) (await dbp).close();
      dbp = undefined;
      loaded = undefined;
    },
  };
}
