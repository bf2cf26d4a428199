/** The http side of a sync: byte counting, the `HEAD` advertisement some remotes lack, and credentials as headers. */
import type { HttpClient } from 'isomorphic-git';
import type { RemoteCredentials } from './git-ledger.js';
import { concatBytes, utf8, utf8Decode } from './platform.js';

/** An http client that reports the bytes it receives and sends. */
export function countingHttp(http: HttpClient, onBytes: (received: number, sent: number) => void): HttpClient {
  let received = 0;
  let sent = 0;
  return {
    async request(req) {
      if (Array.isArray(req.body)) {
        for (const b of req.body) sent += b.length;
        onBytes(received, sent);
      }
      const res = await http.request(req);
      const body = res.body;
      if (!body) return res;
      return {
        ...res,
        body: (async function* () {
          for await (const chunk of body) {
            received += chunk.length;
            onBytes(received, sent);
            yield chunk;
          }
        })(),
      };
    },
  };
}

/** A response body of one chunk. */
async function* chunks(bytes: Uint8Array): AsyncIterableIterator<Uint8Array> {
  yield bytes;
}

async function collectBody(body: unknown): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (body) for await (const chunk of body as AsyncIterable<Uint8Array>) parts.push(chunk);
  return concatBytes(parts);
}

/**
 * isomorphic-git's fetch needs the remote to advertise `HEAD`; a bare repository whose HEAD names
 * an unborn branch (a remote that only holds the ledger branch) advertises none, and the fetch
 * fails after the negotiation. This http wrapper adds a `HEAD` line naming the ledger branch's
 * tip to the upload-pack advertisement in that case only.
 */
export function advertiseHeadFor(http: HttpClient, ref: string): HttpClient {
  return {
    async request(req) {
      const res = await http.request(req);
      if (
        (req.method ?? 'GET') !== 'GET' ||
        !/\/info\/refs\?service=git-upload-pack/.test(req.url) ||
        res.statusCode !== 200
      )
        return res;
      const bytes = await collectBody(res.body);
      const text = utf8Decode.decode(bytes);
      const lines: string[] = [];
      for (let i = 0; i + 4 <= text.length; ) {
        const n = parseInt(text.slice(i, i + 4), 16);
        if (Number.isNaN(n)) return { ...res, body: chunks(bytes) };
        lines.push(n === 0 ? '' : text.slice(i + 4, i + n));
        i += n === 0 ? 4 : n;
      }
      const refLines = lines.filter((l) => /^[0-9a-f]{40} /.test(l));
      const name = (l: string) => l.slice(41).split('\0')[0]!.replace(/\n$/, '');
      const tip = refLines.find((l) => name(l) === ref);
      if (!tip || refLines.some((l) => name(l) === 'HEAD')) return { ...res, body: chunks(bytes) };
      const first = lines.indexOf(refLines[0]!);
      lines.splice(first + 1, 0, `${tip.slice(0, 40)} HEAD\n`);
      const out = lines
        .map((l) => (l === '' ? '0000' : `${(utf8.encode(l).length + 4).toString(16).padStart(4, '0')}${l}`))
        .join('');
      return { ...res, body: chunks(utf8.encode(out)) };
    },
  };
}

/** Credentials as request headers: basic auth from user/password, then the callback's own headers. */
export function authHeaders(c: RemoteCredentials | undefined): Record<string, string> {
  if (!c) return {};
  const basic: Record<string, string> =
    c.username !== undefined || c.password !== undefined
      ? {
          Authorization: `Basic ${btoa(String.fromCharCode(...utf8.encode(`${c.username ?? ''}:${c.password ?? ''}`)))}`,
        }
      : {};
  return { ...basic, ...c.headers };
}
