/**
 * Pushing the ledger branch over smart HTTP with a pack we build ourselves: the new commits plus
 * only the trees and blobs on the paths they changed (the ledger knows exactly what is new), one
 * pack, one request. isomorphic-git's push walks whole trees and compresses object by object,
 * which costs seconds for a thousand entries. The update names the old value we fetched, so the
 * server refuses it if the branch moved meanwhile; it is never a force push.
 */
import type { HttpClient } from 'isomorphic-git';
import { EMPTY_TREE, type RawObject } from './objects.js';
import { buildPack } from './pack-writer.js';
import { concatBytes, utf8, utf8Decode } from './platform.js';
import type { Repo } from './repo.js';
import { ZERO_OID } from './repo.js';

export interface PushOutcome {
  ok: boolean;
  reason?: string;
}

export function pkt(line: string): Uint8Array {
  const body = utf8.encode(line);
  return concatBytes([utf8.encode((body.length + 4).toString(16).padStart(4, '0')), body]);
}

export function pktLines(bytes: Uint8Array): string[] {
  const text = utf8Decode.decode(bytes);
  const out: string[] = [];
  for (let i = 0; i + 4 <= text.length; ) {
    const n = parseInt(text.slice(i, i + 4), 16);
    if (Number.isNaN(n)) break;
    if (n === 0) {
      out.push('');
      i += 4;
      continue;
    }
    out.push(text.slice(i + 4, i + n));
    i += n;
  }
  return out;
}

export async function collect(body: unknown): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  if (body) for await (const c of body as AsyncIterable<Uint8Array>) parts.push(c);
  return concatBytes(parts);
}

/** Objects reachable from `tree` that are not reachable from `base` along the changed paths. */
async function newObjects(
  repo: Repo,
  base: string | undefined,
  tree: string,
  out: Map<string, RawObject>,
): Promise<void> {
  if (base === tree || out.has(tree)) return;
  const o = await repo.readObject(tree);
  out.set(tree, { type: 'tree', oid: tree, content: o.content });
  const before = new Map((base && base !== EMPTY_TREE ? await repo.readTree(base) : []).map((e) => [e.path, e]));
  for (const e of tree === EMPTY_TREE ? [] : await repo.readTree(tree)) {
    const old = before.get(e.path);
    if (old?.oid === e.oid) continue;
    if (e.type === 'tree') await newObjects(repo, old?.type === 'tree' ? old.oid : undefined, e.oid, out);
    else if (e.type === 'blob' && !out.has(e.oid))
      out.set(e.oid, { type: 'blob', oid: e.oid, content: (await repo.readObject(e.oid)).content });
  }
}

/**
 * The pack for `commits` (oldest first, each with its first parent's tree as the base; the first
 * one's base is `baseTree`, i.e. what the remote already has).
 */
export async function packFor(
  repo: Repo,
  commits: { oid: string; tree: string; parentTree: string | undefined }[],
): Promise<Uint8Array> {
  const objects = new Map<string, RawObject>();
  for (const c of commits) {
    objects.set(c.oid, { type: 'commit', oid: c.oid, content: (await repo.readObject(c.oid)).content });
    await newObjects(repo, c.parentTree, c.tree, objects);
  }
  return (await buildPack([...objects.values()])).pack;
}

export async function pushPack(options: {
  http: HttpClient;
  url: string;
  headers?: Record<string, string> | undefined;
  ref: string;
  oldOid: string | undefined;
  newOid: string;
  pack: Uint8Array;
}): Promise<PushOutcome> {
  const { http, url } = options;
  const base = url.replace(/\/+$/, '');
  const adv = await http.request({
    url: `${base}/info/refs?service=git-receive-pack`,
    method: 'GET',
    headers: { ...options.headers, 'user-agent': 'git/scp-ledger' },
  });
  if (adv.statusCode !== 200)
    throw Object.assign(new Error(`HTTP ${adv.statusCode} ${adv.statusMessage ?? ''} from ${base}/info/refs`), {
      code: 'HttpError',
    });
  const refs = new Map<string, string>();
  for (const line of pktLines(await collect(adv.body))) {
    const m = /^([0-9a-f]{40}) ([^\0\n]+)/.exec(line);
    if (m) refs.set(m[2]!, m[1]!);
  }
  const current = refs.get(options.ref) ?? ZERO_OID;
  const expected = options.oldOid ?? ZERO_OID;
  if (current !== expected) return { ok: false, reason: 'the remote moved since it was fetched' };
  const body = concatBytes([
    pkt(`${expected} ${options.newOid} ${options.ref}\0report-status agent=git/scp-ledger\n`),
    utf8.encode('0000'),
    options.pack,
  ]);
  const res = await http.request({
    url: `${base}/git-receive-pack`,
    method: 'POST',
    headers: {
      ...options.headers,
      'content-type': 'application/x-git-receive-pack-request',
      accept: 'application/x-git-receive-pack-result',
      'user-agent': 'git/scp-ledger',
    },
    // isomorphic-git's clients also take an array of chunks (http/node then sends a Content-Length
    // instead of a chunked body), though its type names only async iterators.
    body: [body] as unknown as AsyncIterableIterator<Uint8Array>,
  });
  if (res.statusCode !== 200)
    throw Object.assign(new Error(`HTTP ${res.statusCode} ${res.statusMessage ?? ''} from ${base}/git-receive-pack`), {
      code: 'HttpError',
    });
  const lines = pktLines(await collect(res.body)).map((l) => l.replace(/\n$/, ''));
  const unpack = lines.find((l) => l.startsWith('unpack '));
  if (unpack !== 'unpack ok') return { ok: false, reason: unpack ?? 'no report from the server' };
  const status = lines.find((l) => l.endsWith(` ${options.ref}`) || l.includes(` ${options.ref} `));
  if (status?.startsWith('ok ')) return { ok: true };
  return { ok: false, reason: status?.slice(3 + options.ref.length).trim() || 'rejected' };
}
