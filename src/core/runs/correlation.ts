/**
 * The correlation id of a request: the trace-id of a W3C `traceparent` header, else `X-Request-Id`.
 * Runs, saves, discards and deletes made while answering the request carry it, so the ledger can
 * be searched for everything one request (or one distributed trace) did.
 */

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(?:-.*)?$/;
const REQUEST_ID = /^[\x21-\x7e]{1,200}$/;

/** The trace-id of a valid `traceparent` (W3C Trace Context), else `undefined`. */
export function traceIdOf(traceparent: string | null | undefined): string | undefined {
  const m = TRACEPARENT.exec((traceparent ?? '').trim().toLowerCase());
  if (!m || m[1] === 'ff' || /^0+$/.test(m[2]!) || /^0+$/.test(m[3]!)) return undefined;
  // Version 00 has exactly four fields; later versions may append more.
  if (m[1] === '00' && (traceparent ?? '').trim().length !== 55) return undefined;
  return m[2];
}

/** Reads `traceparent` then `x-request-id` through `header` (any casing the host's API uses). */
export function correlationFrom(header: (name: string) => string | null | undefined): string | undefined {
  const trace = traceIdOf(header('traceparent'));
  if (trace) return trace;
  const id = header('x-request-id')?.trim();
  return id && REQUEST_ID.test(id) ? id : undefined;
}

/** `correlationFrom` for node:http's lower-cased header object (a repeated header counts once). */
export function correlationFromNodeHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  return correlationFrom((name) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  });
}
