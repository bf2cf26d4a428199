import type { IncomingMessage } from 'node:http';
import { ScpError } from '../../errors/index.js';

/** A request the handler refuses before acting: `status` and a JSON error naming the field. */
export class RequestError extends ScpError<string, { status: number; field?: string; role?: string }> {
  /** `extra.role`: the role a 403 needs (sent in the answer so a client can say so). */
  constructor(status: number, code: string, message: string, field?: string, extra: { role?: string } = {}) {
    super(code, message, { data: { status, ...(field !== undefined && { field }), ...(extra.role !== undefined && { role: extra.role }) } });
  }
}

/**
 * Reads a JSON body of at most `maxBytes`. A declared Content-Length over the limit is refused at
 * once (413) without reading; a body that grows past it while streaming is cut off (413).
 */
export function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Behind a framework body parser (express.json() ...) the stream is already consumed.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) return Promise.resolve(parsed);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new RequestError(413, 'body_too_large', `Request body is ${declared} bytes; the limit is ${maxBytes}`, 'body'));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on('data', (c: Buffer) => {
      if (done) return;
      size += c.length;
      if (size > maxBytes) {
        done = true;
        chunks.length = 0;
        req.pause();
        reject(new RequestError(413, 'body_too_large', `Request body exceeds the limit of ${maxBytes} bytes`, 'body'));
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => { if (!done) { done = true; reject(e); } });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') { resolve(undefined); return; }
      try { resolve(JSON.parse(text)); } catch {
        reject(new RequestError(400, 'invalid_json', 'Request body is not valid JSON', 'body'));
      }
    });
  });
}
