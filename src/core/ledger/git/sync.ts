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
import { EMPTY_TREE, type CommitData, type RawObject } from './objects.js';
import type { CredentialsCallback, RemoteCredentials } from './git-ledger.js';
import type { Repo } from './repo.js';
import { fetchPack } from './fetch.js';
import { indexPack } from './pack-index.js';
import { packFor, pushPack, type PushOutcome } from './push.js';
import { concatBytes, toHex, utf8, utf8Decode } from './platform.js';

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

type Walked = { oid: string; c: CommitData };

/** Every commit reachable from `tip`, oldest first (parents before children). */
async function wholeHistory(repo: Repo, tip: string | undefined, stop: Set<string> = new Set()): Promise<Walked[]> {
  const out: Walked[] = [];
  const seen = new Set<string>();
  const visit = async (oid: string): Promise<void> => {
    // Iterative first-parent walk; extra parents are visited too.
    const chain: Walked[] = [];
    let cur: string | undefined = oid;
    while (cur && !stop.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      const c = await repo.readCommit(cur);
      chain.push({ oid: cur, c });
      for (const extra of c.parents.slice(1)) if (!stop.has(extra) && !seen.has(extra)) await visit(extra);
      cur = c.parents[0];
    }
    out.push(...chain.reverse());
  };
  if (tip) await visit(tip);
  return out;
}

/**
 * The commits only `local` has and those only `remote` has, oldest first. Both first-parent
 * chains are walked in step until they meet, so the cost follows what changed since the two
 * sides last agreed, not the ledger's length. A merge commit on the way (the ledger never makes
 * one, an origin branch may hold some) falls back to whole-history sets.
 */
export async function divergence(
  repo: Repo,
  local: string | undefined,
  remote: string | undefined,
): Promise<{ mine: Walked[]; theirs: Walked[] }> {
  const sides = [local, remote].map((tip) => ({ next: tip, seen: new Map<string, number>(), chain: [] as Walked[] }));
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  let base: string | undefined;
  walk: while (a.next || b.next) {
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const oid = me.next;
      if (!oid) continue;
      if (other.seen.has(oid)) {
        base = oid;
        break walk;
      }
      const c = await repo.readCommit(oid);
      if (c.parents.length > 1) return mergedDivergence(repo, local, remote);
      me.seen.set(oid, me.chain.length);
      me.chain.push({ oid, c });
      me.next = c.parents[0];
    }
  }
  const upTo = (side: typeof a) => {
    const at = base === undefined ? undefined : side.seen.get(base);
    return (at === undefined ? side.chain : side.chain.slice(0, at)).reverse();
  };
  return { mine: upTo(a), theirs: upTo(b) };
}

async function mergedDivergence(
  repo: Repo,
  local: string | undefined,
  remote: string | undefined,
): Promise<{ mine: Walked[]; theirs: Walked[] }> {
  const all = async (tip: string | undefined) => new Set((await wholeHistory(repo, tip)).map((w) => w.oid));
  const [l, r] = await Promise.all([all(local), all(remote)]);
  return { mine: await wholeHistory(repo, local, r), theirs: await wholeHistory(repo, remote, l) };
}

/** An http client that reports the bytes it receives and sends. */
function countingHttp(http: HttpClient, onBytes: (received: number, sent: number) => void): HttpClient {
  let received = 0;
  let sent = 0;
  return {
    async request(req) {
      if (Array.isArray(req.body)) {
        for (const b of req.body) sent += b.length;
        onBytes(received, sent);
      }
      const res = await http.request(req);
      const body = res.body;
      if (!body) return res;
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body) {
            received += chunk.length;
            onBytes(received, sent);
            yield chunk;
          }
        })(),
      };
    },
  };
}

/** A response body of one chunk. */
async function* chunks(bytes: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield bytes;
}

async function collectBody(body: unknown): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (body) for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(chunk);
  return concatBytes(parts);
}

/**
 * isomorphic-git's fetch needs the remote to advertise `HEAD`; a bare repository whose HEAD names
 * an unborn branch (a remote that only holds the ledger branch) advertises none, and the fetch
 * fails after the negotiation. This http wrapper adds a `HEAD` line naming the ledger branch's
 * tip to the upload-pack advertisement in that case only.
 */
export function advertiseHeadFor(http: HttpClient, ref: string): HttpClient {
  return {
    async request(req) {
      const res = await http.request(req);
      if (
        (req.method ?? 'GET') !== 'GET' ||
        !/\/info\/refs\?service=git-upload-pack/.test(req.url) ||
        res.statusCode !== 200
      )
        return res;
      const bytes = await collectBody(res.body);
      const text = utf8Decode.decode(bytes);
      const lines: string[] = [];
      for (let i = 0; i + 4 <= text.length; ) {
        const n = parseInt(text.slice(i, i + 4), 16);
        if (Number.isNaN(n)) return { ...res, body: chunks(bytes) };
        lines.push(n === 0 ? '' : text.slice(i + 4, i + n));
        i += n === 0 ? 4 : n;
      }
      const refLines = lines.filter((l) => /^[0-9a-f]{40} /.test(l));
      const name = (l: string) => l.slice(41).split('\0')[0]!.replace(/\n$/, '');
      const tip = refLines.find((l) => name(l) === ref);
      if (!tip || refLines.some((l) => name(l) === 'HEAD')) return { ...res, body: chunks(bytes) };
      const first = lines.indexOf(refLines[0]!);
      lines.splice(first + 1, 0, `${tip.slice(0, 40)} HEAD\n`);
      const out = lines
        .map((l) => (l === '' ? '0000' : `${(utf8.encode(l).length + 4).toString(16).padStart(4, '0')}${l}`))
        .join('');
      return { ...res, body: chunks(utf8.encode(out)) };
    },
  };
}

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

/** Credentials as request headers: basic auth from user/password, then the callback's own headers. */
function authHeaders(c: RemoteCredentials | undefined): Record<string, string> {
  if (!c) return {};
  const basic: Record<string, string> =
    c.username !== undefined || c.password !== undefined
      ? {
          Authorization: `Basic ${btoa(String.fromCharCode(...utf8.encode(`${c.username ?? ''}:${c.password ?? ''}`)))}`,
        }
      : {};
  return { ...basic, ...c.headers };
}

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
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
  if (!url)
    throw new SyncError(
      'This ledger has no remote: pass `remote: { url }` when creating it, or sync({ remote: url })',
      { data: { remote: '', step: 'config' } },
    );
  if (!ctx.http)
    throw new SyncError(
      'Syncing needs an http client: pass `http` (isomorphic-git/http/node or /http/web) when creating the ledger',
      { data: { remote: url, step: 'config' } },
    );
  const { repo } = ctx;
  const tell = (p: LedgerProgress) => {
    try {
      options.progress?.(p);
    } catch {
      /* a listener's failure is not the sync's */
    }
  };
  // Progress: git's own phases while fetching, with the bytes that came in so far.
  let phase = { phase: 'connect', loaded: 0, total: undefined as number | undefined };
  let bytesIn = 0;
  let lastTold = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastTold < 100) return;
    lastTold = now;
    tell({
      op: 'sync',
      phase: phase.phase,
      loaded: phase.loaded,
      ...(phase.total !== undefined && { total: phase.total }),
      bytes: bytesIn,
    });
  };
  const client = ctx.http;
  const http = countingHttp(client, (received) => {
    bytesIn = received;
    report();
  });
  // Fresh credentials for this sync, asked again when the remote refuses them (401).
  const credentials = ctx.remote?.credentials;
  const ask = async (failed: boolean): Promise<RemoteCredentials | undefined> => {
    try {
      return await credentials!({ url, failed });
    } catch (e) {
      throw new SyncError(`The credentials callback for ${url} failed: ${(e as Error)?.message ?? String(e)}`, {
        data: { remote: url, step: 'auth' },
        cause: e,
      });
    }
  };
  const first = credentials ? await ask(false) : undefined;
  const net = {
    fs: ctx.fs,
    http: advertiseHeadFor(http, ctx.ref),
    gitdir: ctx.gitdir,
    url,
    cache: repo.cache,
    onProgress: (e: { phase: string; loaded: number; total?: number }) => {
      phase = { phase: e.phase, loaded: e.loaded, total: e.total || undefined };
      report();
    },
    ...(ctx.remote?.corsProxy !== undefined && { corsProxy: ctx.remote.corsProxy }),
    ...((ctx.remote?.headers !== undefined || first) && { headers: { ...ctx.remote?.headers, ...authHeaders(first) } }),
    ...(ctx.remote?.onAuth !== undefined && { onAuth: ctx.remote.onAuth }),
    // isomorphic-git calls onAuth on a 401, then onAuthFailure if the new ones are refused too.
    ...(credentials && {
      onAuth: async () => (await ask(true)) ?? { cancel: true },
      onAuthFailure: () => ({ cancel: true }),
    }),
  };
  const authRefused = (e: unknown, step: string) =>
    errorCode(e) === 'UserCanceledError' || (e as { data?: { statusCode?: number } })?.data?.statusCode === 401
      ? new SyncError(
          `The remote ${url} refused the credentials (HTTP 401) while trying to ${step}: give the ledger's remote a credentials callback that returns a valid token`,
          { data: { remote: url, step: 'auth' }, cause: e },
        )
      : undefined;

  return ctx.lock(async () => {
    let lastReason = '';
    let rejectedAt: string | null = null;
    await ensureRemoteConfig(ctx, url);
    report(true);
    const done = (r: SyncResult): SyncResult => {
      tell({ op: 'sync', phase: 'done', loaded: r.fetched + r.pushed, bytes: bytesIn });
      return r;
    };
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
      // 1. fetch
      let remoteHead: string | undefined;
      try {
        // isomorphic-git tells the server we have just the tip of `ref`. Our own branch's tip is
        // unknown to the server while it holds unpushed commits (the server would then send the
        // whole history back); the remote-tracking ref is always a commit the server knows.
        const tracking = remoteTrackingRef(ctx.branch);
        const trackingTip = await repo.readRef(tracking).catch(() => undefined);
        // With an auth callback (the host's or a credentials callback) or a CORS proxy,
        // isomorphic-git's fetch handles both; otherwise our own fetch and pack indexing.
        if (!net.onAuth && !ctx.remote?.corsProxy) {
          // Our own fetch and pack indexing (fetch.ts, pack-index.ts); the tracking ref moves
          // only once the objects are stored.
          const localTip = await ctx.head();
          const f = await fetchPack({
            http,
            url,
            headers: ctx.remote?.headers,
            ref: ctx.ref,
            haves: [trackingTip, localTip].filter((h): h is string => !!h),
            has: (oid) => repo.hasObject(oid),
            onProgress: (p) => {
              phase = { phase: p.phase, loaded: p.loaded, total: p.total };
              report();
            },
          });
          if (f.pack) {
            // The pack is written while it is indexed; the index is stored once complete.
            const indexing = indexPack(f.pack, {
              external: (oid) => repo.readObject(oid).catch(() => undefined),
              onProgress: (loaded, total) => {
                phase = { phase: 'Resolving deltas', loaded, total };
                report();
              },
            });
            await repo.storePack(
              toHex(f.pack.subarray(f.pack.length - 20)),
              f.pack,
              indexing.then((i) => i.idx),
            );
          }
          if (f.head) await repo.setRef(tracking, f.head);
          remoteHead = f.head;
        } else {
          // With an auth callback or a CORS proxy, isomorphic-git's fetch handles both.
          const haveRef = trackingTip ? tracking : ctx.branch;
          const r = await git.fetch({
            ...net,
            remote: REMOTE_NAME,
            ref: haveRef,
            remoteRef: ctx.branch,
            singleBranch: true,
            tags: false,
          });
          remoteHead = r.fetchHead ?? undefined;
        }
      } catch (e) {
        if (errorCode(e) !== 'NotFoundError') {
          throw (
            authRefused(e, 'fetch') ??
            new SyncError(`Fetching the ledger from ${url} failed: ${(e as Error).message}`, {
              data: { remote: url, step: 'fetch' },
              cause: e,
            })
          );
        }
        remoteHead = undefined; // the remote has no ledger branch yet
      }
      report(true);
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
      let target = local!;
      let outgoing: { oid: string; tree: string; parentTree: string | undefined }[];
      const replaced = new Map<string, string>();
      if (remoteHead && theirs.length > 0) {
        const objects: RawObject[] = [];
        outgoing = [];
        let base = remoteHead;
        let baseTree = (await repo.readCommit(remoteHead)).tree;
        for (const { oid, c } of mine) {
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
                  { data: { remote: url, step: 'replay' } },
                );
              }
              effective.set(ch.path, ch.after);
            } else if (there) {
              effective.set(ch.path, null);
            }
          }
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
        target = base;
      } else {
        outgoing = await Promise.all(
          mine.map(async ({ oid, c }) => ({
            oid,
            tree: c.tree,
            parentTree: c.parents[0] ? (await repo.readCommit(c.parents[0])).tree : undefined,
          })),
        );
      }
      const pushed = outgoing.length;

      // 3. push (never forced); the local branch moves only once the remote took it
      if (target !== remoteHead) {
        if (!net.onAuth && !ctx.remote?.corsProxy) {
          // Our own pack of exactly the new objects, one request (see push.ts).
          let outcome: PushOutcome;
          try {
            const pack = await packFor(repo, outgoing);
            tell({ op: 'sync', phase: 'push', loaded: outgoing.length, total: outgoing.length, bytes: pack.length });
            outcome = await pushPack({
              http: client,
              url,
              headers: ctx.remote?.headers,
              ref: ctx.ref,
              oldOid: remoteHead,
              newOid: target,
              pack,
            });
          } catch (e) {
            throw new SyncError(`Pushing the ledger to ${url} failed: ${(e as Error).message}`, {
              data: { remote: url, step: 'push' },
              cause: e,
            });
          }
          if (!outcome.ok) {
            lastReason = outcome.reason ?? 'rejected';
            rejectedAt = remoteHead ?? '';
            continue;
          }
        } else {
          // With an auth callback or a CORS proxy, isomorphic-git's push handles both.
          const scratch = `refs/scp-sync/${ctx.branch}`;
          await repo.setRef(scratch, target);
          try {
            tell({ op: 'sync', phase: 'push', loaded: 0, total: outgoing.length });
            const res = await git.push({ ...net, ref: scratch, remoteRef: ctx.ref, force: false });
            const refResult = res.refs?.[ctx.ref];
            if (!res.ok || (refResult && !refResult.ok)) {
              lastReason = res.error || refResult?.error || 'rejected';
              rejectedAt = remoteHead ?? '';
              continue;
            }
          } catch (e) {
            const code = errorCode(e);
            if (code === 'PushRejectedError' || code === 'GitPushError') {
              // isomorphic-git's own fast-forward check, or the server refusing the ref update.
              lastReason =
                (e as { data?: { reason?: string } }).data?.reason ??
                ((e as Error).message.split('\n').slice(1).join(' ').trim() || 'rejected');
              rejectedAt = remoteHead ?? '';
              continue;
            }
            throw (
              authRefused(e, 'push') ??
              new SyncError(`Pushing the ledger to ${url} failed: ${(e as Error).message}`, {
                data: { remote: url, step: 'push' },
                cause: e,
              })
            );
          } finally {
            await repo.deleteRef(scratch).catch(() => undefined);
          }
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
      { data: { remote: url, reason: lastReason || 'rejected' } },
    );
  });
}
