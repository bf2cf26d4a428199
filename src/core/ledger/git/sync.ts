/**
 * sync(): fetch the remote branch; if both sides moved, replay the local commits on top of the
 * remote head (entries are append-only, so each commit's additions and explicit deletions apply
 * cleanly); push without force; retry a bounded number of times when the remote moves meanwhile.
 * The local branch moves only after the remote accepted the push, so a failed sync leaves the
 * local ledger exactly as it was.
 */
import * as git from 'isomorphic-git';
import { PushRejectedError, SyncError } from '../../errors/index.js';
import type { SyncResult } from '../types.js';
import { diffTrees } from './diff.js';
import { EMPTY_TREE, encodeCommit, hashObject, type CommitData, type RawObject } from './objects.js';
import type { Repo } from './repo.js';
import { packFor, pushPack, type PushOutcome } from './push.js';
import { concatBytes, utf8, utf8Decode } from './platform.js';

export interface SyncContext {
  fs: any;
  http: any;
  gitdir: string;
  ref: string;
  branch: string;
  repo: Repo;
  remote?: { url: string; corsProxy?: string; headers?: Record<string, string>; onAuth?: any } | undefined;
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

async function ancestors(repo: Repo, tip: string | undefined): Promise<Set<string>> {
  const seen = new Set<string>();
  const stack = tip ? [tip] : [];
  while (stack.length) {
    const oid = stack.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    const c = await repo.readCommit(oid);
    stack.push(...c.parents);
  }
  return seen;
}

/** Commits reachable from `tip` and not in `stop`, oldest first (parents before children). */
async function commitsSince(repo: Repo, tip: string, stop: Set<string>): Promise<{ oid: string; c: CommitData }[]> {
  const out: { oid: string; c: CommitData }[] = [];
  const seen = new Set<string>();
  const visit = async (oid: string): Promise<void> => {
    // Iterative first-parent walk; the ledger's history is linear (extra parents are visited too).
    const chain: { oid: string; c: CommitData }[] = [];
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
  await visit(tip);
  return out;
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
export function advertiseHeadFor(http: any, ref: string): any {
  if (!http?.request) return http;
  return {
    async request(req: { url: string; method?: string }) {
      const res = await http.request(req);
      if ((req.method ?? 'GET') !== 'GET' || !/\/info\/refs\?service=git-upload-pack/.test(req.url) || res.statusCode !== 200) return res;
      const bytes = await collectBody(res.body);
      const text = utf8Decode.decode(bytes);
      const lines: string[] = [];
      for (let i = 0; i + 4 <= text.length;) {
        const n = parseInt(text.slice(i, i + 4), 16);
        if (Number.isNaN(n)) return { ...res, body: [bytes] };
        lines.push(n === 0 ? '' : text.slice(i + 4, i + n));
        i += n === 0 ? 4 : n;
      }
      const refLines = lines.filter((l) => /^[0-9a-f]{40} /.test(l));
      const name = (l: string) => l.slice(41).split('\0')[0]!.replace(/\n$/, '');
      const tip = refLines.find((l) => name(l) === ref);
      if (!tip || refLines.some((l) => name(l) === 'HEAD')) return { ...res, body: [bytes] };
      const first = lines.indexOf(refLines[0]!);
      lines.splice(first + 1, 0, `${tip.slice(0, 40)} HEAD\n`);
      const out = lines.map((l) => (l === '' ? '0000' : `${(utf8.encode(l).length + 4).toString(16).padStart(4, '0')}${l}`)).join('');
      return { ...res, body: [utf8.encode(out)] };
    },
  };
}

/** A named remote whose fetch refspec is our own namespace, so the host's remotes are never touched. */
async function ensureRemoteConfig(ctx: SyncContext, url: string): Promise<void> {
  const current = await git.getConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.url` }).catch(() => undefined);
  if (current === url) return;
  await git.setConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.url`, value: url });
  await git.setConfig({ fs: ctx.fs, gitdir: ctx.gitdir, path: `remote.${REMOTE_NAME}.fetch`, value: `+refs/heads/*:refs/remotes/${REMOTE_NAME}/*` });
}

function errorCode(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

export async function syncLedger(ctx: SyncContext, options: { remote?: string } = {}): Promise<SyncResult> {
  const url = options.remote ?? ctx.remote?.url;
  if (!url) throw new SyncError('This ledger has no remote: pass `remote: { url }` when creating it, or sync({ remote: url })', { data: { remote: '', step: 'config' } });
  if (!ctx.http) throw new SyncError('Syncing needs an http client: pass `http` (isomorphic-git/http/node or /http/web) when creating the ledger', { data: { remote: url, step: 'config' } });
  const { repo } = ctx;
  const net = {
    fs: ctx.fs, http: advertiseHeadFor(ctx.http, ctx.ref), gitdir: ctx.gitdir, url, cache: repo.cache,
    ...(ctx.remote?.corsProxy !== undefined && { corsProxy: ctx.remote.corsProxy }),
    ...(ctx.remote?.headers !== undefined && { headers: ctx.remote.headers }),
    ...(ctx.remote?.onAuth !== undefined && { onAuth: ctx.remote.onAuth }),
  };

  return ctx.lock(async () => {
    let fetchedTotal = 0;
    let lastReason = '';
    let rejectedAt: string | null = null;
    await ensureRemoteConfig(ctx, url);
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 20 + Math.random() * 80 * attempt));
      // 1. fetch
      let remoteHead: string | undefined;
      try {
        const r = await git.fetch({ ...net, remote: REMOTE_NAME, ref: ctx.branch, remoteRef: ctx.branch, singleBranch: true, tags: false });
        remoteHead = r.fetchHead ?? undefined;
      } catch (e) {
        if (errorCode(e) !== 'NotFoundError') {
          throw new SyncError(`Fetching the ledger from ${url} failed: ${(e as Error).message}`, { data: { remote: url, step: 'fetch' }, cause: e });
        }
        remoteHead = undefined; // the remote has no ledger branch yet
      }
      if (rejectedAt !== null && rejectedAt === (remoteHead ?? '')) {
        // The remote refused us without having moved: a policy, not a race. Retrying will not help.
        break;
      }
      const local = await ctx.head();
      if (remoteHead === local) return { head: local ?? '', fetched: fetchedTotal, pushed: 0 };

      const localSet = await ancestors(repo, local);
      if (remoteHead && localSet.has(remoteHead) === false) {
        fetchedTotal += (await commitsSince(repo, remoteHead, localSet)).length;
      }
      if (!local && remoteHead) {
        await ctx.beforeRefUpdate?.();
        await repo.casRef(ctx.ref, undefined, remoteHead);
        return { head: remoteHead, fetched: fetchedTotal, pushed: 0 };
      }
      const remoteSet = await ancestors(repo, remoteHead);
      if (local && remoteSet.has(local)) {
        // Only the remote moved: fast-forward.
        await ctx.beforeRefUpdate?.();
        await repo.casRef(ctx.ref, local, remoteHead!);
        return { head: remoteHead!, fetched: fetchedTotal, pushed: 0 };
      }

      // 2. our commits, replayed on the remote head when both moved
      const mine = await commitsSince(repo, local!, remoteSet);
      let target = local!;
      const replaced = new Map<string, string>();
      if (remoteHead && !localSet.has(remoteHead)) {
        const objects: RawObject[] = [];
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
                throw new SyncError(`Both sides wrote ${ch.path} with different content; the ledger never overwrites an entry, so this sync stops (nothing was pushed)`, { data: { remote: url, step: 'replay' } });
              }
              effective.set(ch.path, ch.after);
            } else if (there) {
              effective.set(ch.path, null);
            }
          }
          if (effective.size === 0) { replaced.set(oid, base); continue; }
          baseTree = await repo.editTree(baseTree, effective, objects);
          const next = await ctx.commitObject({ ...c, tree: baseTree, parents: [base] });
          objects.push(next);
          base = next.oid;
          replaced.set(oid, base);
        }
        await repo.writePack(objects);
        target = base;
      }
      const pushed = (await commitsSince(repo, target, remoteSet)).length;

      // 3. push (never forced); the local branch moves only once the remote took it
      if (target !== remoteHead) {
        if (!ctx.remote?.onAuth && !ctx.remote?.corsProxy) {
          // Our own pack of exactly the new objects, one request (see push.ts).
          let outcome: PushOutcome;
          try {
            const commits = await commitsSince(repo, target, remoteSet);
            const withTrees = await Promise.all(commits.map(async ({ oid, c }) => ({
              oid, tree: c.tree, parentTree: c.parents[0] ? (await repo.readCommit(c.parents[0])).tree : undefined,
            })));
            const pack = await packFor(repo, withTrees);
            outcome = await pushPack({ http: ctx.http, url, headers: ctx.remote?.headers, ref: ctx.ref, oldOid: remoteHead, newOid: target, pack });
          } catch (e) {
            throw new SyncError(`Pushing the ledger to ${url} failed: ${(e as Error).message}`, { data: { remote: url, step: 'push' }, cause: e });
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
              lastReason = (e as { data?: { reason?: string } }).data?.reason ?? ((e as Error).message.split('\n').slice(1).join(' ').trim() || 'rejected');
              rejectedAt = remoteHead ?? '';
              continue;
            }
            throw new SyncError(`Pushing the ledger to ${url} failed: ${(e as Error).message}`, { data: { remote: url, step: 'push' }, cause: e });
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
      return { head: target, fetched: fetchedTotal, pushed };
    }
    throw new PushRejectedError(`The remote kept moving: the ledger push was rejected ${MAX_ATTEMPTS} times (${lastReason}); local entries are intact, sync again later`, { data: { remote: url, reason: lastReason || 'rejected' } });
  });
}
