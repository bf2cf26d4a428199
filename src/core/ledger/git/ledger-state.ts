/**
 * What every part of a git ledger shares (the repository, the branch, the read index, the write
 * lock, the catch-up in progress), opened once by `createGitLedger` and handed to the functions of
 * reads.ts, index-catch-up.ts, writes.ts and sync-and-verify.ts.
 */
import type { FsClient } from 'isomorphic-git';
import * as git from 'isomorphic-git';
import { DiskFullError } from '../../errors/index.js';
import type { LedgerProgress } from '../../schemas/ledger.js';
import type { GitLedgerOptions, VerifiedHeadStore } from './git-ledger.js';
import type { LayoutName } from './layout.js';
import { encodeCommit, hashObject, type CommitData, type Person, type RawObject } from './objects.js';
import { createMemoryReadIndex, type ReadIndex } from './read-index.js';
import { fsPromises } from './fs-promises.js';
import { Repo } from './repo.js';
import { sshSign, withSignatureHeader, type Signer } from './signing/sshsig.js';

/** A catch-up of the read index in progress: how far it got, and when its first rows and it all landed. */
export interface CatchUpHandle {
  readonly indexed: number;
  readonly total: number;
  firstBatch: Promise<void>;
  done: Promise<void>;
}

export type Serializer = <T>(fn: () => Promise<T>) => Promise<T>;

export interface GitLedgerState {
  readonly options: GitLedgerOptions;
  readonly fs: FsClient;
  readonly dir: string;
  readonly gitdir: string;
  readonly branch: string;
  /** `refs/heads/<branch>`. */
  readonly ref: string;
  /** Where new entries go. */
  readonly layout: LayoutName;
  readonly author: { name: string; email: string };
  readonly index: ReadIndex;
  /** Serializes writes. */
  readonly lock: Serializer;
  /** Serializes updates of the read index. */
  readonly indexQueue: Serializer;
  readonly verifiedHead: VerifiedHeadStore;
  readonly repo: Repo;
  /** Commit → its tree, for commits read or made lately. */
  readonly commitTrees: Map<string, string>;
  readonly signer: Signer | undefined;
  /** Tells `options.onProgress`; a listener's failure is not the ledger's. */
  readonly progress: (p: LedgerProgress) => void;
  /** The catch-up of the read index in progress, if any. */
  indexing: CatchUpHandle | undefined;
  /** The warming of the shard trees, once started. */
  warming: Promise<void> | undefined;
}

const DEFAULT_AUTHOR = { name: 'scp-ledger', email: 'scp-ledger@localhost' };

/** Finds (or makes) the repository and clears what a killed writer left behind. */
export async function openGitLedgerState(options: GitLedgerOptions): Promise<GitLedgerState> {
  const fs = options.fs;
  const dir = options.dir.replace(/\/+$/, '') || '/';
  const gitdir = await resolveGitdir(fs, dir, options.gitdir);
  const branch = options.branch ?? 'scp-ledger';
  const ref = `refs/heads/${branch}`;
  const verifiedHead = options.lastVerifiedHead ?? fileVerifiedHead(fs, `${gitdir}/scp-ledger-verified-head`);

  if (!(await exists(fsPromises(fs), `${gitdir}/HEAD`))) {
    await git.init({ fs, dir, gitdir, bare: gitdir === dir, defaultBranch: 'main' });
  }
  const repo = new Repo({ fs, gitdir, ...(options.wholeFilePacks && { wholeFilePacks: true }) });
  // A writer killed mid-save may have left the ref lock and temporary pack files: clear what is
  // provably abandoned now rather than making the next save wait for the lock to go stale.
  await repo.recover(ref).catch(() => undefined);
  return {
    options,
    fs,
    dir,
    gitdir,
    branch,
    ref,
    layout: options.layout ?? 'sharded',
    author: options.author ?? DEFAULT_AUTHOR,
    index: options.index ?? createMemoryReadIndex(),
    lock: options.lock ?? serialQueue(),
    indexQueue: serialQueue(),
    verifiedHead,
    repo,
    commitTrees: new Map(),
    signer: options.signing?.signer,
    progress: (p) => {
      try {
        options.onProgress?.(p);
      } catch {
        /* a listener's failure is not the ledger's */
      }
    },
    indexing: undefined,
    warming: undefined,
  };
}

export async function head(s: GitLedgerState): Promise<string | undefined> {
  return s.repo.readRef(s.ref);
}

export async function treeOf(s: GitLedgerState, commit: string): Promise<string> {
  let t = s.commitTrees.get(commit);
  if (!t) {
    t = (await s.repo.readCommit(commit)).tree;
    if (s.commitTrees.size > 1000) s.commitTrees.clear();
    s.commitTrees.set(commit, t);
  }
  return t;
}

/** A commit object, signed when the ledger has a signer (the signature covers every other byte). */
export async function commitObject(s: GitLedgerState, data: CommitData): Promise<RawObject> {
  const payload = encodeCommit(data);
  if (!s.signer) return hashObject('commit', payload);
  return hashObject('commit', withSignatureHeader(payload, await sshSign(s.signer, payload, 'git')));
}

export function person(s: GitLedgerState, name?: string): Person {
  return {
    name: name || s.author.name,
    email: s.author.email,
    timestamp: Math.floor(Date.now() / 1000),
    timezoneOffset: 0,
  };
}

/** A typed error for fs failures a user can act on (a full disk); others pass through. */
export function typedFsError(e: unknown, gitdir: string): unknown {
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

function serialQueue(): Serializer {
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
