/**
 * The git Ledger: audits and finished runs as files on a dedicated branch, written without a
 * work tree (blobs, trees and one commit per batch, shipped as one pack) and published by a
 * compare-and-swap of the branch ref. Reads go by path (computed from the id); lists come from a
 * read index kept in step with the branch by tree diffs.
 */
import * as git from 'isomorphic-git';
import { ConflictError, LedgerWriteError, NotFoundError, ScpError } from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import type { SavedAudit } from '../../schemas/audit.js';
import type { EntryMeta, LedgerPage, LedgerProgress, LedgerQuery } from '../../schemas/ledger.js';
import type { RunEvent, RunRecord } from '../../schemas/run.js';
import { auditMetaOf, normalizeQuery, runMetaOf } from '../query.js';
import type { Ledger, LedgerBatch, ProgressListener, SyncOptions, SyncResult, VerifyCallOptions, VerifyReport, WriteResult } from '../types.js';
import { commitMessage, prepareBatch } from './batch.js';
import { diffLevel, diffTrees, mapLimit, type PathChange } from './diff.js';
import {
  auditPath, auditPaths, classifyPath, eventsJsonl, prettyJson, runDir, runDirs, type LayoutName,
} from './layout.js';
import { EMPTY_TREE, encodeCommit, encodeTag, hashObject, type Person, type RawObject } from './objects.js';
import { utf8, utf8Decode } from './platform.js';
import { createMemoryReadIndex, type IndexKey, type ReadIndex } from './read-index.js';
import { CorruptObjectError, fsPromises, Repo } from './repo.js';
import { rememberedRemote, syncLedger, type SyncContext } from './sync.js';
import { verifyLedger, type VerifyOptions } from './verify.js';

export interface GitRemoteOptions {
  url: string;
  corsProxy?: string;
  headers?: Record<string, string>;
  onAuth?: any;
}

export interface VerifiedHeadStore {
  get(): Promise<string | undefined>;
  set(head: string): Promise<void>;
}

export interface GitLedgerOptions {
  /** node:fs, or an isomorphic-git compatible fs (with `.promises`). */
  fs: any;
  /** isomorphic-git/http/node or isomorphic-git/http/web (needed for sync). */
  http?: any;
  dir: string;
  /** Default `${dir}/.git`, or `dir` itself when it is a bare repository. */
  gitdir?: string;
  /** Default `scp-ledger`. */
  branch?: string;
  remote?: GitRemoteOptions;
  author?: { name: string; email: string };
  /** Default: in memory (rebuilt from git on first list). */
  index?: ReadIndex;
  /** Serializes writes (the browser passes a Web Lock); default an in-process queue. */
  lock?: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Called after the objects are written and before the branch moves (the browser flushes its fs). */
  beforeRefUpdate?: () => Promise<void>;
  /** Also write the origin's per-entry annotated tags (`scp/audit/<id>`, `scp/run/<id>`). */
  tags?: boolean;
  /** Where NEW entries go; both layouts are always read. Default `sharded`. */
  layout?: LayoutName;
  /** Where verify() keeps the last head it approved; default a file in the gitdir. */
  lastVerifiedHead?: VerifiedHeadStore;
  /** Progress of every sync, read-index catch-up and verify of this ledger. */
  onProgress?: ProgressListener;
  /**
   * While the read index catches up on many entries, lists answer from the rows indexed so far
   * (newest first) and their pages carry `indexing: { indexed, total }`. Default false: a list
   * waits for the whole catch-up (what a CLI or a report wants).
   */
  listWhileIndexing?: boolean;
  /**
   * Where the fs has no positional reads (a browser's), read pack files whole and take objects
   * from memory instead of isomorphic-git's reader, which costs fs round trips per object.
   */
  wholeFilePacks?: boolean;
}

export interface GitLedger extends Ledger {
  /** Full check by default; `{ incremental: true }` checks only what came after the last verified head. */
  verify(options?: VerifyOptions & VerifyCallOptions): Promise<VerifyReport>;
  sync(options?: SyncOptions): Promise<SyncResult>;
  readonly gitdir: string;
  readonly branch: string;
  /** The full ref name of the ledger branch (`refs/heads/<branch>`). */
  readonly ref: string;
  /** The remote sync() uses: the one given at creation, else the one this ledger last synced with. */
  remoteUrl(): Promise<string | undefined>;
  /** Bring the read index up to the branch head (list() does this itself). */
  refreshIndex(): Promise<void>;
  /**
   * Load the shard trees a save rewrites into memory (started in the background on open where
   * the fs reads synchronously, i.e. node:fs); resolves when done. Saves work without it.
   */
  warm(): Promise<void>;
}

const DEFAULT_AUTHOR = { name: 'scp-ledger', email: 'scp-ledger@localhost' };
const CAS_ATTEMPTS = 6;

function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

async function exists(p: ReturnType<typeof fsPromises>, path: string): Promise<boolean> {
  try { await p.stat(path); return true; } catch { return false; }
}

async function resolveGitdir(fs: any, dir: string, gitdir?: string): Promise<string> {
  const p = fsPromises(fs);
  if (gitdir) return gitdir;
  const dotgit = `${dir}/.git`;
  if (await exists(p, dotgit)) {
    const st = await p.stat(dotgit);
    if (!st.isDirectory()) {
      // A `.git` file (worktree / submodule) names the real gitdir.
      const m = /^gitdir: (.*)$/m.exec(String(await p.readFile(dotgit, 'utf8')));
      if (m) return m[1]!.startsWith('/') ? m[1]!.trim() : `${dir}/${m[1]!.trim()}`;
    }
    return dotgit;
  }
  if ((await exists(p, `${dir}/HEAD`)) && (await exists(p, `${dir}/objects`))) return dir;
  return dotgit;
}

function fileVerifiedHead(fs: any, path: string): VerifiedHeadStore {
  const p = fsPromises(fs);
  return {
    async get() {
      try {
        const v = String(await p.readFile(path, 'utf8')).trim();
        return /^[0-9a-f]{40}$/.test(v) ? v : undefined;
      } catch { return undefined; }
    },
    async set(head) {
      const tmp = `${path}.tmp-${Math.random().toString(36).slice(2, 8)}`;
      await p.writeFile(tmp, `${head}\n`);
      await p.rename(tmp, path);
    },
  };
}

function parseJson(bytes: Uint8Array, what: string): any {
  try { return JSON.parse(utf8Decode.decode(bytes)); } catch (e) {
    throw new LedgerWriteError(`The ledger holds unreadable JSON at ${what}: run verify() for details`, { data: { ids: [] }, cause: e });
  }
}

/** The time an id carries (`YYYYMMDDHHMMSS`), or '' — only to order a catch-up newest first. */
function idTime(id: string): string {
  const m = /(\d{8})[_T](\d{6})/.exec(id);
  return m ? m[1]! + m[2]! : '';
}

export function parseEvents(text: string): RunEvent[] {
  return text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as RunEvent);
}

export async function createGitLedger(options: GitLedgerOptions): Promise<GitLedger> {
  const fs = options.fs;
  const p = fsPromises(fs);
  const dir = options.dir.replace(/\/+$/, '') || '/';
  const gitdir = await resolveGitdir(fs, dir, options.gitdir);
  const branch = options.branch ?? 'scp-ledger';
  const ref = `refs/heads/${branch}`;
  const layout: LayoutName = options.layout ?? 'sharded';
  const author = options.author ?? DEFAULT_AUTHOR;
  const index: ReadIndex = options.index ?? createMemoryReadIndex();
  const lock = options.lock ?? serialQueue();
  const indexQueue = serialQueue();
  const verifiedHead = options.lastVerifiedHead ?? fileVerifiedHead(fs, `${gitdir}/scp-ledger-verified-head`);
  const progress = (p: LedgerProgress) => { try { options.onProgress?.(p); } catch { /* a listener's failure is not the ledger's */ } };

  if (!(await exists(p, `${gitdir}/HEAD`))) {
    await git.init({ fs, dir, gitdir, bare: gitdir === dir, defaultBranch: 'main' });
  }
  const repo = new Repo({ fs, gitdir, ...(options.wholeFilePacks && { wholeFilePacks: true }) });
  const commitTrees = new Map<string, string>();

  async function head(): Promise<string | undefined> {
    return repo.readRef(ref);
  }

  async function treeOf(commit: string): Promise<string> {
    let t = commitTrees.get(commit);
    if (!t) {
      t = (await repo.readCommit(commit)).tree;
      if (commitTrees.size > 1000) commitTrees.clear();
      commitTrees.set(commit, t);
    }
    return t;
  }

  const person = (name?: string): Person => ({ name: name || author.name, email: author.email, timestamp: Math.floor(Date.now() / 1000), timezoneOffset: 0 });

  // ---- reads ---------------------------------------------------------------------------------

  async function findAudit(tree: string, id: string): Promise<{ path: string; oid: string } | undefined> {
    for (const path of auditPaths(id)) {
      const e = await repo.lookup(tree, path.split('/'));
      if (e && e.type === 'blob') return { path, oid: e.oid };
    }
    return undefined;
  }

  async function findRun(tree: string, id: string): Promise<{ dir: string; oid: string } | undefined> {
    for (const d of runDirs(id)) {
      const e = await repo.lookup(tree, d.split('/'));
      if (e && e.type === 'tree') return { dir: d, oid: e.oid };
    }
    return undefined;
  }

  async function readRunDir(treeOid: string, what: string): Promise<RunRecord | undefined> {
    const entries = await repo.readTree(treeOid);
    const runFile = entries.find((e) => e.path === 'run.json');
    if (!runFile) return undefined;
    const run = parseJson(await repo.readBlob(runFile.oid), `${what}/run.json`);
    const ev = entries.find((e) => e.path === 'events.jsonl');
    let events: RunEvent[] = [];
    if (ev) {
      try { events = parseEvents(utf8Decode.decode(await repo.readBlob(ev.oid))); } catch (e) {
        throw new LedgerWriteError(`The ledger holds unreadable events at ${what}/events.jsonl: run verify() for details`, { data: { ids: [] }, cause: e });
      }
    }
    return { run, events };
  }

  async function tagMessage(name: string): Promise<any | undefined> {
    const oid = await repo.readRef(name);
    if (!oid) return undefined;
    try {
      const tag = await repo.readTag(oid);
      return tag ? JSON.parse(tag.message.trim()) : undefined;
    } catch { return undefined; }
  }

  async function getAudit(id: string): Promise<SavedAudit | undefined> {
    assertValidId(id, 'audit');
    const h = await head();
    if (!h) return undefined;
    const found = await findAudit(await treeOf(h), id);
    if (!found) return undefined;
    return parseJson(await repo.readBlob(found.oid), found.path) as SavedAudit;
  }

  async function getRun(id: string): Promise<RunRecord | undefined> {
    assertValidId(id, 'run');
    const h = await head();
    if (h) {
      const found = await findRun(await treeOf(h), id);
      if (found) {
        const rec = await readRunDir(found.oid, found.dir);
        if (rec) return rec;
      }
    }
    // The origin also recorded each run as an annotated tag whose message is the run's JSON.
    const fromTag = await tagMessage(`refs/tags/scp/run/${id}`);
    if (fromTag && typeof fromTag === 'object' && fromTag.run_id === id) return { run: fromTag, events: [] };
    return undefined;
  }

  // ---- read index ----------------------------------------------------------------------------

  async function metaAt(path: string, oid: string, kind: 'audit' | 'run'): Promise<EntryMeta | undefined> {
    try {
      const json = JSON.parse(utf8Decode.decode(await repo.readBlob(oid)));
      return kind === 'audit' ? auditMetaOf(json as SavedAudit) : runMetaOf({ run: json, events: [] } as RunRecord);
    } catch {
      return undefined; // unreadable entries are verify()'s business; lists skip them
    }
  }

  async function tagOnlyRows(tree: string): Promise<EntryMeta[]> {
    const rows: EntryMeta[] = [];
    for (const [kind, prefix] of [['run', 'refs/tags/scp/run/'], ['audit', 'refs/tags/scp/audit/']] as const) {
      const names = await repo.listRefs(prefix);
      if (names.length === 0) continue;
      await mapLimit(names, 16, async (name) => {
        const id = name.slice(prefix.length);
        if (id.includes('/')) return;
        const present = kind === 'run' ? await findRun(tree, id) : await findAudit(tree, id);
        if (present) return;
        const msg = await tagMessage(name);
        if (!msg || typeof msg !== 'object') return;
        if (kind === 'run' && msg.run_id === id && typeof msg.started_at === 'string') {
          rows.push(runMetaOf({ run: msg, events: [] } as RunRecord));
        } else if (kind === 'audit' && msg.snapshot_id === id && typeof msg.iso === 'string') {
          rows.push(auditMetaOf({ audit_type: String(msg.card_key ?? '').startsWith('audit:') ? 'project' : 'devops', summary: '', status: '', ...msg } as SavedAudit));
        }
      });
    }
    return rows;
  }

  // Rows handed to the index per update while catching up: lists can answer from the first
  // batches while the rest streams in, and no update holds more than one batch of metadata.
  const CATCH_UP_BATCH = 2000;

  /** Where a catch-up in progress stands (lists report it with their pages). */
  let indexing: { indexed: number; total: number; firstBatch: Promise<void>; done: Promise<void> } | undefined;

  async function catchUp(onFirstBatch: () => void, status: { indexed: number; total: number }): Promise<void> {
    const gitHead = await head();
    let indexed: string | undefined;
    try { indexed = await index.head(); } catch { indexed = undefined; }
    if (indexed === gitHead && indexed !== undefined) return;
    if (!gitHead) {
      if (indexed !== undefined) await index.apply({ head: undefined, put: [], remove: [], reset: true });
      return;
    }
    let from: string | undefined;
    let reset = indexed === undefined;
    if (indexed) {
      try { from = await treeOf(indexed); } catch { reset = true; from = undefined; }
    }
    const to = await treeOf(gitHead);
    // 1. What changed: paths and object ids only (trees, no entry bodies yet).
    const added: { path: string; oid: string; kind: 'audit' | 'run'; id: string; time: string }[] = [];
    let remove: IndexKey[] = [];
    await diffInShards(reset ? undefined : from, to, '', SHARD_DEPTH, async (changes) => {
      for (const c of changes) {
        const loc = classifyPath(c.path);
        if (!loc || 'misplaced' in loc || loc.part !== 'entry') continue;
        if (c.after) added.push({ path: c.path, oid: c.after, kind: loc.kind, id: loc.id, time: idTime(loc.id) });
        else remove.push({ kind: loc.kind, id: loc.id });
      }
    });
    // An entry removed from one layout may still exist in the other: keep it.
    const kept: IndexKey[] = [];
    for (const k of remove) {
      const still = k.kind === 'audit' ? await findAudit(to, k.id) : await findRun(to, k.id);
      if (!still) kept.push(k);
    }
    remove = kept;
    // 2. Newest first (ids carry their time), so the first batches are what lists show first.
    added.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    status.total = added.length + remove.length;
    status.indexed = 0;
    const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    // Every update but the last is `partial`: the index reads as incomplete (and is rebuilt if
    // the process stops half way) until the last one lands, which names the head it reached.
    for (let i = 0, first = true; first || i < added.length; i += CATCH_UP_BATCH, first = false) {
      const slice = added.slice(i, i + CATCH_UP_BATCH);
      const last = i + CATCH_UP_BATCH >= added.length;
      const put: EntryMeta[] = [];
      await mapLimit(slice, 32, async (c) => {
        const meta = await metaAt(c.path, c.oid, c.kind);
        if (meta) put.push(meta);
      });
      if (last && reset) put.push(...(await tagOnlyRows(to)));
      await index.apply({ head: last ? gitHead : undefined, put, remove: last ? remove : [], reset: reset && first, ...(added.length > CATCH_UP_BATCH && { run, partial: !last }) });
      status.indexed += slice.length + (last ? remove.length : 0);
      if (!last) progress({ op: 'index', phase: 'indexing', loaded: status.indexed, total: status.total });
      onFirstBatch();
    }
    if (status.total > 0) progress({ op: 'index', phase: 'done', loaded: status.total, total: status.total });
  }

  /** Starts a catch-up unless one is running; resolves its handle. */
  function startCatchUp(): NonNullable<typeof indexing> {
    if (indexing) return indexing;
    let first!: () => void;
    const firstBatch = new Promise<void>((r) => { first = r; });
    const status = { indexed: 0, total: 0 };
    const done = indexQueue(() => catchUp(first, status));
    const handle = { get indexed() { return status.indexed; }, get total() { return status.total; }, firstBatch, done };
    indexing = handle;
    void done.then(first, first).finally(() => { if (indexing === handle) indexing = undefined; });
    return handle;
  }

  // root → audits|runs → <2 hex> → <1 hex>: below this depth a subtree holds a few dozen entries.
  const SHARD_DEPTH = 3;

  /**
   * The tree diff of `a` → `b`, handed to `each` one bounded piece at a time: the levels above
   * `depth` are walked one subtree after another, each subtree at `depth` is diffed whole.
   */
  async function diffInShards(a: string | undefined, b: string | undefined, prefix: string, depth: number, each: (changes: PathChange[]) => Promise<void>): Promise<void> {
    if (a === b) return;
    if (depth === 0) {
      const changes = await diffTrees(repo, a, b, {}, prefix);
      if (changes.length) await each(changes);
      return;
    }
    const { blobs, subtrees } = await diffLevel(repo, a, b, prefix);
    for (const t of subtrees) await diffInShards(t.before, t.after, t.prefix, depth - 1, each);
    if (blobs.length) await each(blobs);
  }

  const refreshIndex = () => startCatchUp().done;

  // Shard trees of the sharded layout: root → audits|runs → <2 hex> → <1 hex>. Bounded so a
  // very large ledger does not fill memory; run directories below the leaves are never read.
  const WARM_MAX_ENTRIES = 400_000;
  async function warmTrees(): Promise<void> {
    const h = await head();
    if (!h) return;
    const root = await repo.readTree(await treeOf(h));
    let level = root.filter((e) => e.type === 'tree' && (e.path === 'audits' || e.path === 'runs')).map((e) => e.oid);
    let entries = 0;
    // depth 0 reads audits/ and runs/, 1 reads the <2 hex> trees, 2 reads the <1 hex> leaves.
    for (let depth = 0; depth < 3 && level.length; depth++) {
      const next: string[] = [];
      for (let i = 0; i < level.length && entries < WARM_MAX_ENTRIES; i += 32) {
        const lists = await Promise.all(level.slice(i, i + 32).map((t) => repo.readTree(t).catch(() => [])));
        for (const list of lists) {
          entries += list.length;
          if (depth < 2) for (const e of list) if (e.type === 'tree' && (depth === 0 ? /^[0-9a-f]{2}$/ : /^[0-9a-f]$/).test(e.path)) next.push(e.oid);
        }
        await new Promise((r) => setTimeout(r, 0)); // let saves and reads in between
      }
      level = next;
    }
  }
  let warming: Promise<void> | undefined;
  const warm = () => (warming ??= warmTrees().catch(() => undefined));
  if (repo.readsSynchronously) void warm();

  async function list(query?: LedgerQuery): Promise<LedgerPage> {
    const q = normalizeQuery(query);
    const c = startCatchUp();
    // A small catch-up is waited for; a long one answers from its first batches on, and the page
    // says how far it got.
    await (options.listWhileIndexing ? Promise.race([c.done, c.firstBatch]) : c.done);
    if (indexing !== c) await c.done; // finished (or failed: the error surfaces here)
    const page = await index.query(q);
    return indexing === c && c.indexed < c.total ? { ...page, indexing: { indexed: c.indexed, total: c.total } } : page;
  }

  /** After our own commit: update the index directly if it was current (no tree walk needed). */
  async function indexOwnCommit(old: string | undefined, commit: string, put: EntryMeta[], remove: IndexKey[]): Promise<void> {
    await indexQueue(async () => {
      let indexed: string | undefined;
      try { indexed = await index.head(); } catch { return; }
      if (indexed !== old || (old === undefined && indexed === undefined && put.length === 0)) return;
      // No previous head: the branch was empty, so these rows are the whole index.
      await index.apply({ head: commit, put, remove, reset: old === undefined });
    }).catch(() => undefined); // the index is derived: a failure here only means the next list() catches up
  }

  // ---- writes --------------------------------------------------------------------------------

  interface Commit { old: string | undefined; commit: string }

  /**
   * Build one commit on the current head from `changes` and publish it. If the branch moves
   * between reading it and swapping it, the commit is rebuilt once on the new head (entries are
   * append-only, so that is always possible); `check` re-runs against each base.
   */
  async function commitChanges(
    changes: Map<string, string | null>,
    blobs: RawObject[],
    message: string,
    actor: string | undefined,
    check: (tree: string) => Promise<void>,
    extra: (commit: string) => Promise<{ objects: RawObject[]; refs: [string, string][] }>,
  ): Promise<Commit> {
    for (let attempt = 0; ; attempt++) {
      const old = await head();
      const objects: RawObject[] = [...blobs];
      let parent = old;
      let base: string = EMPTY_TREE;
      if (!old) {
        // The origin's branches start with an empty-tree `ledger: init` commit.
        const init = await hashObject('commit', encodeCommit({ tree: EMPTY_TREE, parents: [], author: person(), committer: person(), message: 'ledger: init\n' }));
        objects.push(await hashObject('tree', new Uint8Array(0)), init);
        parent = init.oid;
      } else {
        base = await treeOf(old);
      }
      await check(base);
      const tree = await repo.editTree(base, changes, objects);
      const who = person(actor);
      const commitObj = await hashObject('commit', encodeCommit({ tree, parents: parent ? [parent] : [], author: who, committer: who, message }));
      objects.push(commitObj);
      const more = await extra(commitObj.oid);
      objects.push(...more.objects);
      await repo.writePack(objects);
      await options.beforeRefUpdate?.();
      try {
        await repo.casRef(ref, old, commitObj.oid);
      } catch (e) {
        // Another writer (another process: the lock only serializes this one) moved the branch
        // or holds its ref lock: rebuild on the new head and try again, a bounded number of times.
        if (e instanceof ConflictError && attempt < CAS_ATTEMPTS - 1) {
          await new Promise((r) => setTimeout(r, 5 + Math.random() * 25 * (attempt + 1)));
          continue;
        }
        throw e;
      }
      commitTrees.set(commitObj.oid, tree);
      for (const [name, value] of more.refs) {
        try { await repo.setRef(name, value); } catch { /* tags are a convenience copy; the commit holds the entry */ }
      }
      return { old, commit: commitObj.oid };
    }
  }

  async function mainHead(): Promise<string | undefined> {
    try {
      const text = String(await p.readFile(`${gitdir}/HEAD`, 'utf8')).trim();
      if (text === `ref: ${ref}`) return undefined; // the ledger branch is not the host's code
      return await repo.readRef('HEAD');
    } catch { return undefined; }
  }

  function asWriteError(e: unknown, ids: string[]): never {
    if (e instanceof ScpError) throw e;
    throw new LedgerWriteError(`The ledger write did not land (${(e as Error)?.message ?? String(e)}); nothing was changed`, { data: { ids }, cause: e });
  }

  async function write(batch: LedgerBatch): Promise<WriteResult> {
    return lock(async () => {
      const prepared = await prepareBatch(batch);
      try {
        const files: { path: string; text: string }[] = [];
        for (const a of prepared.audits) files.push({ path: auditPath(a.snapshot_id, layout), text: prettyJson(a) });
        for (const r of prepared.runs) {
          const d = runDir(r.run.run_id, layout);
          files.push({ path: `${d}/run.json`, text: prettyJson(r.run) });
          if (r.events.length) files.push({ path: `${d}/events.jsonl`, text: eventsJsonl(r.events) });
        }
        const blobs = await Promise.all(files.map((f) => hashObject('blob', utf8.encode(f.text))));
        const changes = new Map<string, string | null>(files.map((f, i) => [f.path, blobs[i]!.oid]));
        const message = batch.message ? (batch.message.endsWith('\n') ? batch.message : `${batch.message}\n`) : commitMessage(prepared);
        const check = async (tree: string) => {
          const taken: string[] = [];
          await Promise.all([
            ...prepared.audits.map(async (a) => { if (await findAudit(tree, a.snapshot_id)) taken.push(a.snapshot_id); }),
            ...prepared.runs.map(async (r) => { if (await findRun(tree, r.run.run_id)) taken.push(r.run.run_id); }),
          ]);
          if (taken.length) {
            throw new ConflictError(`Already in the ledger: ${taken.join(', ')} (saved entries are never overwritten; use a new id)`, { data: { ids: taken, reason: 'exists' } });
          }
        };
        const extra = async (): Promise<{ objects: RawObject[]; refs: [string, string][] }> => {
          if (!options.tags) return { objects: [], refs: [] };
          const target = await mainHead();
          if (!target) return { objects: [], refs: [] }; // like the origin: no commit in the main repo, no tag
          const objects: RawObject[] = [];
          const refs: [string, string][] = [];
          const tagger = person(batch.actor);
          for (const a of prepared.audits) {
            const msg = JSON.stringify({ snapshot_id: a.snapshot_id, card_key: a.card_key, status: a.status, iso: a.iso, summary: a.summary });
            const t = await hashObject('tag', encodeTag({ object: target, type: 'commit', tag: `scp/audit/${a.snapshot_id}`, tagger, message: `${msg}\n` }));
            objects.push(t);
            refs.push([`refs/tags/scp/audit/${a.snapshot_id}`, t.oid]);
          }
          for (const r of prepared.runs) {
            const { sha256: _s, ...run } = r.run;
            const t = await hashObject('tag', encodeTag({ object: target, type: 'commit', tag: `scp/run/${r.run.run_id}`, tagger, message: `${JSON.stringify(run)}\n` }));
            objects.push(t);
            refs.push([`refs/tags/scp/run/${r.run.run_id}`, t.oid]);
          }
          return { objects, refs };
        };
        const { old, commit } = await commitChanges(changes, blobs, message, batch.actor, check, extra);
        // Merging the per-batch packs runs after this save, in turn with later writes; its failure
        // never turns a landed commit into a failed save.
        if (repo.wantsRepack()) void lock(() => repo.repack()).catch(() => undefined);
        const put = [
          ...prepared.audits.map((a) => auditMetaOf(a, commit)),
          ...prepared.runs.map((r) => runMetaOf(r, commit)),
        ];
        await indexOwnCommit(old, commit, put, []);
        return { commit, ids: prepared.ids };
      } catch (e) {
        asWriteError(e, prepared.ids);
      }
    });
  }

  async function deleteAudit(id: string, opts: { actor?: string; reason?: string } = {}): Promise<WriteResult> {
    assertValidId(id, 'audit');
    return lock(async () => {
      try {
        const notFound = () => new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, { data: { kind: 'audit', id } });
        const h = await head();
        if (!h) throw notFound();
        const found = await findAudit(await treeOf(h), id);
        if (!found) throw notFound();
        const changes = new Map<string, string | null>([[found.path, null]]);
        // The origin layout may also hold a copy under the other path: remove every copy.
        for (const path of auditPaths(id)) if (path !== found.path && (await repo.lookup(await treeOf(h), path.split('/')))) changes.set(path, null);
        const message = `audit: delete ${id}\n${opts.reason ? `\n${opts.reason}\n` : ''}`;
        const check = async (tree: string) => { if (!(await findAudit(tree, id))) throw notFound(); };
        const { old, commit } = await commitChanges(changes, [], message, opts.actor, check, async () => ({ objects: [], refs: [] }));
        await indexOwnCommit(old, commit, [], [{ kind: 'audit', id }]);
        return { commit, ids: [id] };
      } catch (e) {
        asWriteError(e, [id]);
      }
    });
  }

  const syncCtx: SyncContext = {
    fs, http: options.http, gitdir, ref, branch, repo, remote: options.remote, lock,
    beforeRefUpdate: options.beforeRefUpdate, verifiedHead, head,
  };

  return {
    gitdir,
    branch,
    ref,
    write,
    getAudit,
    getRun,
    list,
    deleteAudit,
    head,
    refreshIndex,
    warm,
    async verify(o?: VerifyOptions & VerifyCallOptions) {
      const { progress: each, ...rules } = o ?? {};
      const tell = (p: LedgerProgress) => { progress(p); try { each?.(p); } catch { /* the caller's listener */ } };
      tell({ op: 'verify', phase: 'start', loaded: 0 });
      const report = await verifyLedger({ repo, ref, verifiedHead }, rules);
      tell({ op: 'verify', phase: 'done', loaded: report.checked.commits, total: report.checked.commits });
      return report;
    },
    remoteUrl: async () => options.remote?.url ?? rememberedRemote({ fs, gitdir }),
    sync: (o?: SyncOptions) => {
      const each = o?.progress;
      return syncLedger(syncCtx, { ...o, progress: (p) => { progress(p); try { each?.(p); } catch { /* the caller's listener */ } } });
    },
    async close() { await index.close?.(); await repo.close(); },
  };
}

export { CorruptObjectError };
