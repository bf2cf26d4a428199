/**
 * verify(): checks the ledger branch, re-hashing every object it reads, and reports the first
 * problem it finds. It never repairs anything.
 *
 * Where: every copy of the ledger branch in the repository — `refs/heads/<branch>` and each
 * remote-tracking `refs/remotes/<remote>/<branch>` (a fresh clone has only the latter). By default
 * only the commits added since the last verified head are checked (the same rules apply to them);
 * `{ full: true }` checks the whole history.
 *
 * Rules, for every commit (all parents of merges, not just first parents):
 * - every object reads and hashes to its name (`corrupt_object`); a tree never holds two entries
 *   of the same name (`duplicate_name`) and is in git's order (`malformed_tree`);
 * - the branch has one root: a merge with an unrelated history fails (`unrelated_history`);
 * - a commit with one parent (or the root) is an append: it only adds files; or an explicit delete
 *   (`audit: delete <id>` as first message line, removing only that audit's files and adding at
 *   most one `actions/` entry that records the delete of that audit). Anything else that changes or
 *   removes an entry is `history_edited`;
 * - a merge's tree is the union of its parents' trees: it changes nothing any parent holds, adds
 *   nothing no parent holds, and drops only audits an explicit delete removed (`history_edited`);
 * - an added entry sits where its id says and names that id (`path_mismatch`); its `sha256`
 *   equals entryHash(entry) (`hash_mismatch`; the origin's files carry none and are accepted
 *   without it, ours must); events.jsonl is one JSON object per line (`malformed_entry`);
 * - one id resolves to exactly one path: an entry added while another layout holds the same id
 *   is `duplicate_entry`;
 * - a run's events are fixed by `events_sha256` in its run.json (absent file = no events);
 *   events added to a run an earlier commit wrote are `history_edited`. Runs written before the
 *   hash existed are accepted when run.json and events.jsonl arrived in one commit (a note);
 * - the branch still contains the last verified head (`rewrite`) and is not behind it (`rollback`).
 * Notes (reported, not failures): files outside the ledger's areas (layout.ts LEDGER_AREAS), and
 * (full verify) `scp/run/*`, `scp/audit/*` tags that no entry backs or that disagree with it
 * (reads never serve tags as entries).
 */
import { canonicalJson } from '../../hash/index.js';
import { idProblem } from '../../ids.js';
import type { VerifyNote, VerifyReport } from '../types.js';
import { classifyPath, entryPaths, SIGNERS_PATH, type EntryLocation } from './layout.js';
import { decodeCommit, decodeTree, EMPTY_TREE, type CommitData, type TreeEntry } from './objects.js';
import { getCodec, utf8Decode } from './platform.js';
import { CorruptObjectError, runtimeReadFailure, type Repo } from './repo.js';
import { openCheckpoint } from './signing/checkpoint.js';
import { anchorsOf, checkSignatures, SignatureFinding, type SignaturePolicy } from './signing/policy.js';
import { parseAllowedSigners } from './signing/sshsig.js';

export interface VerifyOptions {
  /** Check the whole history (default: only the commits after the last verified head). */
  full?: boolean;
  /** `false` is the same as `full: true`; `true` is the default. */
  incremental?: boolean;
  /** Signature rules (signing/policy.ts); default the ledger's own. */
  signatures?: SignaturePolicy;
  /** Checkpoints a second party kept: the branch must still contain each one's head. */
  checkpoints?: string[];
}

export interface VerifyContext {
  repo: Repo;
  /** `refs/heads/<branch>`. */
  ref: string;
  verifiedHead: { get(): Promise<string | undefined>; set(h: string): Promise<void> };
  signatures?: SignaturePolicy | undefined;
  /** Signs the checkpoint of a successful verify, when the ledger has a signing key. */
  checkpoint?: ((state: { head: string; entries: number }) => Promise<string | undefined>) | undefined;
}

class Finding extends Error {
  constructor(
    readonly reason: string,
    message: string,
    readonly commit?: string,
    readonly entry?: string,
  ) {
    super(message);
  }
}

interface Commit extends CommitData {
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

/** Every copy of the ledger branch: the local one first, then remote-tracking ones. */
export async function ledgerRefs(repo: Repo, ref: string): Promise<{ name: string; oid: string }[]> {
  const branch = ref.replace(/^refs\/heads\//, '');
  const out: { name: string; oid: string }[] = [];
  const local = await repo.readRef(ref);
  if (local) out.push({ name: ref, oid: local });
  for (const name of await repo.listRefs('refs/remotes/')) {
    if (!name.endsWith(`/${branch}`) || name.split('/').length !== 4) continue;
    const oid = await repo.readRef(name);
    if (oid) out.push({ name, oid });
  }
  return out;
}

function isDeleteOf(message: string): string | undefined {
  const first = message.split('\n', 1)[0]!.trim();
  const m = /^audit: delete (\S+)$/.exec(first);
  return m ? m[1] : undefined;
}

function treeOrderKey(e: TreeEntry): string {
  return e.type === 'tree' ? `${e.path}/` : e.path;
}

interface Change {
  path: string;
  before?: string;
  after?: string;
}

/** One verify pass: object reads are re-hashed once each and trees checked for duplicate names. */
class Checker {
  private trees = new Map<string, TreeEntry[]>();
  private commits = new Map<string, Commit>();
  readonly notes = new Notes();
  readonly checked = { commits: 0, entries: 0 };
  /** Audit ids an explicit delete commit removed (gathered from checked commits, then lazily). */
  private deleted = new Set<string>();
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
    // isomorphic-git and our own reads take the first of two same-named entries: a second copy
    // would be invisible to reads and to a map-based diff, so it is checked here, on the raw tree.
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

  // ---- one commit --------------------------------------------------------------------------

  async check(c: Commit): Promise<void> {
    this.checked.commits++;
    if (c.parents.length > 1) return this.checkMerge(c);
    const parentTree = c.parents[0] ? (await this.commit(c.parents[0])).tree : undefined;
    const changes = (await this.diff(parentTree, c.tree, c.oid)).sort((a, b) =>
      a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
    );
    const deleting = isDeleteOf(c.message);
    if (deleting !== undefined && c.parents.length === 1) {
      // The delete's own record (who, why) may arrive in the same commit: one new action entry.
      const isRecord = (x: Change) => {
        const l = classifyPath(x.path);
        return !x.before && !!x.after && !!l && !('misplaced' in l) && l.kind === 'action';
      };
      const records = changes.filter(isRecord);
      const removes = changes.filter((x) => !isRecord(x));
      const fine =
        removes.length > 0 &&
        records.length <= 1 &&
        removes.every((x) => {
          const loc = classifyPath(x.path);
          return x.before && !x.after && loc && !('misplaced' in loc) && loc.kind === 'audit' && loc.id === deleting;
        });
      if (!fine)
        throw new Finding(
          'history_edited',
          `Commit ${c.oid} says "audit: delete ${deleting}" but changes more than that audit's file and its delete record`,
          c.oid,
          deleting,
        );
      for (const x of records) {
        const loc = classifyPath(x.path) as EntryLocation;
        await this.checkEntry(c, [{ loc, change: x }]);
        const rec = JSON.parse(await this.blobText(x.after!, c.oid, x.path, loc.id)) as {
          action?: unknown;
          targets?: { id?: unknown }[];
        };
        if (rec.action !== 'delete' || !Array.isArray(rec.targets) || !rec.targets.some((t) => t?.id === deleting)) {
          throw new Finding(
            'history_edited',
            `Commit ${c.oid} deletes ${deleting} but its action entry ${x.path} records something else`,
            c.oid,
            deleting,
          );
        }
      }
      this.deleted.add(deleting);
      return;
    }
    const added = new Map<string, { loc: EntryLocation; change: Change }[]>();
    for (const x of changes) {
      if (x.path === SIGNERS_PATH) continue; // judged by the signature rules
      const loc = classifyPath(x.path);
      if (loc === undefined) {
        this.notes.add('outside_ledger_areas', "file(s) outside the ledger's areas, not judged", x.path);
        continue;
      }
      const id = 'misplaced' in loc ? x.path : loc.id;
      if (x.before && x.after)
        throw new Finding(
          'history_edited',
          `Commit ${c.oid} changes ${x.path}, which an earlier commit wrote (entries are never edited)`,
          c.oid,
          id,
        );
      if (x.before && !x.after)
        throw new Finding(
          'history_edited',
          `Commit ${c.oid} removes ${x.path} without being a delete commit`,
          c.oid,
          id,
        );
      if ('misplaced' in loc) throw new Finding('path_mismatch', `${x.path}: ${loc.reason}`, c.oid, x.path);
      if (idProblem(loc.id))
        throw new Finding('path_mismatch', `${x.path}: "${loc.id}" is not a valid id`, c.oid, loc.id);
      const key = `${loc.kind}:${loc.id}`;
      let list = added.get(key);
      if (!list) {
        list = [];
        added.set(key, list);
      }
      list.push({ loc, change: x });
    }
    for (const files of added.values()) await this.checkEntry(c, files);
  }

  /** The files one commit added for one entry (an audit file, or a run's run.json / events.jsonl). */
  private async checkEntry(c: Commit, files: { loc: EntryLocation; change: Change }[]): Promise<void> {
    const { kind, id } = files[0]!.loc;
    const main = files.find((f) => f.loc.part === 'entry');
    const events = files.find((f) => f.loc.part === 'events');
    if (files.length > 2 || (main && events && main.loc.layout !== events.loc.layout)) {
      throw new Finding(
        'duplicate_entry',
        `Commit ${c.oid} adds ${kind} ${id} at ${files.map((f) => f.change.path).join(' and ')}`,
        c.oid,
        id,
      );
    }
    if (!main) {
      throw new Finding(
        'history_edited',
        `Commit ${c.oid} adds ${events!.change.path} to a run an earlier commit wrote (events are fixed with their run)`,
        c.oid,
        id,
      );
    }
    // One id, one path: no other layout may hold the same id in this commit's tree.
    for (const other of entryPaths(kind, id)) {
      if (other === main.change.path) continue;
      if (await this.lookup(c.tree, other, c.oid)) {
        throw new Finding(
          'duplicate_entry',
          `${kind} ${id} is at both ${main.change.path} and ${other} after commit ${c.oid} (one id must resolve to one path)`,
          c.oid,
          id,
        );
      }
    }
    const path = main.change.path;
    const text = await this.blobText(main.change.after!, c.oid, path, id);
    let entry: Record<string, unknown>;
    try {
      entry = JSON.parse(text);
    } catch {
      throw new Finding('malformed_entry', `${path} is not JSON`, c.oid, id);
    }
    if (!entry || typeof entry !== 'object' || Array.isArray(entry))
      throw new Finding('malformed_entry', `${path} is not a JSON object`, c.oid, id);
    const named = kind === 'audit' ? entry.snapshot_id : kind === 'run' ? entry.run_id : entry.action_id;
    if (named !== id)
      throw new Finding('path_mismatch', `${path} holds ${kind} "${String(named)}", not "${id}"`, c.oid, id);
    const codec = await getCodec(); // node:crypto where present: far cheaper per call than WebCrypto
    if (typeof entry.sha256 === 'string') {
      const { sha256: _stored, ...rest } = entry;
      const h = await codec.sha256Hex(canonicalJson(rest));
      if (h !== entry.sha256)
        throw new Finding(
          'hash_mismatch',
          `${path}: content does not match its sha256 (stored ${entry.sha256}, computed ${h})`,
          c.oid,
          id,
        );
    } else if (main.loc.layout === 'sharded') {
      throw new Finding('hash_mismatch', `${path} carries no sha256`, c.oid, id);
    }
    this.checked.entries++;
    if (kind !== 'run') return;
    const eventsText = events ? await this.blobText(events.change.after!, c.oid, events.change.path, id) : '';
    if (events) {
      for (const [i, line] of eventsText.split('\n').entries()) {
        if (line.trim() === '') continue;
        let ev: unknown;
        try {
          ev = JSON.parse(line);
        } catch {
          ev = undefined;
        }
        if (!ev || typeof ev !== 'object' || Array.isArray(ev))
          throw new Finding('malformed_entry', `${events.change.path} line ${i + 1} is not a JSON object`, c.oid, id);
      }
      this.checked.entries++;
    }
    if (typeof entry.events_sha256 === 'string') {
      const h = await codec.sha256Hex(eventsText);
      if (h !== entry.events_sha256) {
        throw new Finding(
          'hash_mismatch',
          `The events of run ${id} do not match the events_sha256 in its run.json${events ? '' : ' (the run was written without events)'}`,
          c.oid,
          id,
        );
      }
    } else {
      this.notes.add(
        'legacy_run_events',
        'run(s) written before events were hashed (accepted: their events arrived with run.json)',
        id,
      );
    }
  }

  /** A merge's tree must be the union of its parents' trees (less audits explicitly deleted). */
  private async checkMerge(c: Commit): Promise<void> {
    const parents = await Promise.all(c.parents.map((p) => this.commit(p)));
    for (const [i, p] of parents.entries()) {
      for (const x of await this.diff(p.tree, c.tree, c.oid)) {
        if (x.path === SIGNERS_PATH) continue;
        const loc = classifyPath(x.path);
        if (loc === undefined) continue; // outside the ledger's areas: not judged (noted where added)
        const id = 'misplaced' in loc ? x.path : loc.id;
        if (x.before && x.after)
          throw new Finding('history_edited', `Merge ${c.oid} changes ${x.path} from its parent ${p.oid}`, c.oid, id);
        if (x.before) {
          const explained = !('misplaced' in loc) && loc.kind === 'audit' && (await this.wasDeleted(loc.id, c.oid));
          if (!explained)
            throw new Finding(
              'history_edited',
              `Merge ${c.oid} drops ${x.path}, which its parent ${p.oid} holds (a merge is the union of its parents)`,
              c.oid,
              id,
            );
          continue;
        }
        let inOther = false;
        for (const [j, q] of parents.entries()) {
          if (j === i) continue;
          const e = await this.lookup(q.tree, x.path, c.oid);
          if (e && e.oid === x.after) {
            inOther = true;
            break;
          }
        }
        if (!inOther)
          throw new Finding(
            'history_edited',
            `Merge ${c.oid} adds ${x.path}, which none of its parents holds (a merge is the union of its parents)`,
            c.oid,
            id,
          );
      }
    }
  }
}

// ---- walking the history ---------------------------------------------------------------------

/**
 * Commits reachable from `tips` but not from `covered`, the way git finds a merge base: newest
 * committer time first, painting what `covered` reaches. Clock skew only makes it return more
 * commits than needed (checked twice), never fewer.
 */
async function uniqueCommits(
  ck: Checker,
  tips: string[],
  covered: string[],
): Promise<{ unique: Set<string>; reachedCovered: Set<string> }> {
  const TIP = 1;
  const COVERED = 2;
  const flags = new Map<string, number>();
  const queue: { oid: string; time: number }[] = [];
  const push = async (oid: string, f: number) => {
    const old = flags.get(oid) ?? 0;
    if ((old | f) === old) return;
    flags.set(oid, old | f);
    const c = await ck.commit(oid);
    queue.push({ oid, time: c.committer.timestamp });
  };
  for (const t of tips) await push(t, TIP);
  for (const t of covered) await push(t, COVERED);
  const interesting = () => queue.some((q) => flags.get(q.oid) === TIP);
  while (queue.length && interesting()) {
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i]!.time > queue[best]!.time) best = i;
    const { oid } = queue.splice(best, 1)[0]!;
    const f = flags.get(oid)!;
    const c = await ck.commit(oid);
    for (const p of c.parents) await push(p, f);
  }
  const unique = new Set<string>();
  const reachedCovered = new Set<string>();
  for (const [oid, f] of flags) {
    if (f === TIP) unique.add(oid);
    if (f === (TIP | COVERED)) reachedCovered.add(oid);
  }
  // Commits still queued as TIP-only when the walk ended are ancestors no covered commit reaches.
  return { unique, reachedCovered };
}

/** Every commit reachable from `tips`, not going past `stop` (a linear-time walk). */
async function allCommits(ck: Checker, tips: string[], stop: Set<string> = new Set()): Promise<Set<string>> {
  const seen = new Set<string>();
  const stack = tips.filter((t) => !stop.has(t));
  while (stack.length) {
    const oid = stack.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    for (const p of (await ck.commit(oid)).parents) if (!seen.has(p) && !stop.has(p)) stack.push(p);
  }
  return seen;
}

/** `set` in an order where parents come before children. */
async function parentsFirst(ck: Checker, set: Set<string>): Promise<Commit[]> {
  const out: Commit[] = [];
  const placed = new Set<string>();
  for (const start of set) {
    if (placed.has(start)) continue;
    const stack: { oid: string; expanded: boolean }[] = [{ oid: start, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.expanded) {
        stack.pop();
        if (!placed.has(top.oid)) {
          placed.add(top.oid);
          out.push(await ck.commit(top.oid));
        }
        continue;
      }
      top.expanded = true;
      if (placed.has(top.oid)) {
        stack.pop();
        continue;
      }
      for (const p of (await ck.commit(top.oid)).parents)
        if (set.has(p) && !placed.has(p)) stack.push({ oid: p, expanded: false });
    }
  }
  return out;
}

async function checkTags(ck: Checker, repo: Repo, tree: string, head: string): Promise<void> {
  for (const [kind, prefix] of [
    ['run', 'refs/tags/scp/run/'],
    ['audit', 'refs/tags/scp/audit/'],
  ] as const) {
    for (const name of await repo.listRefs(prefix)) {
      const id = name.slice(prefix.length);
      let present: TreeEntry | undefined;
      for (const p of entryPaths(kind, id)) if (!present) present = await ck.lookup(tree, p, head);
      if (!present) {
        const deleted = kind === 'audit' && (await ck.wasDeleted(id, head));
        ck.notes.add(
          deleted ? 'tag_of_deleted_entry' : 'unbacked_tag',
          deleted ? 'tag(s) of deleted audits' : 'tag(s) no ledger entry backs (never served as entries)',
          name,
        );
        continue;
      }
      let msg: Record<string, unknown> | undefined;
      try {
        const oid = await repo.readRef(name);
        const tag = oid ? await repo.readTag(oid) : undefined;
        msg = tag ? JSON.parse(tag.message.trim()) : undefined;
      } catch {
        msg = undefined;
      }
      let entry: Record<string, unknown> | undefined;
      try {
        entry = JSON.parse(await ck.blobText(present.oid, head, name, id));
      } catch {
        entry = undefined;
      }
      const fields =
        kind === 'run'
          ? ['run_id', 'status', 'started_at', 'summary']
          : ['snapshot_id', 'card_key', 'status', 'iso', 'summary'];
      const agrees = msg && entry && fields.every((f) => msg![f] === undefined || msg![f] === entry![f]);
      if (!agrees)
        ck.notes.add('tag_mismatch', 'tag(s) that disagree with their ledger entry (reads use the entry)', name);
    }
  }
}

export async function verifyLedger(ctx: VerifyContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { repo } = ctx;
  const ck = new Checker(repo);
  await ck.loadShallow();
  const full = options.full === true || options.incremental === false;
  let head: string | undefined;
  let signatures: number | undefined;
  const refs = await ledgerRefs(repo, ctx.ref);
  const base = () => ({
    checked: { ...ck.checked, ...(signatures !== undefined && { signatures }) },
    refs: refs.map((r) => r.name),
    incremental: !full,
  });
  try {
    const last = await ctx.verifiedHead.get();
    if (refs.length === 0) {
      if (last)
        return {
          ok: false,
          reason: 'rollback',
          message: `The ledger branch is gone; it was last verified at ${last}`,
          commit: last,
          ...base(),
        };
      return { ok: true, ...base() };
    }
    // The local branch is the one the verified mark follows; a fresh clone has only a remote copy.
    head = refs[0]!.oid;
    const lastKnown = last && (await repo.hasObject(last)) ? last : undefined;
    let toCheck: Set<string>;
    if (last && last !== head) {
      const { reachedCovered } = await uniqueCommits(ck, [head], lastKnown ? [lastKnown] : []);
      if (!lastKnown || !reachedCovered.has(lastKnown)) {
        const behind = lastKnown ? (await allCommits(ck, [lastKnown])).has(head) : false;
        return behind
          ? {
              ok: false,
              reason: 'rollback',
              message: `The ledger branch is behind the last verified head ${last}: entries were taken away`,
              commit: last,
              head,
              ...base(),
            }
          : {
              ok: false,
              reason: 'rewrite',
              message: `The ledger branch no longer contains the last verified head ${last}: its history was rewritten`,
              commit: last,
              head,
              ...base(),
            };
      }
    }
    const tips = [...new Set(refs.map((r) => r.oid))];
    if (full || !lastKnown) {
      toCheck = await allCommits(ck, tips);
    } else {
      toCheck = new Set();
      // Everything the last verified head reaches was checked before; each copy of the branch
      // contributes what it adds beyond that.
      for (const t of tips) for (const oid of (await uniqueCommits(ck, [t], [lastKnown])).unique) toCheck.add(oid);
    }
    const order = await parentsFirst(ck, toCheck);
    const roots = order.filter((c) => c.parents.length === 0 && !ck.shallow.has(c.oid));
    if (roots.length > (full || !lastKnown ? 1 : 0)) {
      const extra = roots[roots.length - 1]!;
      throw new Finding(
        'unrelated_history',
        `The ledger branch joins unrelated histories (root commits ${roots.map((r) => r.oid.slice(0, 12)).join(', ')}): a ledger has one beginning`,
        extra.oid,
      );
    }
    for (const c of order) await ck.check(c);
    const headCommit = await ck.commit(head);
    const policy = options.signatures ?? ctx.signatures;
    if (policy) {
      try {
        signatures = await checkSignatures(
          {
            readCommit: (oid) => ck.commit(oid),
            lookup: (tree, path) => ck.lookup(tree, path, head!),
            blobText: (oid) => ck.blobText(oid, head!, SIGNERS_PATH, SIGNERS_PATH),
          },
          order,
          head,
          policy,
        );
      } catch (e) {
        if (e instanceof SignatureFinding) throw new Finding(e.reason, e.message, e.commit);
        throw e;
      }
    }
    for (const text of options.checkpoints ?? []) await checkCheckpoint(ck, text, head, headCommit.tree, policy);
    if (full) await checkTags(ck, repo, headCommit.tree, head);
    if (ck.reachedShallow.size) {
      // What is here verified; what lies below the boundary was never fetched, so it is unchecked
      // and the verified mark does not move.
      const below = [...ck.reachedShallow];
      return {
        ok: true,
        head,
        ...base(),
        shallow: below,
        message: `history is shallow below ${below.join(', ')}; fetch with --unshallow to verify all of it`,
      };
    }
    await ctx.verifiedHead.set(head);
    const notes = ck.notes.list();
    const checkpoint = ctx.checkpoint
      ? await ctx.checkpoint({ head, entries: await countEntries(ck, headCommit.tree, head) })
      : undefined;
    return { ok: true, head, ...base(), ...(notes.length && { notes }), ...(checkpoint && { checkpoint }) };
  } catch (e) {
    if (e instanceof Finding) {
      const notes = ck.notes.list();
      return {
        ok: false,
        reason: e.reason,
        message: e.message,
        ...base(),
        ...(e.commit && { commit: e.commit }),
        ...(e.entry && { entry: e.entry }),
        ...(head && { head }),
        ...(notes.length && { notes }),
      };
    }
    if (e instanceof CorruptObjectError)
      return {
        ok: false,
        reason: 'corrupt_object',
        message: e.message,
        commit: e.oid,
        ...base(),
        ...(head && { head }),
      };
    throw e;
  }
}

/** A kept checkpoint: signed by a trusted or enrolled key, and its head still in the branch. */
async function checkCheckpoint(
  ck: Checker,
  text: string,
  head: string,
  tree: string,
  policy: SignaturePolicy | undefined,
): Promise<void> {
  let opened: Awaited<ReturnType<typeof openCheckpoint>>;
  try {
    opened = await openCheckpoint(text);
  } catch (e) {
    throw new Finding('bad_checkpoint', `A kept checkpoint does not verify: ${(e as Error).message}`);
  }
  const keys = policy ? anchorsOf(policy) : new Set<string>();
  const signers = await ck.lookup(tree, SIGNERS_PATH, head);
  if (signers)
    for (const k of parseAllowedSigners(await ck.blobText(signers.oid, head, SIGNERS_PATH, SIGNERS_PATH)).keys())
      keys.add(k);
  if (!keys.has(opened.key))
    throw new Finding(
      'bad_checkpoint',
      `A kept checkpoint is signed by a key that is neither pinned nor in allowed_signers (${opened.key.slice(0, 40)}...)`,
    );
  const cp = opened.body.head;
  if (cp === head) return;
  const { reachedCovered } = await uniqueCommits(ck, [head], (await ck.repo.hasObject(cp)) ? [cp] : []);
  if (reachedCovered.has(cp)) return;
  const behind = (await ck.repo.hasObject(cp)) && (await allCommits(ck, [cp])).has(head);
  throw behind
    ? new Finding(
        'rollback',
        `The ledger branch is behind a kept checkpoint (head ${cp}, ${opened.body.entries} entries at ${opened.body.time})`,
        cp,
      )
    : new Finding(
        'split_view',
        `The ledger branch does not contain the head of a kept checkpoint (${cp} at ${opened.body.time}): this copy and the one the checkpoint saw have split`,
        cp,
      );
}

/** Entries under the ledger's areas in `tree` (audit files and run directories). */
export async function countEntries(ck: Checker, tree: string, commit: string): Promise<number> {
  let n = 0;
  const walk = async (oid: string, prefix: string): Promise<void> => {
    const entries = await ck.tree(oid, commit);
    await Promise.all(
      entries.map(async (e) => {
        const path = `${prefix}${e.path}`;
        if (e.type === 'tree') return walk(e.oid, `${path}/`);
        const loc = classifyPath(path);
        if (loc && !('misplaced' in loc) && loc.part === 'entry') n++;
      }),
    );
  };
  await walk(tree, '');
  return n;
}

export type { Checker };
