/**
 * The ledger Worker: all git work (hashing, compression, pack building, IndexedDB, network) runs
 * here so the page's main thread never blocks on it. Answers `rpc.ts` requests.
 */
import { ScpError } from '../../errors/index.js';
import { createBrowserGitLedger, fsNameOf, type BrowserGitLedger } from './browser-ledger.js';
import { createIdbFs } from './idb-fs.js';
import type { GitRemoteOptions, RemoteCredentials } from '../git/index.js';
import type { CredentialsReply, Request, Response, SerializedError, WorkerLedgerOptions } from './rpc.js';

const scope = self as unknown as {
  postMessage(m: Response): void;
  onmessage: ((e: MessageEvent<Request | CredentialsReply>) => void) | null;
};
let ledger: BrowserGitLedger | undefined;
/** The open ledger's background shard-tree warm-up. */
let warming: Promise<void> = Promise.resolve();

const MUTATING = new Set(['writeFile', 'appendFile', 'mkdir', 'rmdir', 'unlink', 'rename', 'symlink', 'chmod']);

/** Wraps the fs so the k-th mutating call (after `arm()`) never returns (the page then terminates this worker). */
async function pausingFs(name: string, k: number) {
  const fs = await createIdbFs(fsNameOf(name));
  let count = 0;
  let armed = false;
  const promises = new Proxy(fs.promises, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || !MUTATING.has(String(prop))) return value;
      return async (...args: unknown[]) => {
        if (!armed) return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        count++;
        if (count === k) {
          scope.postMessage({ type: 'paused', step: k, op: String(prop), path: String(args[0]) });
          await new Promise(() => {
            /* never: terminated here */
          });
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return {
    ...fs,
    promises,
    arm: () => {
      armed = true;
    },
  };
}

function serialize(e: unknown): SerializedError {
  if (e instanceof ScpError) return JSON.parse(JSON.stringify(e.toJSON())) as SerializedError;
  const err = e as { name?: string; message?: string; code?: string };
  return {
    name: err?.name ?? 'Error',
    message: err?.message ?? String(e),
    ...(typeof err?.code === 'string' && { code: err.code }),
  };
}

// Credentials live on the page (a function cannot cross into the worker, and a token should not
// outlive its sync here): each question goes out as a message and waits for the page's answer.
let asks = 0;
const answers = new Map<number, { resolve(v: RemoteCredentials | undefined): void; reject(e: Error): void }>();
function withPageCredentials(remote: NonNullable<WorkerLedgerOptions['remote']>): GitRemoteOptions {
  const { credentials, ...rest } = remote;
  if (!credentials) return rest;
  return {
    ...rest,
    credentials: ({ url, failed }) =>
      new Promise((resolve, reject) => {
        const ask = ++asks;
        answers.set(ask, { resolve, reject });
        scope.postMessage({ type: 'credentials', ask, url, failed });
      }),
  };
}

async function open(options: WorkerLedgerOptions): Promise<void> {
  if (ledger) await ledger.close?.();
  const name = options.name ?? 'scp-ledger';
  const fs = options.pauseAtWrite ? await pausingFs(name, options.pauseAtWrite) : undefined;
  ledger = await createBrowserGitLedger({
    name,
    ...(options.branch && { branch: options.branch }),
    ...(options.remote && { remote: withPageCredentials(options.remote) }),
    ...(options.author && { author: options.author }),
    ...(options.tags && { tags: options.tags }),
    onProgress: (progress) => scope.postMessage({ type: 'progress', progress }),
    ...(options.signing && { signing: options.signing }),
    ...(fs && { fs: fs as unknown as NonNullable<Parameters<typeof createBrowserGitLedger>[0]>['fs'] }),
  });
  fs?.arm(); // count the writes of calls made after opening
  // Background: load every shard tree once. A save reads the ~100 shard trees its entries land
  // in; cold, each is an object read from a pack, which made saves at 10,000 entries 1.7x slower
  // than on an empty ledger (0.8-0.9x once loaded: bench/git-browser.bench.ts).
  warming = ledger.warm().catch(() => undefined);
}

scope.onmessage = async (e) => {
  const msg = e.data as Request | CredentialsReply;
  if (msg.type === 'credentials') {
    const waiting = answers.get(msg.ask);
    answers.delete(msg.ask);
    if (msg.error !== undefined) waiting?.reject(new Error(msg.error));
    else waiting?.resolve(msg.value);
    return;
  }
  try {
    let value: unknown;
    if (msg.type === 'open') {
      await open(msg.options);
    } else {
      if (!ledger) throw new Error('The ledger worker was not opened');
      if (msg.method === 'whenWarm') {
        scope.postMessage({ id: msg.id, type: 'result', value: await warming });
        return;
      }
      const fn = (ledger as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[msg.method];
      if (typeof fn !== 'function') throw new Error(`The ledger has no method ${msg.method}`);
      value = await fn.apply(ledger, msg.args);
      if (msg.method === 'close') ledger = undefined;
    }
    scope.postMessage({ id: msg.id, type: 'result', value });
  } catch (err) {
    scope.postMessage({ id: msg.id, type: 'error', error: serialize(err) });
  }
};
