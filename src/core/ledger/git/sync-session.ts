/**
 * One sync's connection to the remote: its URL, the http clients (the caller's and a byte-counting
 * one), fresh credentials, isomorphic-git's options for remotes that need its fetch and push, and
 * the progress it reports.
 */
import type { HttpClient } from 'isomorphic-git';
import { SyncError } from '../../errors/index.js';
import type { LedgerProgress } from '../../schemas/ledger.js';
import type { RemoteCredentials } from './git-ledger.js';
import type { SyncContext } from './sync.js';
import { advertiseHeadFor, authHeaders, countingHttp } from './sync-http.js';

type Phase = { phase: string; loaded: number; total?: number | undefined };

/** Progress of one sync: git's own phases while fetching, with the bytes that came in so far. */
export class SyncReporter {
  private phase: Phase = { phase: 'connect', loaded: 0, total: undefined };
  private lastTold = 0;
  /** Bytes received so far. */
  bytesIn = 0;

  constructor(private readonly listener: ((p: LedgerProgress) => void) | undefined) {}

  tell(p: LedgerProgress): void {
    try {
      this.listener?.(p);
    } catch {
      /* a listener's failure is not the sync's */
    }
  }

  /** The current phase, at most every 100 ms unless forced. */
  report(force = false): void {
    const now = Date.now();
    if (!force && now - this.lastTold < 100) return;
    this.lastTold = now;
    const { phase } = this;
    this.tell({
      op: 'sync',
      phase: phase.phase,
      loaded: phase.loaded,
      ...(phase.total !== undefined && { total: phase.total }),
      bytes: this.bytesIn,
    });
  }

  setPhase(phase: Phase): void {
    this.phase = phase;
    this.report();
  }
}

export interface SyncSession {
  readonly ctx: SyncContext;
  readonly url: string;
  /** The http client the ledger was given. */
  readonly client: HttpClient;
  /** The same, counting the bytes that come in. */
  readonly http: HttpClient;
  /** isomorphic-git's fetch and push options, for remotes with an auth callback or a CORS proxy. */
  readonly net: NetOptions;
  /** No auth callback and no CORS proxy: our own fetch and push (fetch.ts, push.ts). */
  readonly ownProtocol: boolean;
  readonly progress: SyncReporter;
  /** A 401 (or a cancelled auth) while trying to `step`, as the error to throw; otherwise `undefined`. */
  authRefused(e: unknown, step: string): SyncError | undefined;
}

export type NetOptions = ReturnType<typeof netOptions>;

export function errorCode(e: unknown): string | undefined {
  return (e as { code?: string })?.code;
}

/** Checks that the ledger can sync and asks for this sync's credentials. */
export async function openSyncSession(
  ctx: SyncContext,
  url: string | undefined,
  listener: ((p: LedgerProgress) => void) | undefined,
): Promise<SyncSession> {
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
  const progress = new SyncReporter(listener);
  const client = ctx.http;
  const http = countingHttp(client, (received) => {
    progress.bytesIn = received;
    progress.report();
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
  const net = netOptions(ctx, url, http, progress, first, credentials && ask);
  return {
    ctx,
    url,
    client,
    http,
    net,
    ownProtocol: !net.onAuth && !ctx.remote?.corsProxy,
    progress,
    authRefused: (e, step) =>
      errorCode(e) === 'UserCanceledError' || (e as { data?: { statusCode?: number } })?.data?.statusCode === 401
        ? new SyncError(
            `The remote ${url} refused the credentials (HTTP 401) while trying to ${step}: give the ledger's remote a credentials callback that returns a valid token`,
            { data: { remote: url, step: 'auth' }, cause: e },
          )
        : undefined,
  };
}

function netOptions(
  ctx: SyncContext,
  url: string,
  http: HttpClient,
  progress: SyncReporter,
  first: RemoteCredentials | undefined,
  ask: ((failed: boolean) => Promise<RemoteCredentials | undefined>) | undefined,
) {
  return {
    fs: ctx.fs,
    http: advertiseHeadFor(http, ctx.ref),
    gitdir: ctx.gitdir,
    url,
    cache: ctx.repo.cache,
    onProgress: (e: { phase: string; loaded: number; total?: number }) =>
      progress.setPhase({ phase: e.phase, loaded: e.loaded, total: e.total || undefined }),
    ...(ctx.remote?.corsProxy !== undefined && { corsProxy: ctx.remote.corsProxy }),
    ...((ctx.remote?.headers !== undefined || first) && { headers: { ...ctx.remote?.headers, ...authHeaders(first) } }),
    ...(ctx.remote?.onAuth !== undefined && { onAuth: ctx.remote.onAuth }),
    // isomorphic-git calls onAuth on a 401, then onAuthFailure if the new ones are refused too.
    ...(ask && {
      onAuth: async () => (await ask(true)) ?? { cancel: true },
      onAuthFailure: () => ({ cancel: true }),
    }),
  };
}
