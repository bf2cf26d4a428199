/**
 * The push step of a sync, never forced: our own pack of exactly the new objects in one request,
 * or isomorphic-git's push for remotes with an auth callback or a CORS proxy. A refusal is
 * returned (the sync fetches and tries again); any other failure is thrown.
 */
import * as git from 'isomorphic-git';
import { SyncError } from '../../errors/index.js';
import { packFor, pushPack, type PushOutcome } from './push.js';
import { errorCode, type SyncSession } from './sync-session.js';

/** A commit to send, with its tree and its parent's (what the pack must carry). */
export type Outgoing = { oid: string; tree: string; parentTree: string | undefined };

/** Pushes `target` over `remoteHead`; resolves the remote's reason when it refused, else `undefined`. */
export function pushTarget(
  session: SyncSession,
  outgoing: Outgoing[],
  remoteHead: string | undefined,
  target: string,
): Promise<string | undefined> {
  return session.ownProtocol
    ? pushOwnPack(session, outgoing, remoteHead, target)
    : pushWithIsomorphicGit(session, outgoing, target);
}

/** Our own pack of exactly the new objects, one request (see push.ts). */
async function pushOwnPack(
  session: SyncSession,
  outgoing: Outgoing[],
  remoteHead: string | undefined,
  target: string,
): Promise<string | undefined> {
  const { ctx, url } = session;
  let outcome: PushOutcome;
  try {
    const pack = await packFor(ctx.repo, outgoing);
    session.progress.tell({
      op: 'sync',
      phase: 'push',
      loaded: outgoing.length,
      total: outgoing.length,
      bytes: pack.length,
    });
    outcome = await pushPack({
      http: session.client,
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
  return outcome.ok ? undefined : (outcome.reason ?? 'rejected');
}

/** With an auth callback or a CORS proxy, isomorphic-git's push handles both. */
async function pushWithIsomorphicGit(session: SyncSession, outgoing: Outgoing[], target: string) {
  const { ctx, url } = session;
  const scratch = `refs/scp-sync/${ctx.branch}`;
  await ctx.repo.setRef(scratch, target);
  try {
    session.progress.tell({ op: 'sync', phase: 'push', loaded: 0, total: outgoing.length });
    const res = await git.push({ ...session.net, ref: scratch, remoteRef: ctx.ref, force: false });
    const refResult = res.refs?.[ctx.ref];
    if (!res.ok || (refResult && !refResult.ok)) return res.error || refResult?.error || 'rejected';
    return undefined;
  } catch (e) {
    const code = errorCode(e);
    if (code === 'PushRejectedError' || code === 'GitPushError') {
      // isomorphic-git's own fast-forward check, or the server refusing the ref update.
      return (
        (e as { data?: { reason?: string } }).data?.reason ??
        ((e as Error).message.split('\n').slice(1).join(' ').trim() || 'rejected')
      );
    }
    throw (
      session.authRefused(e, 'push') ??
      new SyncError(`Pushing the ledger to ${url} failed: ${(e as Error).message}`, {
        data: { remote: url, step: 'push' },
        cause: e,
      })
    );
  } finally {
    await ctx.repo.deleteRef(scratch).catch(() => undefined);
  }
}
