/**
 * Finds and starts the ledger Worker wherever the package ends up:
 * - beside this module: `new URL('./worker.js', import.meta.url)` stays a literal, so Vite and
 *   webpack emit the file and rewrite the URL, and an unbundled page or the script-tag build
 *   serves it as is;
 * - on another origin (the script-tag build on a CDN): a Worker must be same-origin, so a
 *   same-origin blob module that imports the cross-origin file starts it;
 * - where a bundler copied the modules but not `worker.js` (the URL is left pointing at a
 *   `worker.js` beside a bundled chunk): from the Worker's code the npm build ships as text.
 * A Worker that fails to load is diagnosed (missing file, wrong type, blocked) into an error that
 * says what to do.
 */
import { LedgerUnavailableError } from '../../errors/index.js';

export interface StartedWorker {
  worker: Worker;
  /** Where it came from (for the error if it fails to load). */
  from: 'url' | 'cross-origin' | 'inline';
  url: string;
  /** Frees the blob URL once the Worker answered. */
  release(): void;
}

/** True when this module is loaded from the package's own file (not from a bundler's chunk). */
const asShipped = () => /\/git-browser\/worker-start\.[jt]s$/.test(new URL(import.meta.url).pathname);

function blobWorker(code: string, name: string, from: StartedWorker['from'], url: string): StartedWorker {
  const blobUrl = URL.createObjectURL(new Blob([code], { type: 'text/javascript' }));
  const worker = new Worker(blobUrl, { type: 'module', name });
  return { worker, from, url, release: () => URL.revokeObjectURL(blobUrl) };
}

export async function startLedgerWorker(name: string): Promise<StartedWorker> {
  const url = new URL('./worker.js', import.meta.url);
  try {
    if (url.origin !== globalThis.location?.origin && /^https?:$/.test(url.protocol)) {
      return blobWorker(`import ${JSON.stringify(url.href)};\n`, name, 'cross-origin', url.href);
    }
    if (url.pathname.endsWith('/worker.js') && !asShipped()) {
      const { default: source } = await import('./worker-source.js');
      if (source) return blobWorker(source, name, 'inline', url.href);
    }
    return { worker: new Worker(url, { type: 'module', name }), from: 'url', url: url.href, release() {} };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const trustedTypes = /trusted/i.test(reason);
    throw new LedgerUnavailableError(
      trustedTypes
        ? `The ledger Worker could not start: this page requires Trusted Types for script URLs (${reason}). Pass createScp({ worker: () => new Worker(policy.createScriptURL(url), { type: 'module' }) }) with a policy your CSP allows`
        : `The ledger Worker could not start (${reason}): serve scp-ledger's worker.js (${url.href}) and pass createScp({ worker: () => new Worker(url, { type: 'module' }) }) to start it yourself`,
      { data: { reason: trustedTypes ? 'trusted_types' : 'worker_start' }, cause },
    );
  }
}

/**
 * Why a Worker that reported an error before answering did not start, and what to do: its file is
 * fetched once to tell a missing file or a dev server's fallback page from a blocked or broken script.
 */
export async function workerStartFailure(
  started: Pick<StartedWorker, 'from' | 'url'> | undefined,
  message: string,
): Promise<LedgerUnavailableError> {
  const fix =
    "or pass createScp({ worker: () => new Worker(url, { type: 'module' }) }) pointing at a copy of node_modules/scp-ledger/dist/core/ledger/git-browser/worker.js";
  const fail = (reason: string, text: string) =>
    new LedgerUnavailableError(`The ledger Worker did not start: ${text}`, { data: { reason } });
  if (message) return fail('worker_error', `${message} (${started?.url ?? 'a Worker given to createScp'})`);
  if (!started)
    return fail(
      'worker_error',
      'the Worker given to createScp reported an error without a message: check its URL and the browser console',
    );
  if (started.from === 'inline') {
    return fail(
      'worker_blocked',
      'the page did not allow a Worker from a blob: URL; allow it in the Content-Security-Policy (worker-src blob:), serve worker.js beside the bundle, ' +
        fix,
    );
  }
  let res: Response;
  try {
    res = await fetch(started.url, { cache: 'no-store' });
  } catch (e) {
    return fail(
      'worker_unreachable',
      `${started.url} could not be fetched (${(e as Error).message}): ${started.from === 'cross-origin' ? 'the server must send Access-Control-Allow-Origin for it, ' : ''}${fix}`,
    );
  }
  const type = res.headers.get('content-type') ?? '';
  if (!res.ok)
    return fail(
      'worker_missing',
      `${started.url} answered ${res.status}: serve worker.js there (it ships beside scp-ledger's modules), ${fix}`,
    );
  if (!/javascript|ecmascript/i.test(type))
    return fail(
      'worker_not_js',
      `${started.url} is served as "${type || 'no type'}", not JavaScript (a fallback page?): serve the real worker.js there, ${fix}`,
    );
  if (started.from === 'cross-origin')
    return fail(
      'worker_blocked',
      `the same-origin wrapper for ${started.url} did not start: allow worker-src blob: in the Content-Security-Policy, ${fix}`,
    );
  return fail(
    'worker_blocked',
    `${started.url} is there but did not run (blocked by the Content-Security-Policy's worker-src?): ${fix}`,
  );
}
