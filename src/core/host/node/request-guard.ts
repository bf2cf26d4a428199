import type { IncomingMessage } from 'node:http';
import { RequestError } from './request-body.js';

/**
 * Refusals of cross-site writes, before a request reaches authentication or a route. A page on
 * another site can make a signed-in user's browser send a "simple" request (a POST as text/plain,
 * a form, multipart) that CORS does not stop, only hides the answer of: such requests must not
 * change anything.
 */

export interface WriteGuardOptions {
  /**
   * Origins (`https://ops.example.com`) whose pages may send state-changing requests, besides the
   * host's own origin; `'*'` allows any. Default: the host's own origin only.
   */
  allowedOrigins?: readonly string[] | '*';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** `application/json`, with or without parameters (`; charset=utf-8`), in any letter case. */
export function isJsonContentType(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(';', 1)[0]!.trim().toLowerCase() === 'application/json';
}

/** The origin the request was addressed to, from its Host header (scheme from the socket). */
function ownOrigin(req: IncomingMessage): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  const secure = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
  return `${secure ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/** Whether `origin` may send state-changing requests to this host. */
export function originAllowed(
  req: IncomingMessage,
  origin: string,
  allowed: WriteGuardOptions['allowedOrigins'],
): boolean {
  if (allowed === '*') return true;
  if (allowed?.includes(origin)) return true;
  const own = ownOrigin(req);
  if (own === undefined || origin === 'null') return false;
  // The host's own origin, also when a TLS-terminating proxy in front of it changed the scheme.
  try {
    return new URL(origin).host === new URL(own).host;
  } catch {
    return false;
  }
}

/**
 * Throws for a state-changing request (anything but GET, HEAD, OPTIONS) that carries an Origin
 * not allowed to write (403 `cross_origin`), or whose body is not declared as JSON (415
 * `unsupported_media_type`: POST, PUT and PATCH need `Content-Type: application/json`, which a
 * page on another site cannot send without a CORS preflight).
 */
export function guardWrite(req: IncomingMessage, options: WriteGuardOptions = {}): void {
  const method = (req.method ?? 'GET').toUpperCase();
  if (SAFE_METHODS.has(method)) return;
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(req, origin, options.allowedOrigins)) {
    throw new RequestError(
      403,
      'cross_origin',
      `A page on ${JSON.stringify(origin.slice(0, 200))} may not change anything here: add it to the host's allowedOrigins if it should`,
      'origin',
    );
  }
  if (BODY_METHODS.has(method) && !isJsonContentType(req.headers['content-type'])) {
    const given = req.headers['content-type'];
    throw new RequestError(
      415,
      'unsupported_media_type',
      `${method} requests must send Content-Type: application/json${given ? ` (got ${JSON.stringify(given.slice(0, 100))})` : ' (none was sent)'}`,
      'content-type',
    );
  }
}
