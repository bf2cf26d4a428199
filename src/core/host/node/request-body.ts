import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScpError } from '../../errors/index.js';
import { checkValueLimits, DEFAULT_VALUE_LIMITS, type ValueLimits } from '../../limits.js';

/** A request the handler refuses before acting: `status` and a JSON error naming the field. */
export class RequestError extends ScpError<string, { status: number; field?: string; role?: string; detail?: object }> {
  /**
   * `extra.role`: the role a 403 needs (sent in the answer so a client can say so); `extra.detail`:
   * the answer's `data`, what the typed error of `code` carries (so a client rebuilds that error).
   */
  constructor(
    status: number,
    code: string,
    message: string,
    field?: string,
    extra: { role?: string; detail?: object } = {},
  ) {
    super(code, message, {
      data: {
        status,
        ...(field !== undefined && { field }),
        ...(extra.role !== undefined && { role: extra.role }),
        ...(extra.detail !== undefined && { detail: extra.detail }),
      },
    });
  }
}

/**
 * Reads a JSON body of at most `maxBytes`. A declared Content-Length over the limit is refused at
 * once (413) without reading; a body that grows past it while streaming is cut off (413). The
 * parsed value must keep within `limits` (nesting 400, sizes 413), checked without recursion.
 */
export async function readJsonBody(
  req: IncomingMessage,
  maxBytes: number,
  limits: ValueLimits = DEFAULT_VALUE_LIMITS,
): Promise<unknown> {
  const body = await readBody(req, maxBytes);
  checkValueLimits(body, limits, 'request body', 'body');
  return body;
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  // Behind a framework body parser (express.json() ...) the stream is already consumed.
  const parsed = (req as IncomingMessage & { body?: unknown }).body;
  if (req.readableEnded && parsed !== undefined) return Promise.resolve(parsed);
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(
      new RequestError(413, 'body_too_large', `Request body is ${declared} bytes; the limit is ${maxBytes}`, 'body'),
    );
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
        // Not paused: the rest keeps being read (and dropped) so the 413 reaches a client still sending.
        reject(new RequestError(413, 'body_too_large', `Request body exceeds the limit of ${maxBytes} bytes`, 'body'));
        return;
      }
      chunks.push(c);
    });
    req.on('error', (e) => {
      if (!done) {
        done = true;
        reject(e);
      }
    });
    req.on('end', () => {
      if (done) return;
      done = true;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') {
        resolve(undefined);
        return;
      }
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new RequestError(400, 'invalid_json', 'Request body is not valid JSON', 'body'));
      }
    });
  });
}

/** How much of a refused body is read and dropped, at most, before the connection is cut. */
export const DRAIN_LIMITS = { bytes: 64 * 1024 * 1024, ms: 10_000 };

/**
 * After a refusal answered while the client is still sending (413): read and drop the rest of
 * the body, then close the connection cleanly. Closing with unread bytes in the socket makes the
 * kernel send a reset, and a client still uploading then sees ECONNRESET instead of the answer.
 * A client that keeps sending past DRAIN_LIMITS is cut off.
 */
export function drainAndClose(req: IncomingMessage, res: ServerResponse, limits = DRAIN_LIMITS): void {
  const socket = req.socket;
  let dropped = 0;
  const cut = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(cut, limits.ms);
  timer.unref?.();
  const close = () => {
    clearTimeout(timer);
    // Half-close once the answer is out and nothing is left unread: the client reads the 413, then EOF.
    if (res.writableFinished) socket.end();
    else res.once('finish', () => socket.end());
  };
  if (req.readableEnded || req.complete) {
    close();
    return;
  }
  req.on('data', (c: Buffer) => {
    dropped += c.length;
    if (dropped > limits.bytes) cut();
  });
  req.once('end', close);
  req.once('error', cut);
  req.resume();
}
