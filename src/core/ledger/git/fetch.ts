/**
 * Fetching the ledger branch over smart HTTP (protocol v1, stateless): one advertisement, one
 * request naming the tip we want and the commits we have, the pack back on side-band 1. The pack
 * is indexed by pack-index.ts. isomorphic-git's fetch indexes with a new inflater and a
 * `crypto.subtle` promise per object, which took ~20 s for a 20,000-entry ledger in a browser.
 */
import type { HttpClient } from 'isomorphic-git';
import { concatBytes, utf8, utf8Decode } from './platform.js';
import { collect, pkt, pktLines } from './push.js';

export interface FetchedPack {
  /** The remote branch's tip, or undefined when the remote has no such branch. */
  head: string | undefined;
  /** The objects we lacked (undefined when there was nothing to fetch). */
  pack?: Uint8Array;
}

const AGENT = 'git/scp-ledger';

function httpError(res: { statusCode: number; statusMessage?: string }, url: string): Error {
  return Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''} from ${url}`), {
    code: 'HttpError',
  });
}

/**
 * Ask the remote for `ref` (a full ref name), telling it the commits in `haves` (ids it may know).
 * `has(oid)`: whether we hold the tip already (then no pack is asked for). `onProgress` hears the
 * server's progress lines (`Counting objects`, …) as phase / loaded / total.
 */
export async function fetchPack(options: {
  http: HttpClient;
  url: string;
  headers?: Record<string, string> | undefined;
  ref: string;
  haves: string[];
  has(oid: string): Promise<boolean>;
  onProgress?: (p: { phase: string; loaded: number; total?: number }) => void;
}): Promise<FetchedPack> {
  const { http } = options;
  const base = options.url.replace(/\/+$/, '');
  const advUrl = `${base}/info/refs?service=git-upload-pack`;
  const adv = await http.request({ url: advUrl, method: 'GET', headers: { ...options.headers, 'user-agent': AGENT } });
  if (adv.statusCode !== 200) throw httpError(adv, advUrl);
  let head: string | undefined;
  for (const line of pktLines(await collect(adv.body))) {
    const m = /^([0-9a-f]{40}) ([^\0\n]+)/.exec(line);
    if (m && m[2] === options.ref) head = m[1];
  }
  if (!head || (await options.has(head))) return { head };

  const haves = [...new Set(options.haves)];
  const body = concatBytes([
    pkt(`want ${head} side-band-64k ofs-delta agent=${AGENT}\n`),
    utf8.encode('0000'),
    ...haves.map((h) => pkt(`have ${h}\n`)),
    pkt('done\n'),
  ]);
  const packUrl = `${base}/git-upload-pack`;
  const res = await http.request({
    url: packUrl,
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/x-git-upload-pack-request',
      accept: 'application/x-git-upload-pack-result',
      'user-agent': AGENT,
    },
    // An array of chunks, as push.ts sends (a Content-Length instead of a chunked body).
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  if (res.statusCode !== 200) throw httpError(res, packUrl);
  const raw = await collect(res.body);
  const parts: Uint8Array[] = [];
  let progressText = '';
  for (let i = 0; i + 4 <= raw.length; ) {
    const n = parseInt(utf8Decode.decode(raw.subarray(i, i + 4)), 16);
    if (Number.isNaN(n)) throw new Error('the server answered with something other than git packet lines');
    if (n === 0) {
      i += 4;
      continue;
    } // flush
    if (n < 4 || i + n > raw.length) throw new Error("the server's answer ends in the middle of a packet");
    const payload = raw.subarray(i + 4, i + n);
    i += n;
    const band = payload[0];
    if (band === 1) parts.push(payload.subarray(1));
    else if (band === 2) {
      progressText += utf8Decode.decode(payload.subarray(1));
      const lines = progressText.split(/[\r\n]/);
      progressText = lines.pop() ?? '';
      for (const l of lines) {
        const m = /([^:]*).*\((\d+)\/(\d+)\)/.exec(l);
        if (m) options.onProgress?.({ phase: m[1]!.trim(), loaded: Number(m[2]), total: Number(m[3]) });
      }
    } else if (band === 3) {
      throw new Error(`the server refused the fetch: ${utf8Decode.decode(payload.subarray(1)).trim()}`);
    } else if (utf8Decode.decode(payload.subarray(0, 4)) === 'ERR ') {
      throw new Error(`the server refused the fetch: ${utf8Decode.decode(payload.subarray(4)).trim()}`);
    }
    // Anything else is the negotiation's ACK / NAK lines.
  }
  const pack = concatBytes(parts);
  return pack.length > 0 ? { head, pack } : { head };
}
