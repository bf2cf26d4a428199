import type * as z from 'zod/mini';
import type { Http } from '../http.js';
import { typedFromHttp } from '../wire-errors.js';

export const enc = encodeURIComponent;

/** Runs `fn`, turning an HttpError that carries one of our codes back into that typed error. */
export async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw typedFromHttp(e);
  }
}

/** A caller's correlation id travels as `X-Request-Id` (the host reads it like any request's). */
export function correlationHeader(id: string | undefined): { headers?: Record<string, string> } {
  return id ? { headers: { 'x-request-id': id } } : {};
}

/** A GET whose 304 answers from the last body seen for the same URL. */
export type CachedGet = <S extends z.ZodMiniType>(
  path: string,
  query: Record<string, string | number | undefined>,
  schema: S,
  what: string,
) => Promise<z.infer<S>>;

/** Bodies kept for If-None-Match, at most this many URLs. */
const ETAG_CACHE = 64;

/** GET with If-None-Match: a 304 answers from the last body seen for the same URL. */
export function createCachedGet(http: Http): CachedGet {
  const etags = new Map<string, { etag: string; body: unknown }>();
  return async (path, query, schema, what) => {
    const key = http.url(path, query);
    const hit = etags.get(key);
    const res = await http.request('GET', path, {
      query,
      schema,
      what,
      ...(hit && { headers: { 'if-none-match': hit.etag } }),
    });
    if (res.status === 304 && hit) return structuredClone(hit.body) as z.infer<typeof schema>;
    const etag = res.headers.get('etag');
    if (etag) {
      etags.delete(key);
      etags.set(key, { etag, body: structuredClone(res.body) });
      if (etags.size > ETAG_CACHE) etags.delete(etags.keys().next().value!);
    }
    return res.body as z.infer<typeof schema>;
  };
}
