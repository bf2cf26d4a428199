/**
 * verify(): re-reads the whole branch history, re-hashing every object it touches, and reports
 * the first problem it finds. It never repairs anything.
 *
 * Rules, checked commit by commit (oldest first) on the difference to the first parent:
 * - every object reads and hashes to its name (`corrupt_object`);
 * - an entry file sits where its id says and names that id (`path_mismatch`);
 * - an entry's `sha256` equals entryHash(entry) (`hash_mismatch`; the origin's own files have none
 *   and are accepted without it, ours must carry it); events.jsonl is one JSON object per line
 *   (`malformed_entry`);
 * - an entry file is never changed, and never removed except by a delete commit
 *   (`history_edited`). A delete commit is one whose first message line is
 *   `audit: delete <id>` and whose only changes remove that audit's file(s) and add at most one
 *   action entry (`actions/`) recording the delete of that audit.
 * - the branch still contains the last verified head (`rewrite`), and is not behind it (`rollback`).
 * Paths outside the ledger's areas (the origin keeps e.g. chat data on the branch) are not judged.
 */
import { entryHash } from '../../hash/index.js';
import { idProblem } from '../../ids.js';
import type { VerifyReport } from '../types.js';
import { diffTrees, type PathChange } from './diff.js';
import { classifyPath } from './layout.js';
import type { CommitData } from './objects.js';
import { utf8Decode } from './platform.js';
import { CorruptObjectError, type Repo } from './repo.js';

export interface VerifyOptions {
  /**
   * Check only the commits added since the last verified head (the whole history when there is
   * none). Descent from that head is still checked; objects of older commits are not re-read.
   */
  incremental?: boolean;
}

export interface VerifyContext {
  repo: Repo;
  ref: string;
  verifiedHead: { get(): Promise<string | undefined>; set(h: string): Promise<void> };
}

class Finding extends Error {
  constructor(readonly reason: string, message: string, readonly commit?: string, readonly entry?: string) { super(message); }
}

/** Commits reachable from `head`, oldest first (parents before children). */
async function history(repo: Repo, head: string): Promise<{ order: string[]; commits: Map<string, CommitData> }> {
  const commits = new Map<string, CommitData>();
  const order: string[] = [];
  const placed = new Set<string>();
  const stack: { oid: string; expanded: boolean }[] = [{ oid: head, expanded: false }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    if (top.expanded) {
      stack.pop();
      if (!placed.has(top.oid)) { placed.add(top.oid); order.push(top.oid); }
      continue;
    }
    top.expanded = true;
    if (commits.has(top.oid)) { stack.pop(); continue; }
    let c: CommitData;
    try {
      c = await repo.readCommit(top.oid, true);
    } catch (e) {
      throw new Finding('corrupt_object', `Commit ${top.oid} is missing or corrupt: ${(e as Error).message}`, top.oid);
    }
    commits.set(top.oid, c);
    for (const p of [...c.parents].reverse()) if (!commits.has(p)) stack.push({ oid: p, expanded: false });
  }
  return { order, commits };
}

function isDeleteOf(message: string): string | undefined {
  const first = message.split('\n', 1)[0]!.trim();
  const m = /^audit: delete (\S+)$/.exec(first);
  return m ? m[1] : undefined;
}

async function checkAdded(repo: Repo, commit: string, c: PathChange): Promise<boolean> {
  const loc = classifyPath(c.path);
  if (loc === undefined) return false;
  if ('misplaced' in loc) throw new Finding('path_mismatch', `${c.path}: ${loc.reason}`, commit, c.path);
  if (idProblem(loc.id)) throw new Finding('path_mismatch', `${c.path}: "${loc.id}" is not a valid id`, commit, loc.id);
  let bytes: Uint8Array;
  try {
    bytes = await repo.readBlob(c.after!, true);
  } catch (e) {
    throw new Finding('corrupt_object', `${c.path} (${c.after}) is missing or corrupt: ${(e as Error).message}`, commit, loc.id);
  }
  const text = utf8Decode.decode(bytes);
  if (loc.part === 'events') {
    for (const [i, line] of text.split('\n').entries()) {
      if (line.trim() === '') continue;
      let ev: unknown;
      try { ev = JSON.parse(line); } catch { ev = undefined; }
      if (!ev || typeof ev !== 'object' || Array.isArray(ev)) throw new Finding('malformed_entry', `${c.path} line ${i + 1} is not a JSON object`, commit, loc.id);
    }
    return true;
  }
  let entry: Record<string, unknown>;
  try { entry = JSON.parse(text); } catch { throw new Finding('malformed_entry', `${c.path} is not JSON`, commit, loc.id); }
  if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new Finding('malformed_entry', `${c.path} is not a JSON object`, commit, loc.id);
  const named = loc.kind === 'audit' ? entry.snapshot_id : loc.kind === 'run' ? entry.run_id : entry.action_id;
  if (named !== loc.id) throw new Finding('path_mismatch', `${c.path} holds ${loc.kind} "${String(named)}", not "${loc.id}"`, commit, loc.id);
  if (typeof entry.sha256 === 'string') {
    const h = await entryHash(entry);
    if (h !== entry.sha256) throw new Finding('hash_mismatch', `${c.path}: content does not match its sha256 (stored ${entry.sha256}, computed ${h})`, commit, loc.id);
  } else if (loc.layout === 'sharded') {
    throw new Finding('hash_mismatch', `${c.path} carries no sha256`, commit, loc.id);
  }
  return true;
}

export async function verifyLedger(ctx: VerifyContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { repo } = ctx;
  const checked = { commits: 0, entries: 0 };
  let head: string | undefined;
  try {
    head = await repo.readRef(ctx.ref);
    const last = await ctx.verifiedHead.get();
    if (!head) {
      if (last) return { ok: false, reason: 'rollback', message: `The ledger branch is gone; it was last verified at ${last}`, commit: last, checked };
      return { ok: true, checked };
    }
    const { order, commits } = await history(repo, head);
    if (last && last !== head && !commits.has(last)) {
      // Either the branch went back (last verified is a descendant of head) or it was rewritten.
      let rolledBack = false;
      try {
        const theirs = await history(repo, last);
        rolledBack = theirs.commits.has(head);
      } catch { rolledBack = false; }
      return rolledBack
        ? { ok: false, reason: 'rollback', message: `The ledger branch is behind the last verified head ${last}: entries were taken away`, commit: last, head, checked }
        : { ok: false, reason: 'rewrite', message: `The ledger branch no longer contains the last verified head ${last}: its history was rewritten`, commit: last, head, checked };
    }
    const skip = options.incremental && last && commits.has(last) ? new Set((await history(repo, last)).commits.keys()) : new Set<string>();
    for (const oid of order) {
      if (skip.has(oid)) continue;
      const c = commits.get(oid)!;
      checked.commits++;
      let before: string | undefined;
      if (c.parents[0]) before = commits.get(c.parents[0])!.tree;
      let changes: PathChange[];
      try {
        changes = await diffTrees(repo, before, c.tree, { verified: true });
      } catch (e) {
        const bad = e instanceof CorruptObjectError ? e.oid : undefined;
        throw new Finding('corrupt_object', `A tree of commit ${oid} is missing or corrupt${bad ? ` (${bad})` : ''}: ${(e as Error).message}`, oid);
      }
      changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      const deleting = isDeleteOf(c.message);
      if (deleting !== undefined) {
        const removes = changes.filter((x) => x.before && !x.after);
        // The delete's own record: one new file in the actions area (checked like any added entry below).
        const records = changes.filter((x) => !x.before && x.after && (() => { const l = classifyPath(x.path); return l && !('misplaced' in l) && l.kind === 'action'; })());
        const fine = removes.length > 0 && records.length <= 1 && removes.length + records.length === changes.length && removes.every((x) => {
          const loc = classifyPath(x.path);
          return loc && !('misplaced' in loc) && loc.kind === 'audit' && loc.id === deleting;
        });
        if (!fine) throw new Finding('history_edited', `Commit ${oid} says "audit: delete ${deleting}" but changes more than that audit's file and its delete record`, oid, deleting);
        for (const x of records) {
          if (await checkAdded(repo, oid, x)) checked.entries++;
          const rec = JSON.parse(utf8Decode.decode(await repo.readBlob(x.after!, true))) as { action?: unknown; targets?: { id?: unknown }[] };
          if (rec.action !== 'delete' || !Array.isArray(rec.targets) || !rec.targets.some((t) => t?.id === deleting)) {
            throw new Finding('history_edited', `Commit ${oid} deletes ${deleting} but its action entry ${x.path} records something else`, oid, deleting);
          }
        }
        continue;
      }
      for (const x of changes) {
        const loc = classifyPath(x.path);
        if (loc === undefined) continue;
        const id = 'misplaced' in loc ? x.path : loc.id;
        if (x.before && x.after) throw new Finding('history_edited', `Commit ${oid} changes ${x.path}, which an earlier commit wrote (entries are never edited)`, oid, id);
        if (x.before && !x.after) throw new Finding('history_edited', `Commit ${oid} removes ${x.path} without being a delete commit`, oid, id);
        if (await checkAdded(repo, oid, x)) checked.entries++;
      }
    }
    await ctx.verifiedHead.set(head);
    return { ok: true, head, checked };
  } catch (e) {
    if (e instanceof Finding) {
      return {
        ok: false, reason: e.reason, message: e.message, checked,
        ...(e.commit && { commit: e.commit }), ...(e.entry && { entry: e.entry }), ...(head && { head }),
      };
    }
    if (e instanceof CorruptObjectError) return { ok: false, reason: 'corrupt_object', message: e.message, commit: e.oid, checked, ...(head && { head }) };
    throw e;
  }
}
