/**
 * The git Ledger: audits and finished runs as files on a dedicated branch, written without a
 * work tree (blobs, trees and one commit per batch, shipped as one pack) and published by a
 * compare-and-swap of the branch ref. Reads go by path (computed from the id); lists come from a
 * read index kept in step with the branch by tree diffs.
 */
import type { AuthCallback, FsClient, HttpClient } from 'isomorphic-git';
import * as git from 'isomorphic-git';
import {
  ConflictError,
  CorruptEntryError,
  CorruptObjectError,
  DiskFullError,
  LedgerWriteError,
  NotFoundError,
  ScpError,
} from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import type { ActionEntry } from '../../schemas/action.js';
import type { SavedAudit } from '../../schemas/audit.js';
import type { EntryKind, EntryMeta, LedgerPage, LedgerProgress, LedgerQuery } from '../../schemas/ledger.js';
import type { RunEvent, RunRecord } from '../../schemas/run.js';
import { checkDeleteReason, deleteActionOf, targetOf } from '../actions.js';
import { actionMetaOf, auditMetaOf, normalizeQuery, runMetaOf } from '../query.js';
import type {
  DeleteOptions,
  Ledger,
  LedgerBatch,
  ProgressListener,
  SyncOptions,
  SyncResult,
  VerifyCallOptions,
  VerifyReport,
  WriteResult,
} from '../types.js';
import { commitMessage, prepareBatch, seal } from './batch.js';
import { diffLevel, diffTrees, mapLimit, type PathChange } from './diff.js';
import {
  actionPath,
  auditPath,
  auditPaths,
  classifyPath,
  eventsJsonl,
  prettyJson,
  runDir,
  runDirs,
  SIGNERS_PATH,
  type LayoutName,
} from './layout.js';
import {
  EMPTY_TREE,
  encodeCommit,
  encodeTag,
  hashObject,
  type CommitData,
  type Person,
  type RawObject,
} from './objects.js';
import { utf8, utf8Decode } from './platform.js';
import { createMemoryReadIndex, type IndexKey, type ReadIndex } from './read-index.js';
import { fsPromises, Repo } from './repo.js';
import { rememberedRemote, remoteTrackingRef, syncLedger, type SyncContext } from './sync.js';
import { verifyLedger, type VerifyOptions } from './verify.js';
import { signCheckpoint } from './signing/checkpoint.js';
import type { SignaturePolicy } from './signing/policy.js';
import { sshSign, withSignatureHeader, type Signer } from './signing/sshsig.js';

export interface GitRemoteOptions {
  url: string;
  /** A CORS proxy the browser reaches the remote through (`https://proxy.example/` + host/path). */
  corsProxy?: string;
  /** Sent with every request (static; use `credentials` for tokens that expire). */
  headers?: Record<string, string>;
  /**
   * Asked for credentials at the start of every sync and again when the remote answers 401
   * (`failed: true`), so short-lived tokens stay fresh. Never stored.
   */
  credentials?: CredentialsCallback;
  /** isomorphic-git's own auth callback (prefer `credentials`). */
  onAuth?: AuthCallback;
}

/** Basic-auth user and password (a token as the password), and/or headers such as `Authorization: Bearer …`. */
export interface RemoteCredentials {
  username?: string;
  password?: string;
  headers?: Record<string, string>;
}
/** Gives credentials for the remote; `failed` says the last ones were refused (HTTP 401). `undefined`: none. */
export type CredentialsCallback = (request: {
  url: string;
  failed: boolean;
}) => Promise<RemoteCredentials | undefined> | RemoteCredentials | undefined;

export interface VerifiedHeadStore {
  get(): Promise<string | undefined>;
  set(head: string): Promise<void>;
}

export interface GitLedgerOptions {
  /** node:fs, or an isomorphic-git compatible fs (with `.promises`). */
  fs: FsClient;
  /** isomorphic-git/http/node or isomorphic-git/http/web (needed for sync). */
  http?: HttpClient;
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
  /**
   * Told each time a save waits for another writer (the branch moved, or another process holds
   * its lock) before trying again; saves keep trying for up to 30 s. For reporting only.
   */
  onRetry?: (info: { attempt: number; waitedMs: number; reason: string; message: string }) => void;
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
  /**
   * Signed commits (see signing/policy.ts): `signer` signs every commit this ledger makes (SSH
   * signature, namespace `git`, verifiable by `git verify-commit`) and verify()'s checkpoints;
   * `pinned` / `allowedSigners` are the trust anchors verify() checks signatures against.
   */
  signing?: SignaturePolicy & { signer?: Signer };
}

export interface GitLedger extends Ledger {
  /** Checks what came after the last verified head (all of it the first time); `{ full: true }` re-checks the whole history. */
  verify(options?: VerifyOptions & VerifyCallOptions): Promise<VerifyReport>;
  sync(options?: SyncOptions): Promise<SyncResult>;
  /**
   * Move the branch back to the remote's head as last fetched, dropping local commits the remote
   * never took (a host whose remote is the ledger of record, after a failed push).
   */
  dropUnpushed(): Promise<void>;
  readonly gitdir: string;
  readonly branch: string;
  /** The full ref name of the ledger branch (`refs/heads/<branch>`). */
  readonly ref: string;
  /** The remote sync() uses: the one given at creation, else the one this ledger last synced with. */
  remoteUrl(): Promise<string | undefined>;
  /**
   * Replace the branch's `allowed_signers` (git's format) in one commit. Once signing is on, the
   * commit must be signed by a key already allowed (this ledger's signer), or verify fails it.
   */
  setAllowedSigners(text: string, options?: { actor?: string }): Promise<WriteResult>;
  /** The branch's `allowed_signers` as it is at the head, or `undefined` when it has none. */
  allowedSigners(): Promise<string | undefined>;
  /** The public key (`ssh-ed25519 ...`) this ledger signs with, if it signs. */
  signingKey(): Promise<string | undefined>;
  /** Bring the read index up to the branch head (list() does this itself). */
  refreshIndex(): Promise<void>;
  /**
   * Load the shard trees a save rewrites into memory (started in the background on open where
   * the fs reads synchronously, i.e. node:fs); resolves when done. Saves work without it.
   */
  warm(): Promise<void>;
}

const DEFAULT_AUTHOR = { name: 'scp-ledger', email: 'scp-ledger@localhost' };
/**
 * How long a write keeps retrying a moved branch or a ref lock held by a live writer in another
 * process (many CI jobs recording into one repository), with jittered backoff up to the cap.
 */
const WRITE_RETRY_MS = 30_000;
const RETRY_BACKOFF_CAP_MS = 250;

function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

async function exists(p: ReturnType<typeof fsPromises>, path: string): Promise<boolean> {
  try {
    await p.stat(path);
    return true;
  } catch {
    return false;
  }
}

async function resolveGitdir(fs: FsClient, dir: string, gitdir?: string): Promise<string> {
  const p = fsPromises(fs);
  if (gitdir) return commonDir(p, gitdir);
  const dotgit = `${dir}/.git`;
  if (await exists(p, dotgit)) {
    const st = await p.stat(dotgit);
    if (!st.isDirectory()) {
      // A `.git` file (linked worktree / submodule) names the real gitdir.
      const m = /^gitdir: (.*)$/m.exec(String(await p.readFile(dotgit, 'utf8')));
      if (m) return commonDir(p, m[1]!.trim().startsWith('/') ? m[1]!.trim() : `${dir}/${m[1]!.trim()}`);
    }
    return dotgit;
  }
  if ((await exists(p, `${dir}/HEAD`)) && (await exists(p, `${dir}/objects`))) return dir;
  return dotgit;
}

/**
 * A linked worktree's git dir keeps only its own HEAD and index; branches and objects live in the
 * common dir its `commondir` file names. The ledger branch belongs to the whole repository, so
 * every worktree reads and writes it there.
 */
async function commonDir(p: ReturnType<typeof fsPromises>, gitdir: string): Promise<string> {
  let rel: string;
  try {
    rel = String(await p.readFile(`${gitdir}/commondir`, 'utf8')).trim();
  } catch {
    return gitdir;
  }
  if (!rel) return gitdir;
  const joined = rel.startsWith('/') ? rel : `${gitdir.replace(/\/+$/, '')}/${rel}`;
  // Normalise `a/b/../..` without node:path (this module also runs in browsers).
  const out: string[] = [];
  for (const part of joined.split('/')) {
    if (part === '..') out.pop();
    else if (part !== '.' && (part !== '' || out.length === 0)) out.push(part);
  }
  return out.join('/') || '/';
}

/** A typed error for fs failures a user can act on (a full disk); others pass through. */
function typedFsError(e: unknown, gitdir: string): unknown {
  const code = (e as { code?: string })?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    const path = String((e as { path?: string }).path ?? gitdir);
    return new DiskFullError(
      `The disk holding the ledger is full (${code} writing ${path}): nothing was saved and the ledger is unchanged; free some space and save again`,
      { data: { path, op: String((e as { syscall?: string }).syscall ?? 'write') }, cause: e },
    );
  }
  return e;
}

function fileVerifiedHead(fs: FsClient, path: string): VerifiedHeadStore {
  const p = fsPromises(fs);
  return {
    async get() {
      try {
        const v = String(await p.readFile(path, 'utf8')).trim();
        return /^[0-9a-f]{40}$/.test(v) ? v : undefined;
      } catch {
        return undefined;
      }
    },
    async set(head) {
      const tmp = `${path}.tmp-${Math.random().toString(36).slice(2, 8)}`;
      await p.writeFile(tmp, `${head}\n`);
      await p.rename(tmp, path);
    },
  };
}

/** A stored JSON file; one that does not parse is a read-side corruption, never a failed write. */
function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8Decode.decode(bytes));
  } catch (e) {
    throw new CorruptEntryError(
      `The ledger holds unreadable JSON at ${what}: nothing was changed; run verify() for details`,
      { data: { path: what }, cause: e },
    );
  }
}

/** The time an id carries (`YYYYMMDDHHMMSS`), or '' — only to order a catch-up newest first. */
function idTime(id: string): string {
  const m = /(\d{8})[_T](\d{6})/.exec(id);
  return m ? m[1]! + m[2]! : '';
}

export function parseEvents(text: string): RunEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunEvent);
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
  const progress = (p: LedgerProgress) => {
    try {
      options.onProgress?.(p);
    } catch {
      /* a listener's failure is not the ledger's */
    }
  };

  if (!(await exists(p, `${gitdir}/HEAD`))) {
    await git.init({ fs, dir, gitdir, bare: gitdir === dir, defaultBranch: 'main' });
  }
  const repo = new Repo({ fs, gitdir, ...(options.wholeFilePacks && { wholeFilePacks: true }) });
  // A writer killed mid-save may have left the ref lock and temporary pack files: clear what is
  // provably abandoned now rather than making the next save wait for the lock to go stale.
  await repo.recover(ref).catch(() => undefined);
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

  const signer = options.signing?.signer;
  /** A commit object, signed when the ledger has a signer (the signature covers every other byte). */
  async function commitObject(data: CommitData): Promise<RawObject> {
    const payload = encodeCommit(data);
    if (!signer) return hashObject('commit', payload);
    return hashObject('commit', withSignatureHeader(payload, await sshSign(signer, payload, 'git')));
  }

  const person = (name?: string): Person => ({
    name: name || author.name,
    email: author.email,
    timestamp: Math.floor(Date.now() / 1000),
    timezoneOffset: 0,
  });

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

  async function findAction(tree: string, id: string): Promise<{ path: string; oid: string } | undefined> {
    const path = actionPath(id);
    const e = await repo.lookup(tree, path.split('/'));
    return e && e.type === 'blob' ? { path, oid: e.oid } : undefined;
  }

  async function readRunDir(treeOid: string, what: string): Promise<RunRecord | undefined> {
    const entries = await repo.readTree(treeOid);
    const runFile = entries.find((e) => e.path === 'run.json');
    if (!runFile) return undefined;
    const run = parseJson(await repo.readBlob(runFile.oid), `${what}/run.json`);
    const ev = entries.find((e) => e.path === 'events.jsonl');
    let events: RunEvent[] = [];
    if (ev) {
      try {
        events = parseEvents(utf8Decode.decode(await repo.readBlob(ev.oid)));
      } catch (e) {
        throw new CorruptEntryError(
          `The ledger holds unreadable events at ${what}/events.jsonl: nothing was changed; run verify() for details`,
          { data: { path: `${what}/events.jsonl` }, cause: e },
        );
      }
    }
    return { run: run as RunRecord['run'], events };
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
    if (!h) return undefined;
    // Only the branch holds entries: an `scp/run/*` tag no entry backs is never served (verify notes it).
    const found = await findRun(await treeOf(h), id);
    return found ? readRunDir(found.oid, found.dir) : undefined;
  }

  async function getAction(id: string): Promise<ActionEntry | undefined> {
    assertValidId(id, 'action');
    const h = await head();
    if (!h) return undefined;
    const found = await findAction(await treeOf(h), id);
    return found ? (parseJson(await repo.readBlob(found.oid), found.path) as ActionEntry) : undefined;
  }

  // ---- read index ----------------------------------------------------------------------------

  /** The event types of the run whose run.json is at `path` in `tree` (for the `event` filter). */
  async function eventTypesAt(tree: string, path: string): Promise<{ type: string }[]> {
    const e = await repo.lookup(tree, [...path.split('/').slice(0, -1), 'events.jsonl']);
    if (e?.type !== 'blob') return [];
    try {
      return parseEvents(utf8Decode.decode(await repo.readBlob(e.oid)));
    } catch {
      return [];
    }
  }

  async function metaAt(
    path: string,
    oid: string,
    kind: 'audit' | 'run' | 'action',
    tree?: string,
  ): Promise<EntryMeta | undefined> {
    try {
      const json = JSON.parse(utf8Decode.decode(await repo.readBlob(oid)));
      if (kind === 'audit') return auditMetaOf(json as SavedAudit);
      if (kind === 'action') return actionMetaOf(json as ActionEntry);
      const events = tree ? await eventTypesAt(tree, path) : [];
      return runMetaOf({ run: json, events } as RunRecord);
    } catch {
      return undefined; // unreadable entries are verify()'s business; lists skip them
    }
  }

  // Rows handed to the index per update while catching up: lists can answer from the first
  // batches while the rest streams in, and no update holds more than one batch of metadata.
  const CATCH_UP_BATCH = 2000;
  /** Rows in the first update of a listable catch-up: what a list shows first. */
  const FIRST_BATCH = 250;

  /** Where a catch-up in progress stands (lists report it with their pages). */
  let indexing: { indexed: number; total: number; firstBatch: Promise<void>; done: Promise<void> } | undefined;

  /**
   * Is `a` an ancestor of `b`? Walks back from both at once, so it costs about the distance
   * between them whichever one is ahead (a walk from `b` alone would reach the root when `a` is
   * the newer one). An `a` this clone does not have is not an ancestor.
   */
  async function isAncestor(a: string, b: string): Promise<boolean> {
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
   * What the index should reflect: the branch head, or for an index shared by several instances
   * only what the remote holds (this clone's remote-tracking head), never a local commit that a
   * failed push may still take back.
   */
  async function indexTarget(): Promise<string | undefined> {
    return index.shared ? repo.readRef(remoteTrackingRef(branch)) : head();
  }

  async function catchUp(onFirstBatch: () => void, status: { indexed: number; total: number }): Promise<void> {
    const gitHead = await indexTarget();
    let indexed: string | undefined;
    try {
      indexed = await index.head();
    } catch {
      indexed = undefined;
    }
    if (indexed === gitHead && indexed !== undefined) return;
    // A shared index moves only forward: when another instance already took it past this
    // clone (or this clone has fetched nothing yet), lists answer from it as it is.
    if (index.shared && (!gitHead || (indexed !== undefined && !(await isAncestor(indexed, gitHead))))) return;
    const base = indexed ?? null;
    if (!gitHead) {
      if (indexed !== undefined) await index.apply({ head: undefined, put: [], remove: [], reset: true, base });
      return;
    }
    let from: string | undefined;
    let reset = indexed === undefined;
    if (indexed) {
      try {
        from = await treeOf(indexed);
      } catch {
        reset = true;
        from = undefined;
      }
    }
    const to = await treeOf(gitHead);
    const run = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
    const metasOf = async (slice: { path: string; oid: string; kind: EntryKind }[]) => {
      const put: EntryMeta[] = [];
      await mapLimit(slice, 32, async (c) => {
        const meta = await metaAt(c.path, c.oid, c.kind, to);
        if (meta) put.push(meta);
      });
      return put;
    };
    // An entry removed from one layout may still exist in the other: keep it.
    const stillRemoved = async (remove: IndexKey[]) => {
      const kept: IndexKey[] = [];
      for (const k of remove) {
        const still =
          k.kind === 'audit'
            ? await findAudit(to, k.id)
            : k.kind === 'run'
              ? await findRun(to, k.id)
              : await findAction(to, k.id);
        if (!still) kept.push(k);
      }
      return kept;
    };
    if (!options.listWhileIndexing) {
      // Nobody lists before the catch-up is done, so no order is needed: batches go to the index
      // while the trees are walked, and no list of every changed path is held (100,000 entries
      // would cost ~100 MB more at the peak).
      let pending: { path: string; oid: string; kind: EntryKind }[] = [];
      const remove: IndexKey[] = [];
      let updates = 0;
      status.indexed = 0;
      status.total = 0;
      const flush = async (last: boolean) => {
        const put = await metasOf(pending);
        status.indexed += pending.length;
        pending = [];
        const gone = last ? await stillRemoved(remove) : [];
        if (last) status.indexed += gone.length;
        const several = updates > 0 || !last;
        await index.apply({
          head: last ? gitHead : undefined,
          put,
          remove: gone,
          reset: reset && updates === 0,
          base,
          ...(several && { run, partial: !last }),
        });
        updates++;
        if (!last) progress({ op: 'index', phase: 'indexing', loaded: status.indexed, total: status.total });
        onFirstBatch();
      };
      await diffInShards(reset ? undefined : from, to, '', SHARD_DEPTH, async (changes) => {
        for (const c of changes) {
          const loc = classifyPath(c.path);
          if (!loc || 'misplaced' in loc || loc.part !== 'entry') continue;
          if (c.after) pending.push({ path: c.path, oid: c.after, kind: loc.kind });
          else remove.push({ kind: loc.kind, id: loc.id });
        }
        status.total = status.indexed + pending.length + remove.length;
        if (pending.length >= CATCH_UP_BATCH) await flush(false);
      });
      await flush(true);
      if (status.indexed > 0) progress({ op: 'index', phase: 'done', loaded: status.indexed, total: status.indexed });
      return;
    }
    // 1. What changed: paths and object ids only (trees, no entry bodies yet).
    const added: { path: string; oid: string; kind: EntryKind; id: string; time: string }[] = [];
    let remove: IndexKey[] = [];
    await diffInShards(reset ? undefined : from, to, '', SHARD_DEPTH, async (changes) => {
      for (const c of changes) {
        const loc = classifyPath(c.path);
        if (!loc || 'misplaced' in loc || loc.part !== 'entry') continue;
        if (c.after) added.push({ path: c.path, oid: c.after, kind: loc.kind, id: loc.id, time: idTime(loc.id) });
        else remove.push({ kind: loc.kind, id: loc.id });
      }
    });
    remove = await stillRemoved(remove);
    // 2. Newest first (ids carry their time), so the first batches are what lists show first.
    added.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0));
    status.total = added.length + remove.length;
    status.indexed = 0;
    // A catch-up of one batch lands whole (lists wait for it); a longer one starts with a small
    // batch, so lists have their first rows after a few hundred reads, and says so at once.
    const several = added.length > CATCH_UP_BATCH;
    if (several) progress({ op: 'index', phase: 'indexing', loaded: 0, total: status.total });
    // Every update but the last is `partial`: the index reads as incomplete (and is rebuilt if
    // the process stops half way) until the last one lands, which names the head it reached.
    for (let i = 0, first = true; first || i < added.length; first = false) {
      const size = first && several ? FIRST_BATCH : CATCH_UP_BATCH;
      const slice = added.slice(i, i + size);
      i += size;
      const last = i >= added.length;
      const put = await metasOf(slice);
      await index.apply({
        head: last ? gitHead : undefined,
        put,
        remove: last ? remove : [],
        reset: reset && first,
        base,
        ...(several && { run, partial: !last }),
      });
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
    const firstBatch = new Promise<void>((r) => {
      first = r;
    });
    const status = { indexed: 0, total: 0 };
    // A shared index that another instance moved meanwhile refused our update: it is at least as
    // new as what we had, so lists answer from it.
    const done = indexQueue(() =>
      catchUp(first, status).catch((e) => {
        if (!(index.shared && e instanceof ConflictError)) throw e;
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
    indexing = handle;
    void done.then(first, first).finally(() => {
      if (indexing === handle) indexing = undefined;
    });
    return handle;
  }

  // root → audits|runs|actions → <2 hex> → <1 hex>: below this depth a subtree holds a few dozen entries.
  const SHARD_DEPTH = 3;

  /**
   * The tree diff of `a` → `b`, handed to `each` one bounded piece at a time: the levels above
   * `depth` are walked one subtree after another, each subtree at `depth` is diffed whole.
   */
  async function diffInShards(
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
    let level = root
      .filter((e) => e.type === 'tree' && (e.path === 'audits' || e.path === 'runs' || e.path === 'actions'))
      .map((e) => e.oid);
    let entries = 0;
    // depth 0 reads audits/ and runs/, 1 reads the <2 hex> trees, 2 reads the <1 hex> leaves.
    for (let depth = 0; depth < 3 && level.length; depth++) {
      const next: string[] = [];
      for (let i = 0; i < level.length && entries < WARM_MAX_ENTRIES; i += 32) {
        const lists = await Promise.all(level.slice(i, i + 32).map((t) => repo.readTree(t).catch(() => [])));
        for (const list of lists) {
          entries += list.length;
          if (depth < 2)
            for (const e of list)
              if (e.type === 'tree' && (depth === 0 ? /^[0-9a-f]{2}$/ : /^[0-9a-f]$/).test(e.path)) next.push(e.oid);
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
  async function indexOwnCommit(
    old: string | undefined,
    commit: string,
    put: EntryMeta[],
    remove: IndexKey[],
  ): Promise<void> {
    if (index.shared) return; // not on the remote yet: the next list catches up once it is
    await indexQueue(async () => {
      let indexed: string | undefined;
      try {
        indexed = await index.head();
      } catch {
        return;
      }
      if (indexed !== old || (old === undefined && indexed === undefined && put.length === 0)) return;
      // No previous head: the branch was empty, so these rows are the whole index.
      await index.apply({ head: commit, put, remove, reset: old === undefined });
    }).catch(() => undefined); // the index is derived: a failure here only means the next list() catches up
  }

  // ---- writes --------------------------------------------------------------------------------

  interface Commit {
    old: string | undefined;
    commit: string;
  }

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
    check: (tree: string) => Promise<Set<string> | void>,
    extra: (commit: string) => Promise<{ objects: RawObject[]; refs: [string, string][] }>,
  ): Promise<Commit> {
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      const old = await head();
      let parent = old;
      let base: string = EMPTY_TREE;
      const init: RawObject[] = [];
      if (!old) {
        // The origin's branches start with an empty-tree `ledger: init` commit.
        const initCommit = await commitObject({
          tree: EMPTY_TREE,
          parents: [],
          author: person(),
          committer: person(),
          message: 'ledger: init\n',
        });
        init.push(await hashObject('tree', new Uint8Array(0)), initCommit);
        parent = initCommit.oid;
      } else {
        base = await treeOf(old);
      }
      // Paths already holding exactly what this write would put there (a save retried after a
      // crash) are left out; when nothing is left the write has landed before.
      const same = (await check(base)) ?? new Set<string>();
      const effective = new Map([...changes].filter(([path]) => !same.has(path)));
      if (old && effective.size === 0) return { old, commit: old };
      const wanted = new Set(effective.values());
      const objects: RawObject[] = [...blobs.filter((b) => wanted.has(b.oid)), ...init];
      const tree = await repo.editTree(base, effective, objects);
      const who = person(actor);
      const commitObj = await commitObject({
        tree,
        parents: parent ? [parent] : [],
        author: who,
        committer: who,
        message,
      });
      objects.push(commitObj);
      const more = await extra(commitObj.oid);
      objects.push(...more.objects);
      await repo.writePack(objects);
      await options.beforeRefUpdate?.();
      try {
        await repo.casRef(ref, old, commitObj.oid);
      } catch (e) {
        // Another writer (another process: the in-process lock only serializes this one) moved
        // the branch or holds its ref lock: rebuild on the new head and try again, with jittered
        // backoff, for a bounded time.
        if (e instanceof ConflictError && Date.now() - started < WRITE_RETRY_MS) {
          const wait = Math.min(RETRY_BACKOFF_CAP_MS, 5 * 2 ** Math.min(attempt, 6));
          try {
            options.onRetry?.({
              attempt: attempt + 1,
              waitedMs: Date.now() - started,
              reason: String((e.data as { reason?: unknown }).reason ?? 'moved'),
              message: e.message,
            });
          } catch {
            /* a reporter must not stop the save */
          }
          await new Promise((r) => setTimeout(r, wait / 2 + Math.random() * wait));
          continue;
        }
        throw e;
      }
      commitTrees.set(commitObj.oid, tree);
      for (const [name, value] of more.refs) {
        try {
          await repo.setRef(name, value);
        } catch {
          /* tags are a convenience copy; the commit holds the entry */
        }
      }
      return { old, commit: commitObj.oid };
    }
  }

  async function mainHead(): Promise<string | undefined> {
    try {
      const text = String(await p.readFile(`${gitdir}/HEAD`, 'utf8')).trim();
      if (text === `ref: ${ref}`) return undefined; // the ledger branch is not the host's code
      return await repo.readRef('HEAD');
    } catch {
      return undefined;
    }
  }

  function asWriteError(e: unknown, ids: string[]): never {
    e = typedFsError(e, gitdir);
    if (e instanceof ScpError) throw e;
    throw new LedgerWriteError(
      `The ledger write did not land (${(e as Error)?.message ?? String(e)}); nothing was changed`,
      { data: { ids }, cause: e },
    );
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
        for (const a of prepared.actions) files.push({ path: actionPath(a.action_id), text: prettyJson(a) });
        const blobs = await Promise.all(files.map((f) => hashObject('blob', utf8.encode(f.text))));
        const changes = new Map<string, string | null>(files.map((f, i) => [f.path, blobs[i]!.oid]));
        const message = batch.message
          ? batch.message.endsWith('\n')
            ? batch.message
            : `${batch.message}\n`
          : commitMessage(prepared);
        const byPath = new Map(files.map((f, i) => [f.path, blobs[i]!.oid]));
        const check = async (tree: string): Promise<Set<string>> => {
          const taken: string[] = [];
          const same = new Set<string>();
          // An entry already there with exactly these bytes is this write landing twice (retried
          // after a crash): idempotent. Different bytes under the same id are a conflict.
          await Promise.all([
            ...prepared.audits.map(async (a) => {
              const found = await findAudit(tree, a.snapshot_id);
              if (!found) return;
              const mine = auditPath(a.snapshot_id, layout);
              if (found.path === mine && found.oid === byPath.get(mine)) same.add(mine);
              else taken.push(a.snapshot_id);
            }),
            ...prepared.runs.map(async (r) => {
              const found = await findRun(tree, r.run.run_id);
              if (!found) return;
              const d = runDir(r.run.run_id, layout);
              const entries = found.dir === d ? await repo.readTree(found.oid) : [];
              const mine = [...byPath].filter(([p]) => p.startsWith(`${d}/`));
              const equal =
                entries.length === mine.length &&
                mine.every(([p, oid]) => entries.some((e) => `${d}/${e.path}` === p && e.oid === oid));
              if (equal) for (const [p] of mine) same.add(p);
              else taken.push(r.run.run_id);
            }),
            ...prepared.actions.map(async (a) => {
              const found = await findAction(tree, a.action_id);
              if (!found) return;
              if (found.oid === byPath.get(found.path)) same.add(found.path);
              else taken.push(a.action_id);
            }),
          ]);
          if (taken.length) {
            throw new ConflictError(
              `Already in the ledger: ${taken.join(', ')} (saved entries are never overwritten; use a new id)`,
              { data: { ids: taken, reason: 'exists' } },
            );
          }
          return same;
        };
        const extra = async (): Promise<{ objects: RawObject[]; refs: [string, string][] }> => {
          if (!options.tags) return { objects: [], refs: [] };
          const target = await mainHead();
          if (!target) return { objects: [], refs: [] }; // like the origin: no commit in the main repo, no tag
          const objects: RawObject[] = [];
          const refs: [string, string][] = [];
          const tagger = person(batch.actor);
          for (const a of prepared.audits) {
            const msg = JSON.stringify({
              snapshot_id: a.snapshot_id,
              card_key: a.card_key,
              status: a.status,
              iso: a.iso,
              summary: a.summary,
            });
            const t = await hashObject(
              'tag',
              encodeTag({
                object: target,
                type: 'commit',
                tag: `scp/audit/${a.snapshot_id}`,
                tagger,
                message: `${msg}\n`,
              }),
            );
            objects.push(t);
            refs.push([`refs/tags/scp/audit/${a.snapshot_id}`, t.oid]);
          }
          for (const r of prepared.runs) {
            const { sha256: _s, ...run } = r.run;
            const t = await hashObject(
              'tag',
              encodeTag({
                object: target,
                type: 'commit',
                tag: `scp/run/${r.run.run_id}`,
                tagger,
                message: `${JSON.stringify(run)}\n`,
              }),
            );
            objects.push(t);
            refs.push([`refs/tags/scp/run/${r.run.run_id}`, t.oid]);
          }
          return { objects, refs };
        };
        const { old, commit } = await commitChanges(changes, blobs, message, batch.actor, check, extra);
        // Merging the per-batch packs runs after this save, in turn with later writes; its failure
        // never turns a landed commit into a failed save.
        if (commit !== old && repo.wantsRepack()) void lock(() => repo.repack()).catch(() => undefined);
        const put = [
          ...prepared.audits.map((a) => auditMetaOf(a, commit)),
          ...prepared.runs.map((r) => runMetaOf(r, commit)),
          ...prepared.actions.map((a) => actionMetaOf(a, commit)),
        ];
        if (commit !== old) await indexOwnCommit(old, commit, put, []);
        return { commit, ids: prepared.ids };
      } catch (e) {
        asWriteError(e, prepared.ids);
      }
    });
  }

  async function deleteAudit(id: string, opts: DeleteOptions = {}): Promise<WriteResult> {
    assertValidId(id, 'audit');
    checkDeleteReason(id, opts);
    return lock(async () => {
      try {
        const notFound = () =>
          new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, {
            data: { kind: 'audit', id },
          });
        const h = await head();
        if (!h) throw notFound();
        const found = await findAudit(await treeOf(h), id);
        if (!found) throw notFound();
        const changes = new Map<string, string | null>([[found.path, null]]);
        // The origin layout may also hold a copy under the other path: remove every copy.
        for (const path of auditPaths(id))
          if (path !== found.path && (await repo.lookup(await treeOf(h), path.split('/')))) changes.set(path, null);
        // The delete's record (who, why, when; the audit's id, card and hash, not its data) lands in the same commit.
        const gone = parseJson(await repo.readBlob(found.oid), found.path) as SavedAudit;
        const action = await seal(deleteActionOf(targetOf(gone), opts), 'delete action');
        const blob = await hashObject('blob', utf8.encode(prettyJson(action)));
        changes.set(actionPath(action.action_id), blob.oid);
        const message = `audit: delete ${id}\n\n${action.reason}\n`;
        const check = async (tree: string) => {
          if (!(await findAudit(tree, id))) throw notFound();
        };
        const { old, commit } = await commitChanges(changes, [blob], message, opts.actor, check, async () => ({
          objects: [],
          refs: [],
        }));
        await indexOwnCommit(old, commit, [actionMetaOf(action, commit)], [{ kind: 'audit', id }]);
        // The origin's tag for this audit would otherwise outlive it (verify would note it).
        await repo.deleteRef(`refs/tags/scp/audit/${id}`).catch(() => undefined);
        return { commit, ids: [id], action_id: action.action_id };
      } catch (e) {
        asWriteError(e, [id]);
      }
    });
  }

  async function setAllowedSigners(text: string, opts: { actor?: string } = {}): Promise<WriteResult> {
    return lock(async () => {
      try {
        const blob = await hashObject('blob', utf8.encode(text.endsWith('\n') || text === '' ? text : `${text}\n`));
        const { commit } = await commitChanges(
          new Map([[SIGNERS_PATH, blob.oid]]),
          [blob],
          'ledger: allowed signers\n',
          opts.actor,
          async () => {},
          async () => ({ objects: [], refs: [] }),
        );
        return { commit, ids: [] };
      } catch (e) {
        asWriteError(e, []);
      }
    });
  }

  async function allowedSigners(): Promise<string | undefined> {
    const h = await head();
    if (!h) return undefined;
    const e = await repo.lookup(await treeOf(h), [SIGNERS_PATH]);
    return e && e.type === 'blob' ? utf8Decode.decode(await repo.readBlob(e.oid)) : undefined;
  }

  const checkpoint = signer
    ? (state: { head: string; entries: number }) =>
        signCheckpoint(signer, {
          ledger: branch,
          head: state.head,
          entries: state.entries,
          time: new Date().toISOString(),
        })
    : undefined;

  const syncCtx: SyncContext = {
    fs,
    http: options.http,
    gitdir,
    ref,
    branch,
    repo,
    remote: options.remote,
    lock,
    beforeRefUpdate: options.beforeRefUpdate,
    verifiedHead,
    head,
    commitObject,
  };

  return {
    gitdir,
    branch,
    ref,
    write,
    getAudit,
    getRun,
    getAction,
    list,
    deleteAudit,
    head,
    refreshIndex,
    warm,
    setAllowedSigners,
    allowedSigners,
    signingKey: async () => signer?.publicKey,
    async verify(o?: VerifyOptions & VerifyCallOptions) {
      const { progress: each, ...rules } = o ?? {};
      const tell = (p: LedgerProgress) => {
        progress(p);
        try {
          each?.(p);
        } catch {
          /* the caller's listener */
        }
      };
      tell({ op: 'verify', phase: 'start', loaded: 0 });
      const report = await verifyLedger({ repo, ref, verifiedHead, signatures: options.signing, checkpoint }, rules);
      tell({ op: 'verify', phase: 'done', loaded: report.checked.commits, total: report.checked.commits });
      return report;
    },
    remoteUrl: async () => options.remote?.url ?? rememberedRemote({ fs, gitdir }),
    sync: (o?: SyncOptions) => {
      const each = o?.progress;
      return syncLedger(syncCtx, {
        ...o,
        progress: (p) => {
          progress(p);
          try {
            each?.(p);
          } catch {
            /* the caller's listener */
          }
        },
      });
    },
    dropUnpushed: () =>
      lock(async () => {
        const local = await head();
        const remote = await repo.readRef(remoteTrackingRef(branch));
        if (local === remote) return;
        await options.beforeRefUpdate?.();
        if (remote) await repo.casRef(ref, local, remote);
        else await repo.deleteRef(ref);
      }),
    async close() {
      await index.close?.();
      await repo.close();
    },
  };
}

export { CorruptObjectError };
