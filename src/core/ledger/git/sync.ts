/**
 * sync(): fetch the remote branch; if both sides moved, replay the local commits on top of the
 * remote head (entries are append-only, so each commit's additions and explicit deletions apply
 * cleanly); push without force; retry a bounded number of times when the remote moves meanwhile.
 * The local branch moves only after the remote accepted the push, so a failed sync leaves the
 * local ledger exactly as it was.
 */
import type { AuthCallback, FsClient, HttpClient } from 'isomorphic-git';
import * as git from 'isomorphic-git';
import { PushRejectedError, SyncError } from '../../errors/index.js';
import type { LedgerProgress } from '../../schemas/ledger.js';
import type { SyncResult } from '../types.js';
import { diffTrees } from './diff.js';
import { fetchPack } from './fetch.js';
import type { CredentialsCallback } from './git-ledger.js';
import { EMPTY_TREE, type CommitData, type RawObject } from './objects.js';
import { indexPack } from './pack-index.js';
import type { Repo } from './repo.js';
import { divergence, type Walked } from './sync-history.js';
import { pushTarget, type Outgoing } from './sync-push.js';
import { errorCode, openSyncSession, type SyncSession } from './sync-session.js';

export interface SyncContext {
  fs: FsClient;
  http: HttpClient | undefined;
  gitdir: string;
  ref: string;
  branch: string;
  repo: Repo;
  remote?:
    | {
        url: string;
        corsProxy?: string;
        headers?: Record<string, string>;
        credentials?: CredentialsCallback | undefined;
        onAuth?: AuthCallback | undefined;
      }
    | undefined;
  lock: <T>(fn: () => Promise<T>) => Promise<T>;
  beforeRefUpdate?: (() => Promise<void>) | undefined;
  verifiedHead: { get(): Promise<string | undefined>; set(h: string): Promise<void> };
  head(): Promise<string | undefined>;
  /** Makes (and signs, when the ledger signs) a commit object. */
  commitObject(data: CommitData): Promise<RawObject>;
}

const MAX_ATTEMPTS = 6;
const REMOTE_NAME = 'scp-ledger-remote';
/** Where a fetch leaves the remote's ledger branch. */
export const remoteTrackingRef = (branch: string) => `refs/remotes/${REMOTE_NAME}/${branch}`;

/** A named remote whose fetch refspec is our own namespace, so the host's remotes are never touched. */
async function ensureRemoteConfig(ctx: SyncContext, url: string): Promise<void> {
  const current = await git
    .getConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.url` })
    .catch(() => undefined);
  if (current === url) return;
  await git.setConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.url`, value: url });
  await git.setConfig({
    fs: ctx.fs,
    gitdir: ctx.gitdir,
    path: `remote.${REMOTE_NAME}.fetch`,
    value: `+refs/heads/*:refs/remotes/${REMOTE_NAME}/*`,
  });
}

/** The remote URL this ledger last synced with (kept in its own git config), if any. */
export async function rememberedRemote(ctx: Pick<SyncContext, 'fs' | 'gitdir'>): Promise<string | undefined> {
  const url = await git
    .getConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.url` })
    .catch(() => undefined);
  return typeof url === 'string' && url ? url : undefined;
}

export async function syncLedger(
  ctx: SyncContext,
  options: { remote?: string; progress?: (p: LedgerProgress) => void } = {},
): Promise<SyncResult> {
  const url = options.remote ?? ctx.remote?.url ?? (await rememberedRemote(ctx));
  const session = await openSyncSession(ctx, url, options.progress);
  const { repo } = ctx;
  const { progress } = session;

  return ctx.lock(async () => {
    let lastReason = '';
    let rejectedAt: string | null = null;
    await ensureRemoteConfig(ctx, session.url);
    progress.report(true);
    const done = (r: SyncResult): SyncResult => {
      progress.tell({ op: 'sync', phase: 'done', loaded: r.fetched + r.pushed, bytes: progress.bytesIn });
      return r;
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
      // 1. fetch
      const remoteHead = await fetchRemote(session);
      progress.report(true);
      if (rejectedAt !== null && rejectedAt === (remoteHead ?? '')) {
        // The remote refused us without having moved: a policy, not a race. Retrying will not help.
        break;
      }
      const local = await ctx.head();
      if (remoteHead === local) return done({ head: local ?? '', fetched: 0, pushed: 0 });

      // The local branch cannot move while we hold the lock, so every attempt measures the same
      // base: the remote's new commits are counted once, however many attempts it took.
      const { mine, theirs } = await divergence(repo, local, remoteHead);
      const fetched = theirs.length;
      if (remoteHead && mine.length === 0) {
        // Only the remote moved (or we had nothing): fast-forward.
        await ctx.beforeRefUpdate?.();
        await repo.casRef(ctx.ref, local, remoteHead);
        return done({ head: remoteHead, fetched, pushed: 0 });
      }

      // 2. our commits, replayed on the remote head when both moved
      const { target, outgoing, replaced } =
        remoteHead && theirs.length > 0
          ? await replayOnto(session, mine, remoteHead)
          : { target: local!, outgoing: await asSent(repo, mine), replaced: new Map<string, string>() };
      const pushed = outgoing.length;

      // 3. push (never forced); the local branch moves only once the remote took it
      if (target !== remoteHead) {
        const refused = await pushTarget(session, outgoing, remoteHead, target);
        if (refused !== undefined) {
          lastReason = refused;
          rejectedAt = remoteHead ?? '';
          continue;
        }
      }
      // As git push does: the remote-tracking ref now names what the remote holds.
      if (target !== remoteHead) await repo.setRef(remoteTrackingRef(ctx.branch), target);
      if (target !== local) {
        await ctx.beforeRefUpdate?.();
        await repo.casRef(ctx.ref, local, target);
        // We replaced our own commits with equivalent ones: carry verify()'s mark across.
        const last = await ctx.verifiedHead.get();
        if (last && replaced.has(last)) await ctx.verifiedHead.set(replaced.get(last)!);
      }
      return done({ head: target, fetched, pushed });
    }
    throw new PushRejectedError(
      `The remote kept moving: the ledger push was rejected ${MAX_ATTEMPTS} times (${lastReason}); local entries are intact, sync again later`,
      { data: { remote: session.url, reason: lastReason || 'rejected' } },
    );
  });
}

/** Fetches the remote's ledger branch; resolves its head, `undefined` when the remote has none yet. */
async function fetchRemote(session: SyncSession): Promise<string | undefined> {
  const { ctx, url, progress } = session;
  const { repo } = ctx;
  try {
    // isomorphic-git tells the server we have just the tip of `ref`. Our own branch's tip is
    // unknown to the server while it holds unpushed commits (the server would then send the
    // whole history back); the remote-tracking ref is always a commit the server knows.
    const tracking = remoteTrackingRef(ctx.branch);
    const trackingTip = await repo.readRef(tracking).catch(() => undefined);
    // With an auth callback (the host's or a credentials callback) or a CORS proxy,
    // isomorphic-git's fetch handles both; otherwise our own fetch and pack indexing.
    if (session.ownProtocol) {
      // Our own fetch and pack indexing (fetch.ts, pack-index.ts); the tracking ref moves
      // only once the objects are stored.
      const localTip = await ctx.head();
      const f = await fetchPack({
        http: session.http,
        url,
        headers: ctx.remote?.headers,
        ref: ctx.ref,
        haves: [trackingTip, localTip].filter((h): h is string => !!h),
        has: (oid) => repo.hasObject(oid),
        onProgress: (p) => progress.setPhase({ phase: p.phase, loaded: p.loaded, total: p.total }),
      });
      if (f.pack) {
        const indexed = await indexPack(f.pack, {
          external: (oid) => repo.readObject(oid).catch(() => undefined),
          onProgress: (loaded, total) => progress.setPhase({ phase: 'Resolving deltas', loaded, total }),
        });
        await repo.storePack(indexed.name, f.pack, indexed.idx);
      }
      if (f.head) await repo.setRef(tracking, f.head);
      return f.head;
    }
    // With an auth callback or a CORS proxy, isomorphic-git's fetch handles both.
    const haveRef = trackingTip ? tracking : ctx.branch;
    const r = await git.fetch({
      ...session.net,
      remote: REMOTE_NAME,
      ref: haveRef,
      remoteRef: ctx.branch,
      singleBranch: true,
      tags: false,
    });
    return r.fetchHead ?? undefined;
  } catch (e) {
    if (errorCode(e) !== 'NotFoundError') {
      throw (
        session.authRefused(e, 'fetch') ??
        new SyncError(`Fetching the ledger from ${url} failed: ${(e as Error).message}`, {
          data: { remote: url, step: 'fetch' },
          cause: e,
        })
      );
    }
    return undefined; // the remote has no ledger branch yet
  }
}

/** Our commits as they are, to send when only our side moved. */
function asSent(repo: Repo, mine: Walked[]): Promise<Outgoing[]> {
  return Promise.all(
    mine.map(async ({ oid, c }) => ({
      oid,
      tree: c.tree,
      parentTree: c.parents[0] ? (await repo.readCommit(c.parents[0])).tree : undefined,
    })),
  );
}

/**
 * Both sides moved: each of our commits is made again on the remote head with the same
 * additions and deletions (entries are append-only, so they apply cleanly); `replaced` maps
 * each old commit to the one that now stands for it.
 */
async function replayOnto(
  session: SyncSession,
  mine: Walked[],
  remoteHead: string,
): Promise<{ target: string; outgoing: Outgoing[]; replaced: Map<string, string> }> {
  const { ctx } = session;
  const { repo } = ctx;
  const objects: RawObject[] = [];
  const outgoing: Outgoing[] = [];
  const replaced = new Map<string, string>();
  let base = remoteHead;
  let baseTree = (await repo.readCommit(remoteHead)).tree;
  for (const { oid, c } of mine) {
    const effective = await changesOnto(session, c, baseTree);
    if (effective.size === 0) {
      replaced.set(oid, base);
      continue;
    }
    const parentTreeOfNext = baseTree;
    baseTree = await repo.editTree(baseTree, effective, objects);
    const next = await ctx.commitObject({ ...c, tree: baseTree, parents: [base] });
    objects.push(next);
    outgoing.push({ oid: next.oid, tree: baseTree, parentTree: parentTreeOfNext });
    base = next.oid;
    replaced.set(oid, base);
  }
  await repo.writePack(objects);
  return { target: base, outgoing, replaced };
}

/** What commit `c` changed, as edits of `baseTree`; both sides writing one path differently stops the sync. */
async function changesOnto(session: SyncSession, c: CommitData, baseTree: string): Promise<Map<string, string | null>> {
  const { repo } = session.ctx;
  const parentTree = c.parents[0] ? (await repo.readCommit(c.parents[0])).tree : EMPTY_TREE;
  const changes = await diffTrees(repo, parentTree, c.tree);
  const effective = new Map<string, string | null>();
  for (const ch of changes) {
    const there = await repo.lookup(baseTree, ch.path.split('/'));
    if (ch.after) {
      if (there?.oid === ch.after) continue; // already there (a commit replayed before)
      if (there) {
        throw new SyncError(
          `Both sides wrote ${ch.path} with different content; the ledger never overwrites an entry, so this sync stops (nothing was pushed)`,
          { data: { remote: session.url, step: 'replay' } },
        );
      }
      effective.set(ch.path, ch.after);
    } else if (there) {
      effective.set(ch.path, null);
    }
  }
  return effective;
}
