import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScpError } from '../../errors/index.js';
import { statusForCode, type WireError } from '../wire-errors.js';
import { RequestError } from './request-body.js';

/** Origins allowed to call cross-origin (CORS), or `*`. */
export interface CorsOptions {
  origins: string[] | '*';
  credentials?: boolean;
}

function weakEtag(text: string): string {
  return `W/"${createHash('sha256').update(text).digest('base64url').slice(0, 27)}"`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}

/** A JSON answer; a GET's 200 carries a weak ETag and becomes a bodiless 304 when `If-None-Match` matches it. */
export function sendJson(req: IncomingMessage, res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'private, no-cache',
  };
  if (req.method === 'GET' && status === 200) {
    const etag = weakEtag(text);
    headers.etag = etag;
    if (etagMatches(req.headers['if-none-match'], etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
  }
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

/**
 * The answer for a failure: a refusal keeps its status and field, a typed error its code's status
 * (a validation error names its first bad field), anything else is a 500 without detail.
 */
export function errorBody(e: unknown): { status: number; body: WireError & { role?: string } } {
  if (e instanceof RequestError) {
    return {
      status: e.data.status,
      body: {
        error: e.code,
        message: e.message,
        ...(e.data.field !== undefined && { field: e.data.field }),
        ...(e.data.role !== undefined && { role: e.data.role }),
        ...(e.data.detail !== undefined && { data: e.data.detail }),
      },
    };
  }
  if (e instanceof ScpError) {
    const status = statusForCode(e.code);
    const issues = (e.data as { issues?: { path: string }[] }).issues;
    const field = e.code === 'validation' && issues?.[0] ? issues[0].path : undefined;
    return { status, body: { error: e.code, message: e.message, data: e.data, ...(field !== undefined && { field }) } };
  }
  return { status: 500, body: { error: 'internal', message: 'The host failed to answer; see its logs' } };
}

/** CORS headers for an allowed Origin (none for any other). */
export function applyCors(req: IncomingMessage, res: ServerResponse, c: CorsOptions | undefined): void {
  const origin = req.headers.origin;
  if (!c || !origin) return;
  if (c.origins !== '*' && !c.origins.includes(origin)) return;
  res.setHeader('access-control-allow-origin', c.origins === '*' && !c.credentials ? '*' : origin);
  res.setHeader('vary', 'Origin');
  if (c.credentials) res.setHeader('access-control-allow-credentials', 'true');
  res.setHeader('access-control-expose-headers', 'ETag');
}

/** Answers a CORS preflight of an API path (when CORS is on); false for any other request. */
export function answerPreflight(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  c: CorsOptions | undefined,
): boolean {
  if (req.method !== 'OPTIONS' || !c || !url.pathname.startsWith('/api/')) return false;
  res.writeHead(204, {
    'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
    'access-control-allow-headers':
      (req.headers['access-control-request-headers'] as string | undefined) ??
      'content-type, authorization, last-event-id, if-none-match',
    'access-control-max-age': '600',
  });
  res.end();
  return true;
}
