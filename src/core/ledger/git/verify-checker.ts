/** One verify pass's reads: every object re-hashed once, trees checked against git's rules for names. */
import { CorruptObjectError, runtimeReadFailure, type Repo } from './repo.js';
import { decodeCommit, decodeTree, EMPTY_TREE, type CommitData, type TreeEntry } from './objects.js';
import { utf8Decode } from './platform.js';
import type { VerifyNote } from '../types.js';

/** A rule broken: what verify() reports (its first one). */
export class Finding extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly commit?: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

export interface Commit extends CommitData {
  oid: string;
  raw: Uint8Array;
}

/** Notes gathered along the way: a count and the first few examples per reason. */
class Notes {
  private byReason = new Map<string, { count: number; examples: string[]; what: string }>();
  add(reason: string, what: string, example: string): void {
    let n = this.byReason.get(reason);
    if (!n) {
      n = { count: 0, examples: [], what };
      this.byReason.set(reason, n);
    }
    n.count++;
    if (n.examples.length < 3) n.examples.push(example);
  }
  list(): VerifyNote[] {
    return [...this.byReason].map(([reason, n]) => ({
      reason,
      count: n.count,
      message: `${n.count} ${n.what}: ${n.examples.join(', ')}${n.count > n.examples.length ? ', ...' : ''}`,
    }));
  }
}

export function isDeleteOf(message: string): string | undefined {
  const first = message.split('\n', 1)[0]!.trim();
  const m = /^audit: delete (\S+)$/.exec(first);
  return m ? m[1] : undefined;
}

function treeOrderKey(e: TreeEntry): string {
  return e.type === 'tree' ? `${e.path}/` : e.path;
}

export interface Change {
  path: string;
  before?: string;
  after?: string;
}

/** One verify pass: object reads are re-hashed once each and trees checked for duplicate names. */
export class Checker {
  private trees = new Map<string, TreeEntry[]>();
  private commits = new Map<string, Commit>();
  readonly notes = new Notes();
  readonly checked = { commits: 0, entries: 0 };
  /** Audit ids an explicit delete commit removed (gathered from checked commits, then lazily). */
  readonly deleted = new Set<string>();
  private deletedFromHistory: Promise<Set<string>> | undefined;

  /** A shallow clone's boundary commits (`<gitdir>/shallow`): their parents were not fetched. */
  shallow = new Set<string>();
  /** Boundary commits this pass reached (history below them was not checked). */
  readonly reachedShallow = new Set<string>();

  constructor(readonly repo: Repo) {}

  async loadShallow(): Promise<void> {
    try {
      const text = String(await this.repo.p.readFile(`${this.repo.gitdir}/shallow`, 'utf8'));
      this.shallow = new Set(
        text
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => /^[0-9a-f]{40}$/.test(l)),
      );
    } catch {
      /* not a shallow clone */
    }
  }

  async commit(oid: string): Promise<Commit> {
    let c = this.commits.get(oid);
    if (c) return c;
    let o: { type: string; content: Uint8Array };
    try {
      o = await this.repo.readVerified(oid);
    } catch (e) {
      throw (
        runtimeReadFailure(e, oid) ??
        new Finding('corrupt_object', `Commit ${oid} is missing or corrupt: ${(e as Error).message}`, oid)
      );
    }
    if (o.type !== 'commit')
      throw new Finding('corrupt_object', `Object ${oid} is a ${o.type}, expected a commit`, oid);
    try {
      c = { ...decodeCommit(o.content), oid, raw: o.content };
    } catch (e) {
      throw new Finding('corrupt_object', `Commit ${oid} is malformed: ${(e as Error).message}`, oid);
    }
    // At a shallow boundary the history stops: the commit is checked as if it began the branch.
    if (this.shallow.has(oid)) {
      this.reachedShallow.add(oid);
      c = { ...c, parents: [] };
    }
    this.commits.set(oid, c);
    return c;
  }

  /** A tree, re-hashed, with git's rules for names checked on the raw object. */
  async tree(oid: string | undefined, commit: string): Promise<TreeEntry[]> {
    if (!oid || oid === EMPTY_TREE) return [];
    const hit = this.trees.get(oid);
    if (hit) return hit;
    let o: { type: string; content: Uint8Array };
    try {
      o = await this.repo.readVerified(oid);
    } catch (e) {
      const bad = e instanceof CorruptObjectError ? e.oid : oid;
      throw (
        runtimeReadFailure(e, bad) ??
        new Finding(
          'corrupt_object',
          `A tree of commit ${commit} is missing or corrupt (${bad}): ${(e as Error).message}`,
          commit,
        )
      );
    }
    if (o.type !== 'tree')
      throw new Finding('corrupt_object', `Object ${oid} in commit ${commit} is a ${o.type}, expected a tree`, commit);
    let entries: TreeEntry[];
    try {
      entries = decodeTree(o.content);
    } catch {
      throw new Finding('corrupt_object', `Tree ${oid} in commit ${commit} is malformed`, commit);
    }
    checkTreeNames(oid, commit, entries);
    if (this.trees.size > 50_000) this.trees.clear();
    this.trees.set(oid, entries);
    return entries;
  }

  async lookup(tree: string, path: string, commit: string): Promise<TreeEntry | undefined> {
    let cur: TreeEntry | undefined = { mode: '40000', path: '', oid: tree, type: 'tree' };
    for (const seg of path.split('/')) {
      if (cur?.type !== 'tree') return undefined;
      cur = (await this.tree(cur.oid, commit)).find((e) => e.path === seg);
    }
    return cur;
  }

  /** Blob-level differences from tree `a` to tree `b`; identical subtrees are not read. */
  async diff(a: string | undefined, b: string | undefined, commit: string, prefix = ''): Promise<Change[]> {
    if (a === b) return [];
    const [ea, eb] = await Promise.all([this.tree(a, commit), this.tree(b, commit)]);
    const ma = new Map(ea.map((e) => [e.path, e]));
    const out: Change[] = [];
    const subtrees: Promise<Change[]>[] = [];
    const seen = new Set<string>();
    const visit = (x: TreeEntry | undefined, y: TreeEntry | undefined, name: string) => {
      if (x && y && x.oid === y.oid && x.type === y.type) return;
      const path = `${prefix}${name}`;
      const xt = x?.type === 'tree' ? x.oid : undefined;
      const yt = y?.type === 'tree' ? y.oid : undefined;
      if (xt || yt) subtrees.push(this.diff(xt, yt, commit, `${path}/`));
      const xb = x && x.type !== 'tree' ? x.oid : undefined;
      const yb = y && y.type !== 'tree' ? y.oid : undefined;
      if (xb !== undefined || yb !== undefined)
        out.push({ path, ...(xb !== undefined && { before: xb }), ...(yb !== undefined && { after: yb }) });
    };
    for (const y of eb) {
      seen.add(y.path);
      visit(ma.get(y.path), y, y.path);
    }
    for (const x of ea) if (!seen.has(x.path)) visit(x, undefined, x.path);
    for (const list of await Promise.all(subtrees)) out.push(...list);
    return out;
  }

  async blobText(oid: string, commit: string, path: string, id: string): Promise<string> {
    try {
      const o = await this.repo.readVerified(oid);
      if (o.type !== 'blob') throw new Error(`it is a ${o.type}`);
      return utf8Decode.decode(o.content);
    } catch (e) {
      throw (
        runtimeReadFailure(e, oid) ??
        new Finding('corrupt_object', `${path} (${oid}) is missing or corrupt: ${(e as Error).message}`, commit, id)
      );
    }
  }

  /** Audit ids removed by explicit delete commits anywhere before `tip` (read once, on demand). */
  async wasDeleted(id: string, tip: string): Promise<boolean> {
    if (this.deleted.has(id)) return true;
    this.deletedFromHistory ??= (async () => {
      const ids = new Set<string>();
      const seen = new Set<string>();
      const stack = [tip];
      while (stack.length) {
        const oid = stack.pop()!;
        if (seen.has(oid)) continue;
        seen.add(oid);
        const c = await this.commit(oid);
        const d = isDeleteOf(c.message);
        if (d && c.parents.length === 1) ids.add(d);
        stack.push(...c.parents);
      }
      return ids;
    })();
    return (await this.deletedFromHistory).has(id);
  }
}

/**
 * isomorphic-git and our own reads take the first of two same-named entries: a second copy would
 * be invisible to reads and to a map-based diff, so it is checked here, on the raw tree.
 */
function checkTreeNames(oid: string, commit: string, entries: TreeEntry[]): void {
  const names = new Set<string>();
  let prev = '';
  for (const e of entries) {
    if (names.has(e.path))
      throw new Finding(
        'duplicate_name',
        `Tree ${oid} in commit ${commit} holds two entries named "${e.path}"`,
        commit,
        e.path,
      );
    names.add(e.path);
    const key = treeOrderKey(e);
    if (key <= prev)
      throw new Finding(
        'malformed_tree',
        `Tree ${oid} in commit ${commit} is not in git's order at "${e.path}"`,
        commit,
        e.path,
      );
    prev = key;
    if (e.path === '' || e.path === '.' || e.path === '..' || e.path.includes('/')) {
      throw new Finding(
        'malformed_tree',
        `Tree ${oid} in commit ${commit} holds an entry named "${e.path}"`,
        commit,
        e.path,
      );
    }
  }
}
