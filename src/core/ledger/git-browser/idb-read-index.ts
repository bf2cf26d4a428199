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
import { unwrap, type IDBPDatabase, type IDBPTransaction } from 'idb';
import type { EntryMeta, LedgerPage } from '../../schemas/ledger.js';
import { openUnblocked } from './idb-open.js';
import type { NormalizedQuery } from '../query.js';
import { RowSet, type IndexKey, type IndexUpdate, type ReadIndex } from '../git/index.js';

const ROWS = 'rows';
const META = 'meta';
const LOG = 'log';
const HEAD_KEY = 'head';

const keyOf = (k: IndexKey) => `${k.kind}\u0000${k.id}`;

type Tx = IDBPTransaction<unknown, string[], IDBTransactionMode>;

function openDb(name: string): Promise<IDBPDatabase> {
  return openUnblocked(name, (db) => {
    db.createObjectStore(ROWS);
    db.createObjectStore(META);
    db.createObjectStore(LOG, { keyPath: 'seq' });
  });
}

export interface IdbReadIndex extends ReadIndex {
  readonly name: string;
}

interface LogRecord {
  seq: number;
  update: IndexUpdate;
}
/**
 * `head`: the ledger head the rows completely reflect (undefined while a multi-step catch-up
 * named `run` is under way). `count`: the rows stored, written in the same transaction; a store
 * whose rows do not add up to it reads as missing and is rebuilt. `v`: the format — stores from
 * before it (whose catch-ups could drop rows) are rebuilt once.
 */
interface Meta {
  v: typeof FORMAT;
  seq: number;
  head: string | undefined;
  run?: string;
  count: number;
}

const FORMAT = 2;
/** Updates larger than this are not journaled: other contexts reload every row instead. */
const LOG_MAX_ROWS = 500;

/** Journal entries kept for other contexts to catch up from (older ones are pruned). */
const LOG_KEEP = 256;

/** A ReadIndex stored in the IndexedDB database `name`. */
export function createIdbReadIndex(name: string): IdbReadIndex {
  let dbp: Promise<IDBPDatabase> | undefined;
  const db = () => (dbp ??= openDb(name));
  const rows = new RowSet();
  let mem: Meta = { v: FORMAT, seq: 0, head: undefined, count: 0 };

  async function readMeta(t: Tx): Promise<Meta> {
    const m = (await t.objectStore(META).get(HEAD_KEY)) as Partial<Meta> | string | undefined;
    if (m === undefined || typeof m !== 'object') return { v: FORMAT, seq: 0, head: undefined, count: 0 };
    // An older format: its rows may be incomplete, so it counts as missing (rebuilt on next list).
    if (m.v !== FORMAT) return { v: FORMAT, seq: m.seq ?? 0, head: undefined, count: -1 };
    return m as Meta;
  }

  /** Brings memory to the stored state: replays the journal, or reloads every row when it is too far behind. */
  async function catchUpMemory(t: Tx, stored: Meta): Promise<void> {
    if (stored.seq === mem.seq) return;
    if (stored.seq > mem.seq) {
      const log = (await t.objectStore(LOG).getAll(IDBKeyRange.lowerBound(mem.seq, true))) as LogRecord[];
      if (log.length === stored.seq - mem.seq && log[0]?.seq === mem.seq + 1) {
        for (const r of log) rows.apply(r.update);
        mem = { ...stored };
        return;
      }
    }
    const all = (await t.objectStore(ROWS).getAll()) as EntryMeta[];
    rows.apply({ head: stored.head, put: all, remove: [], reset: true });
    // Rows that do not add up to the count written with them: not to be trusted, rebuild.
    mem = all.length === stored.count ? { ...stored } : { ...stored, head: undefined };
  }

  async function sync(): Promise<void> {
    const d = await db();
    const t: Tx = d.transaction([ROWS, META, LOG], 'readonly');
    await catchUpMemory(t, await readMeta(t));
    await t.done;
  }

  return {
    name,
    async head() {
      await sync();
      return mem.head;
    },
    async apply(u: IndexUpdate) {
      const d = await db();
      const t: Tx = d.transaction([ROWS, META, LOG], 'readwrite', { durability: 'relaxed' });
      const stored = await readMeta(t);
      // Another context may have updated the store since our head(): catch up first. Updates are
      // diffs along an append-only branch, so applying ours on top only re-puts rows it has.
      await catchUpMemory(t, stored);
      // The same complete head already stored (another context got there first): nothing to do.
      const already =
        !u.reset && !u.partial && u.head !== undefined && stored.head === u.head && stored.run === undefined;
      if (!already) {
        // Writes are left to the transaction (raw requests): only the count is awaited.
        const rowStore = unwrap(t.objectStore(ROWS));
        if (u.reset) rowStore.clear();
        for (const k of u.remove) rowStore.delete(keyOf(k));
        for (const m of u.put) rowStore.put(m, keyOf(m));
        const count = await t.objectStore(ROWS).count();
        // Who owns the store's completeness after this update: a reset or the first step of a
        // run takes it; the last step of that same run (or a one-step update of a store no run
        // owns) completes it; any other update leaves it to the run under way.
        let head: string | undefined;
        let run: string | undefined;
        if (u.reset || (u.partial && stored.run === undefined && stored.head !== undefined)) {
          run = u.partial ? u.run : undefined;
          head = u.partial ? undefined : u.head;
        } else if (u.partial) {
          run = stored.run;
          head = undefined;
        } else if (stored.run === undefined ? stored.head !== undefined || u.run === undefined : stored.run === u.run) {
          head = u.head;
        } else {
          run = stored.run;
          head = undefined;
        }
        const next: Meta = { v: FORMAT, seq: stored.seq + 1, head, count, ...(run !== undefined && { run }) };
        const log = unwrap(t.objectStore(LOG));
        // Large updates are not journaled: a context that misses one reloads every row.
        if (u.put.length + u.remove.length <= LOG_MAX_ROWS) log.put({ seq: next.seq, update: u } satisfies LogRecord);
        if (next.seq > LOG_KEEP) log.delete(IDBKeyRange.upperBound(next.seq - LOG_KEEP));
        unwrap(t.objectStore(META)).put(next, HEAD_KEY);
        rows.apply(u);
        mem = next;
      }
      await t.done;
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
