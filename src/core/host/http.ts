import { AbortedError, HttpError, NetworkError, TimeoutError, ValidationError } from '../errors/index.js';
import { parseWith } from '../schemas/parse.js';
import type * as z from 'zod/mini';

/** Extra request headers (auth tokens ...), computed per request so a host can refresh them. */
export type HeadersHook = () => Record<string, string> | Promise<Record<string, string>>;

export interface HttpOptions {
  /** Where the host's API lives, e.g. `https://ops.example.com` or `/` (paths start with `/api/`). */
  baseUrl: string;
  headers?: Record<string, string> | HeadersHook;
  /** `fetch`'s credentials mode (default `same-origin`; `include` to send cookies cross-origin). */
  credentials?: RequestCredentials;
  /** Default per-request timeout (default 15 s). */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RequestOptions<S extends z.ZodMiniType | undefined = undefined> {
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Validates a 2xx JSON body; a mismatch becomes a ValidationError. */
  schema?: S;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Statuses returned to the caller instead of thrown (e.g. 404 for "missing"). */
  accept?: number[];
  headers?: Record<string, string>;
  /** Human words for error messages ("pending snapshot list"). */
  what?: string;
}

export interface HttpResponse<T> {
  status: number;
  body: T;
  headers: Headers;
}

export interface Http {
  readonly baseUrl: string;
  url(path: string, query?: RequestOptions['query']): string;
  /** Resolved request headers (static + hook). */
  headers(): Promise<Record<string, string>>;
  readonly fetch: typeof fetch;
  readonly credentials: RequestCredentials;
  request<S extends z.ZodMiniType | undefined = undefined>(
    method: string,
    path: string,
    options?: RequestOptions<S>,
  ): Promise<HttpResponse<S extends z.ZodMiniType ? z.infer<S> : unknown>>;
}

/** Joins base and path without doubling or losing a slash; works with relative bases in a browser. */
function joinUrl(base: string, path: string): string {
  const b = base.endsWith('/') ? base.slice(0, -1) : base;
  return `${b}${path.startsWith('/') ? path : `/${path}`}`;
}

/** The URL of a path under the base, with the query's defined, non-empty values. */
function urlOf(base: string, path: string, query?: RequestOptions['query']): string {
  let u = joinUrl(base, path);
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') qs.set(k, String(v));
    const s = qs.toString();
    if (s) u += (u.includes('?') ? '&' : '?') + s;
  }
  return u;
}

/**
 * A response as the caller gets it: an error status not in `accept` throws an HttpError (the body
 * kept), a 304 or accepted error status is returned as is, and a 2xx body must be JSON matching
 * `schema` (else a ValidationError).
 */
function answer(
  res: Response,
  text: string,
  o: RequestOptions<z.ZodMiniType | undefined>,
  what: string,
  target: string,
): HttpResponse<unknown> {
  let body: unknown;
  let jsonError: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch (e) {
      jsonError = e;
      body = text.slice(0, 500);
    }
  }
  const accepted = o.accept?.includes(res.status) ?? false;
  if (res.status >= 400 && !accepted) {
    const reason =
      body && typeof body === 'object' && 'error' in body ? `: ${String((body as { error: unknown }).error)}` : '';
    throw new HttpError(`${what} failed with HTTP ${res.status}${reason}`, {
      data: { status: res.status, url: target, body },
    });
  }
  if (res.status === 304 || (res.status >= 400 && accepted)) return { status: res.status, body, headers: res.headers };
  if (jsonError !== undefined) {
    throw new ValidationError(`${what} returned a body that is not JSON`, {
      data: { what, issues: [{ path: '(root)', message: 'not JSON' }] },
      cause: jsonError,
    });
  }
  const parsed = o.schema ? parseWith(o.schema, body, `response of ${what}`) : body;
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * The one HTTP helper every host adapter uses. Every failure is a typed ScpError:
 * HttpError (status >= 400, body kept in `data.body`), TimeoutError, NetworkError (no response),
 * AbortedError (the caller's signal), ValidationError (2xx body that is not the expected JSON).
 */
export function createHttp(options: HttpOptions): Http {
  const doFetch = options.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const credentials = options.credentials ?? 'same-origin';
  const defaultTimeout = options.timeoutMs ?? 15_000;

  async function headers(): Promise<Record<string, string>> {
    const h = options.headers;
    if (!h) return {};
    return typeof h === 'function' ? await h() : { ...h };
  }

  const url = (path: string, query?: RequestOptions['query']) => urlOf(options.baseUrl, path, query);

  async function request(method: string, path: string, o: RequestOptions<z.ZodMiniType | undefined> = {}) {
    const target = url(path, o.query);
    const what = o.what ?? `${method} ${path}`;
    const ms = o.timeoutMs ?? defaultTimeout;
    if (o.signal?.aborted)
      throw new AbortedError(`${what} was aborted before it started`, { data: { what }, cause: o.signal.reason });

    const ctl = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctl.abort();
    }, ms);
    const onAbort = () => ctl.abort();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const reqHeaders: Record<string, string> = { accept: 'application/json', ...(await headers()), ...o.headers };
    let init: RequestInit = { method, headers: reqHeaders, credentials, signal: ctl.signal };
    if (o.body !== undefined) {
      reqHeaders['content-type'] = 'application/json';
      init = { ...init, body: JSON.stringify(o.body) };
    }

    const failed = (e: unknown): never => {
      if (o.signal?.aborted) throw new AbortedError(`${what} was aborted`, { data: { what }, cause: e });
      if (timedOut)
        throw new TimeoutError(`${what} got no answer within ${ms} ms; the host may be overloaded, try again`, {
          data: { ms, what },
          cause: e,
        });
      throw new NetworkError(`${what} could not reach ${target}: check the connection and the host URL`, {
        data: { url: target },
        cause: e,
      });
    };

    try {
      let res: Response;
      let text: string;
      try {
        res = await doFetch(target, init);
        text = res.status === 204 || res.status === 304 ? '' : await res.text();
      } catch (e) {
        return failed(e);
      }
      return answer(res, text, o, what, target);
    } finally {
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
    }
  }

  return {
    baseUrl: options.baseUrl,
    url,
    headers,
    fetch: doFetch,
    credentials,
    request: request as Http['request'],
  };
}
