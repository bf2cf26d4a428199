/**
 * Keeping the read index in step with the branch: a catch-up diffs the tree the index reflects
 * against the head's and hands the changed entries' metadata to the index in bounded batches;
 * the ledger's own commits update it directly. Lists answer from the index.
 */
import { ConflictError } from '../../errors/index.js';
import type { ActionEntry } from '../../schemas/action.js';
import type { SavedAudit } from '../../schemas/audit.js';
import type { EntryKind, EntryMeta, LedgerPage, LedgerQuery } from '../../schemas/ledger.js';
import type { RunRecord } from '../../schemas/run.js';
import { actionMetaOf, auditMetaOf, normalizeQuery, runMetaOf } from '../query.js';
import { diffLevel, diffTrees, mapLimit, type PathChange } from './diff.js';
import { classifyPath } from './layout.js';
import { head, treeOf, type CatchUpHandle, type GitLedgerState } from './ledger-state.js';
import { utf8Decode } from './platform.js';
import { findAction, findAudit, findRun, parseEvents } from './reads.js';
import type { IndexKey } from './read-index.js';
import type { Repo } from './repo.js';
import { remoteTrackingRef } from './sync.js';

// Rows handed to the index per update while catching up: lists can answer from the first
// batches while the rest streams in, and no update holds more than one batch of metadata.
const CATCH_UP_BATCH = 2000;
/** Rows in the first update of a listable catch-up: what a list shows first. */
const FIRST_BATCH = 250;
// root → audits|runs|actions → <2 hex> → <1 hex>: below this depth a subtree holds a few dozen entries.
const SHARD_DEPTH = 3;

type Changed = { path: string; oid: string; kind: EntryKind };
type Status = { indexed: number; total: number };

/** What one catch-up goes from and to. */
interface CatchUpPlan {
  /** The commit the index will reflect when done. */
  gitHead: string;
  /** The head the index reflected before (the update's compare-and-swap base). */
  base: string | null;
  /** The tree diffed from: `undefined` when the index is rebuilt from nothing. */
  from: string | undefined;
  to: string;
  reset: boolean;
  /** Names the updates of one catch-up that lands in several. */
  run: string;
}

/** The time an id carries (`YYYYMMDDHHMMSS`), or '' — only to order a catch-up newest first. */
function idTime(id: string): string {
  const m = /(\d{8})[_T](\d{6})/.exec(id);
  return m ? m[1]! + m[2]! : '';
}

/** The event types of the run whose run.json is at `path` in `tree` (for the `event` filter). */
async function eventTypesAt(repo: Repo, tree: string, path: string): Promise<{ type: string }[]> {
  const e = await repo.lookup(tree, [...path.split('/').slice(0, -1), 'events.jsonl']);
  if (e?.type !== 'blob') return [];
  try {
    return parseEvents(utf8Decode.decode(await repo.readBlob(e.oid)));
  } catch {
    return [];
  }
}

async function metaAt(repo: Repo, c: Changed, tree?: string): Promise<EntryMeta | undefined> {
  try {
    const json = JSON.parse(utf8Decode.decode(await repo.readBlob(c.oid)));
    if (c.kind === 'audit') return auditMetaOf(json as SavedAudit);
    if (c.kind === 'action') return actionMetaOf(json as ActionEntry);
    const events = tree ? await eventTypesAt(repo, tree, c.path) : [];
    return runMetaOf({ run: json, events } as RunRecord);
  } catch {
    return undefined; // unreadable entries are verify()'s business; lists skip them
  }
}

async function metasOf(repo: Repo, to: string, slice: Changed[]): Promise<EntryMeta[]> {
  const put: EntryMeta[] = [];
  await mapLimit(slice, 32, async (c) => {
    const meta = await metaAt(repo, c, to);
    if (meta) put.push(meta);
  });
  return put;
}

/** An entry removed from one layout may still exist in the other: keep it. */
async function stillRemoved(repo: Repo, to: string, remove: IndexKey[]): Promise<IndexKey[]> {
  const kept: IndexKey[] = [];
  for (const k of remove) {
    const still =
      k.kind === 'audit'
        ? await findAudit(repo, to, k.id)
        : k.kind === 'run'
          ? await findRun(repo, to, k.id)
          : await findAction(repo, to, k.id);
    if (!still) kept.push(k);
  }
  return kept;
}

/**
 * Is `a` an ancestor of `b`? Walks back from both at once, so it costs about the distance
 * between them whichever one is ahead (a walk from `b` alone would reach the root when `a` is
 * the newer one). An `a` this clone does not have is not an ancestor.
 */
async function isAncestor(repo: Repo, a: string, b: string): Promise<boolean> {
  if (a === b) return true;
  if (!(await repo.hasObject(a))) return false;
  const back = { queue: [b], seen: new Set([b]) };
  const ahead = { queue: [a], seen: new Set([a]) };
  const step = async (side: typeof back): Promise<string | undefined> => {
    const c = side.queue.shift();
    if (c === undefined) return undefined;
    for (const parent of (await repo.readCommit(c)).parents) {
      if (!side.seen.has(parent)) {
        side.seen.add(parent);
        side.queue.push(parent);
      }
    }
    return c;
  };
  while (back.queue.length || ahead.queue.length) {
    if ((await step(back)) === a) return true;
    if ((await step(ahead)) === b) return false;
  }
  return false;
}

/**
 * The tree diff of `a` → `b`, handed to `each` one bounded piece at a time: the levels above
 * `depth` are walked one subtree after another, each subtree at `depth` is diffed whole.
 */
async function diffInShards(
  repo: Repo,
  a: string | undefined,
  b: string | undefined,
  prefix: string,
  depth: number,
  each: (changes: PathChange[]) => Promise<void>,
): Promise<void> {
  if (a === b) return;
  if (depth === 0) {
    const changes = await diffTrees(repo, a, b, {}, prefix);
    if (changes.length) await each(changes);
    return;
  }
  const { blobs, subtrees } = await diffLevel(repo, a, b, prefix);
  for (const t of subtrees) await diffInShards(repo, t.before, t.after, t.prefix, depth - 1, each);
  if (blobs.length) await each(blobs);
}

/** The changed entries between the plan's trees, a piece at a time: added or changed, and removed. */
function diffEntries(
  s: GitLedgerState,
  plan: CatchUpPlan,
  each: (added: (Changed & { id: string })[], removed: IndexKey[]) => Promise<void>,
): Promise<void> {
  return diffInShards(s.repo, plan.reset ? undefined : plan.from, plan.to, '', SHARD_DEPTH, async (changes) => {
    const added: (Changed & { id: string })[] = [];
    const removed: IndexKey[] = [];
    for (const c of changes) {
      const loc = classifyPath(c.path);
      if (!loc || 'misplaced' in loc || loc.part !== 'entry') continue;
      if (c.after) added.push({ path: c.path, oid: c.after, kind: loc.kind, id: loc.id });
      else removed.push({ kind: loc.kind, id: loc.id });
    }
    await each(added, removed);
  });
}

/**
 * What the index should reflect: the branch head, or for an index shared by several instances
 * only what the remote holds (this clone's remote-tracking head), never a local commit that a
 * failed push may still take back.
 */
async function indexTarget(s: GitLedgerState): Promise<string | undefined> {
  return s.index.shared ? s.repo.readRef(remoteTrackingRef(s.branch)) : head(s);
}

/** Where a catch-up goes from and to; `undefined` when there is nothing (more) to do. */
async function planCatchUp(s: GitLedgerState): Promise<CatchUpPlan | undefined> {
  const { index } = s;
  const gitHead = await indexTarget(s);
  let indexed: string | undefined;
  try {
    indexed = await index.head();
  } catch {
    indexed = undefined;
  }
  if (indexed === gitHead && indexed !== undefined) return undefined;
  // A shared index moves only forward: when another instance already took it past this
  // clone (or this clone has fetched nothing yet), lists answer from it as it is.
  if (index.shared && (!gitHead || (indexed !== undefined && !(await isAncestor(s.repo, indexed, gitHead))))) {
    return undefined;
  }
  const base = indexed ?? null;
  if (!gitHead) {
    if (indexed !== undefined) await index.apply({ head: undefined, put: [], remove: [], reset: true, base });
    return undefined;
  }
  let from: string | undefined;
  let reset = indexed === undefined;
  if (indexed) {
    try {
      from = await treeOf(s, indexed);
    } catch {
      reset = true;
      from = undefined;
    }
  }
  const to = await treeOf(s, gitHead);
  const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  return { gitHead, base, from, to, reset, run };
}

/**
 * Nobody lists before the catch-up is done, so no order is needed: batches go to the index
 * while the trees are walked, and no list of every changed path is held (100,000 entries
 * would cost ~100 MB more at the peak).
 */
async function catchUpAsWalked(
  s: GitLedgerState,
  plan: CatchUpPlan,
  onFirstBatch: () => void,
  status: Status,
): Promise<void> {
  let pending: Changed[] = [];
  const remove: IndexKey[] = [];
  let updates = 0;
  status.indexed = 0;
  status.total = 0;
  const flush = async (last: boolean) => {
    const put = await metasOf(s.repo, plan.to, pending);
    status.indexed += pending.length;
    pending = [];
    const gone = last ? await stillRemoved(s.repo, plan.to, remove) : [];
    if (last) status.indexed += gone.length;
    const several = updates > 0 || !last;
    await s.index.apply({
      head: last ? plan.gitHead : undefined,
      put,
      remove: gone,
      reset: plan.reset && updates === 0,
      base: plan.base,
      ...(several && { run: plan.run, partial: !last }),
    });
    updates++;
    if (!last) s.progress({ op: 'index', phase: 'indexing', loaded: status.indexed, total: status.total });
    onFirstBatch();
  };
  await diffEntries(s, plan, async (added, removed) => {
    for (const { path, oid, kind } of added) pending.push({ path, oid, kind });
    remove.push(...removed);
    status.total = status.indexed + pending.length + remove.length;
    if (pending.length >= CATCH_UP_BATCH) await flush(false);
  });
  await flush(true);
  if (status.indexed > 0) s.progress({ op: 'index', phase: 'done', loaded: status.indexed, total: status.indexed });
}

/** Lists answer while this runs, so the newest entries go to the index first. */
async function catchUpNewestFirst(
  s: GitLedgerState,
  plan: CatchUpPlan,
  onFirstBatch: () => void,
  status: Status,
): Promise<void> {
  // 1. What changed: paths and object ids only (trees, no entry bodies yet).
  const added: (Changed & { time: string })[] = [];
  let remove: IndexKey[] = [];
  await diffEntries(s, plan, async (more, removed) => {
    for (const c of more) added.push({ ...c, time: idTime(c.id) });
    remove.push(...removed);
  });
  remove = await stillRemoved(s.repo, plan.to, remove);
  // 2. Newest first (ids carry their time), so the first batches are what lists show first.
  added.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
  status.total = added.length + remove.length;
  status.indexed = 0;
  // A catch-up of one batch lands whole (lists wait for it); a longer one starts with a small
  // batch, so lists have their first rows after a few hundred reads, and says so at once.
  const several = added.length > CATCH_UP_BATCH;
  if (several) s.progress({ op: 'index', phase: 'indexing', loaded: 0, total: status.total });
  // Every update but the last is `partial`: the index reads as incomplete (and is rebuilt if
  // the process stops half way) until the last one lands, which names the head it reached.
  for (let i = 0, first = true; first || i < added.length; first = false) {
    const size = first && several ? FIRST_BATCH : CATCH_UP_BATCH;
    const slice = added.slice(i, i + size);
    i += size;
    const last = i >= added.length;
    const put = await metasOf(s.repo, plan.to, slice);
    await s.index.apply({
      head: last ? plan.gitHead : undefined,
      put,
      remove: last ? remove : [],
      reset: plan.reset && first,
      base: plan.base,
      ...(several && { run: plan.run, partial: !last }),
    });
    status.indexed += slice.length + (last ? remove.length : 0);
    if (!last) s.progress({ op: 'index', phase: 'indexing', loaded: status.indexed, total: status.total });
    onFirstBatch();
  }
  if (status.total > 0) s.progress({ op: 'index', phase: 'done', loaded: status.total, total: status.total });
}

async function catchUp(s: GitLedgerState, onFirstBatch: () => void, status: Status): Promise<void> {
  const plan = await planCatchUp(s);
  if (!plan) return;
  if (s.options.listWhileIndexing) await catchUpNewestFirst(s, plan, onFirstBatch, status);
  else await catchUpAsWalked(s, plan, onFirstBatch, status);
}

/** Starts a catch-up unless one is running; resolves its handle. */
export function startCatchUp(s: GitLedgerState): CatchUpHandle {
  if (s.indexing) return s.indexing;
  let first!: () => void;
  const firstBatch = new Promise<void>((r) => {
    first = r;
  });
  const status = { indexed: 0, total: 0 };
  // A shared index that another instance moved meanwhile refused our update: it is at least as
  // new as what we had, so lists answer from it.
  const done = s.indexQueue(() =>
    catchUp(s, first, status).catch((e) => {
      if (!(s.index.shared && e instanceof ConflictError)) throw e;
    }),
  );
  const handle = {
    get indexed() {
      return status.indexed;
    },
    get total() {
      return status.total;
    },
    firstBatch,
    done,
  };
  s.indexing = handle;
  void done.then(first, first).finally(() => {
    if (s.indexing === handle) s.indexing = undefined;
  });
  return handle;
}

export async function list(s: GitLedgerState, query?: LedgerQuery): Promise<LedgerPage> {
  const q = normalizeQuery(query);
  const c = startCatchUp(s);
  // A small catch-up is waited for; a long one answers from its first batches on, and the page
  // says how far it got.
  await (s.options.listWhileIndexing ? Promise.race([c.done, c.firstBatch]) : c.done);
  if (s.indexing !== c) await c.done; // finished (or failed: the error surfaces here)
  const page = await s.index.query(q);
  return s.indexing === c && c.indexed < c.total ? { ...page, indexing: { indexed: c.indexed, total: c.total } } : page;
}

/** After our own commit: update the index directly if it was current (no tree walk needed). */
export async function indexOwnCommit(
  s: GitLedgerState,
  old: string | undefined,
  commit: string,
  put: EntryMeta[],
  remove: IndexKey[],
): Promise<void> {
  const { index } = s;
  if (index.shared) return; // not on the remote yet: the next list catches up once it is
  await s
    .indexQueue(async () => {
      let indexed: string | undefined;
      try {
        indexed = await index.head();
      } catch {
        return;
      }
      if (indexed !== old || (old === undefined && indexed === undefined && put.length === 0)) return;
      // No previous head: the branch was empty, so these rows are the whole index.
      await index.apply({ head: commit, put, remove, reset: old === undefined });
    })
    .catch(() => undefined); // the index is derived: a failure here only means the next list() catches up
}
