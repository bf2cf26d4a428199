/**
 * The git ledger's sync(), verify() and dropUnpushed(): thin calls into sync.ts and verify.ts
 * with the ledger's state, its lock and its progress listener.
 */
import type { LedgerProgress } from '../../schemas/ledger.js';
import type { SyncOptions, SyncResult, VerifyCallOptions, VerifyReport } from '../types.js';
import { commitObject, head, type GitLedgerState } from './ledger-state.js';
import { signCheckpoint } from './signing/checkpoint.js';
import { remoteTrackingRef, syncLedger, type SyncContext } from './sync.js';
import { verifyLedger, type VerifyOptions } from './verify.js';

/** Tells the ledger's listener, then the caller's own (whose failure stops nothing). */
function alsoTell(s: GitLedgerState, each: ((p: LedgerProgress) => void) | undefined) {
  return (p: LedgerProgress) => {
    s.progress(p);
    try {
      each?.(p);
    } catch {
      /* the caller's listener */
    }
  };
}

export function syncContextOf(s: GitLedgerState): SyncContext {
  return {
    fs: s.fs,
    http: s.options.http,
    gitdir: s.gitdir,
    ref: s.ref,
    branch: s.branch,
    repo: s.repo,
    remote: s.options.remote,
    lock: s.lock,
    beforeRefUpdate: s.options.beforeRefUpdate,
    verifiedHead: s.verifiedHead,
    head: () => head(s),
    commitObject: (data) => commitObject(s, data),
  };
}

export function sync(s: GitLedgerState, ctx: SyncContext, o?: SyncOptions): Promise<SyncResult> {
  return syncLedger(ctx, { ...o, progress: alsoTell(s, o?.progress) });
}

export async function verify(s: GitLedgerState, o?: VerifyOptions & VerifyCallOptions): Promise<VerifyReport> {
  const { progress: each, ...rules } = o ?? {};
  const tell = alsoTell(s, each);
  const { signer, branch } = s;
  const checkpoint = signer
    ? (state: { head: string; entries: number }) =>
        signCheckpoint(signer, {
          ledger: branch,
          head: state.head,
          entries: state.entries,
          time: new Date().toISOString(),
        })
    : undefined;
  tell({ op: 'verify', phase: 'start', loaded: 0 });
  const report = await verifyLedger(
    { repo: s.repo, ref: s.ref, verifiedHead: s.verifiedHead, signatures: s.options.signing, checkpoint },
    rules,
  );
  tell({ op: 'verify', phase: 'done', loaded: report.checked.commits, total: report.checked.commits });
  return report;
}

/** Moves the branch back to the remote's head as last fetched. */
export function dropUnpushed(s: GitLedgerState): Promise<void> {
  return s.lock(async () => {
    const local = await head(s);
    const remote = await s.repo.readRef(remoteTrackingRef(s.branch));
    if (local === remote) return;
    await s.options.beforeRefUpdate?.();
    if (remote) await s.repo.casRef(s.ref, local, remote);
    else await s.repo.deleteRef(s.ref);
  });
}
