/**
 * The commit-and-swap loop every write goes through: build one commit on the branch head, ship
 * its objects as one pack, and move the branch by a compare-and-swap of its ref; when another
 * writer moved it first, build again on the new head (entries are append-only, so that always
 * works) until a bounded time runs out.
 */
import { ConflictError, LedgerWriteError, ScpError } from '../../errors/index.js';
import { commitObject, head, person, treeOf, typedFsError, type GitLedgerState } from './ledger-state.js';
import { EMPTY_TREE, hashObject, type RawObject } from './objects.js';

/**
 * How long a write keeps retrying a moved branch or a ref lock held by a live writer in another
 * process (many CI jobs recording into one repository), with jittered backoff up to the cap.
 */
const WRITE_RETRY_MS = 30_000;
const RETRY_BACKOFF_CAP_MS = 250;

/** Objects and refs written along with a commit (the origin's tags). */
export interface CommitExtras {
  objects: RawObject[];
  refs: [string, string][];
}

export interface CommitSpec {
  /** Path → blob id, or `null` to remove the path. */
  changes: Map<string, string | null>;
  /** The new blobs the changes name. */
  blobs: RawObject[];
  message: string;
  actor: string | undefined;
  /**
   * Re-run against each base tree: throws when the write cannot go on that base, or returns the
   * paths that already hold exactly what this write would put there.
   */
  check?: (tree: string) => Promise<Set<string> | void>;
  /** More objects and refs that go with the commit. */
  extra?: (commit: string) => Promise<CommitExtras>;
}

export interface Commit {
  old: string | undefined;
  commit: string;
}

interface Built {
  tree: string;
  commit: RawObject;
  objects: RawObject[];
  refs: [string, string][];
}

/**
 * Build one commit on the current head from `changes` and publish it. If the branch moves
 * between reading it and swapping it, the commit is rebuilt on the new head; `check` re-runs
 * against each base.
 */
export async function commitChanges(s: GitLedgerState, spec: CommitSpec): Promise<Commit> {
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const old = await head(s);
    const built = await buildCommit(s, old, spec);
    if (!built) return { old, commit: old! };
    await s.repo.writePack(built.objects);
    await s.options.beforeRefUpdate?.();
    try {
      await s.repo.casRef(s.ref, old, built.commit.oid);
    } catch (e) {
      // Another writer (another process: the in-process lock only serializes this one) moved
      // the branch or holds its ref lock: rebuild on the new head and try again, with jittered
      // backoff, for a bounded time.
      if (await waitToRetry(s, e, attempt, started)) continue;
      throw e;
    }
    s.commitTrees.set(built.commit.oid, built.tree);
    for (const [name, value] of built.refs) {
      try {
        await s.repo.setRef(name, value);
      } catch {
        /* tags are a convenience copy; the commit holds the entry */
      }
    }
    return { old, commit: built.commit.oid };
  }
}

/** The objects of one commit on `old`; `undefined` when the write has landed before. */
async function buildCommit(s: GitLedgerState, old: string | undefined, spec: CommitSpec): Promise<Built | undefined> {
  let parent = old;
  let base: string = EMPTY_TREE;
  const init: RawObject[] = [];
  if (!old) {
    // The origin's branches start with an empty-tree `ledger: init` commit.
    const initCommit = await commitObject(s, {
      tree: EMPTY_TREE,
      parents: [],
      author: person(s),
      committer: person(s),
      message: 'ledger: init\n',
    });
    init.push(await hashObject('tree', new Uint8Array(0)), initCommit);
    parent = initCommit.oid;
  } else {
    base = await treeOf(s, old);
  }
  // Paths already holding exactly what this write would put there (a save retried after a
  // crash) are left out; when nothing is left the write has landed before.
  const same = (await spec.check?.(base)) ?? new Set<string>();
  const effective = new Map([...spec.changes].filter(([path]) => !same.has(path)));
  if (old && effective.size === 0) return undefined;
  const wanted = new Set(effective.values());
  const objects: RawObject[] = [...spec.blobs.filter((b) => wanted.has(b.oid)), ...init];
  const tree = await s.repo.editTree(base, effective, objects);
  const who = person(s, spec.actor);
  const commit = await commitObject(s, {
    tree,
    parents: parent ? [parent] : [],
    author: who,
    committer: who,
    message: spec.message,
  });
  objects.push(commit);
  const more = (await spec.extra?.(commit.oid)) ?? { objects: [], refs: [] };
  objects.push(...more.objects);
  return { tree, commit, objects, refs: more.refs };
}

/** For a lost compare-and-swap within the time bound: tells `onRetry`, waits, and says to try again. */
async function waitToRetry(s: GitLedgerState, e: unknown, attempt: number, started: number): Promise<boolean> {
  if (!(e instanceof ConflictError && Date.now() - started < WRITE_RETRY_MS)) return false;
  const wait = Math.min(RETRY_BACKOFF_CAP_MS, 5 * 2 ** Math.min(attempt, 6));
  try {
    s.options.onRetry?.({
      attempt: attempt + 1,
      waitedMs: Date.now() - started,
      reason: String((e.data as { reason?: unknown }).reason ?? 'moved'),
      message: e.message,
    });
  } catch {
    /* a reporter must not stop the save */
  }
  await new Promise((r) => setTimeout(r, wait / 2 + Math.random() * wait));
  return true;
}

/** A failed write as the caller sees it: a typed error, or `LedgerWriteError` naming the ids. */
export function asWriteError(s: GitLedgerState, e: unknown, ids: string[]): never {
  e = typedFsError(e, s.gitdir);
  if (e instanceof ScpError) throw e;
  throw new LedgerWriteError(
    `The ledger write did not land (${(e as Error)?.message ?? String(e)}); nothing was changed`,
    { data: { ids }, cause: e },
  );
}
