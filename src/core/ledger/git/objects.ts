/** Git object encoding: blobs, trees, commits and tags as raw bytes, named by their SHA-1. */
import { concatBytes, fromHex, getCodec, latin1, NodeBuffer, toHex, utf8, utf8Decode } from './platform.js';

export type ObjectType = 'blob' | 'tree' | 'commit' | 'tag';

export interface TreeEntry {
  mode: string;
  /** One path segment. */
  path: string;
  oid: string;
  type: 'blob' | 'tree' | 'commit';
}

export interface RawObject {
  type: ObjectType;
  oid: string;
  /** The object's content (without the `<type> <size>\0` header). */
  content: Uint8Array;
}

export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';

/** Hash an object's content the way git names it. */
export async function hashObject(type: ObjectType, content: Uint8Array): Promise<RawObject> {
  const codec = await getCodec();
  const header = utf8.encode(`${type} ${content.length}\0`);
  const oid = toHex(await codec.sha1(concatBytes([header, content])));
  return { type, oid, content };
}

// git orders tree entries by name, comparing a subtree's name as if it ended in '/'.
function sortKey(e: TreeEntry): string {
  return e.type === 'tree' ? `${e.path}/` : e.path;
}

export function sortTree(entries: TreeEntry[]): TreeEntry[] {
  return entries.sort((a, b) => {
    const x = sortKey(a);
    const y = sortKey(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Serialize a tree (entries must be sorted and unique). Ids are ASCII, so string order is byte order. */
export function encodeTree(entries: TreeEntry[]): Uint8Array {
  let ascii = true;
  let size = 0;
  for (const e of entries) {
    size += e.mode.length + 1 + e.path.length + 1 + 20;
    if (ascii)
      for (let k = 0; k < e.path.length; k++)
        if (e.path.charCodeAt(k) > 0x7f) {
          ascii = false;
          break;
        }
  }
  if (ascii && NodeBuffer) {
    // Node: write names and ids straight into one buffer.
    const out = NodeBuffer.from(new ArrayBuffer(size));
    let o = 0;
    for (const e of entries) {
      o += out.write(`${e.mode} ${e.path}\0`, o, 'latin1');
      o += out.write(e.oid, o, 'hex');
    }
    return out;
  }
  const heads: Uint8Array[] = [];
  size = 0;
  for (const e of entries) {
    const h = utf8.encode(`${e.mode} ${e.path}\0`);
    heads.push(h);
    size += h.length + 20;
  }
  const out = new Uint8Array(size);
  let o = 0;
  entries.forEach((e, i) => {
    out.set(heads[i]!, o);
    o += heads[i]!.length;
    out.set(fromHex(e.oid), o);
    o += 20;
  });
  return out;
}

export function decodeTree(content: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < content.length) {
    const sp = content.indexOf(32, i);
    const nul = content.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 21 > content.length) throw new Error('malformed tree object');
    const mode = latin1(content, i, sp);
    let ascii = true;
    for (let k = sp + 1; k < nul; k++)
      if (content[k]! > 0x7f) {
        ascii = false;
        break;
      }
    const path = ascii ? latin1(content, sp + 1, nul) : utf8Decode.decode(content.subarray(sp + 1, nul));
    const oid = toHex(content.subarray(nul + 1, nul + 21));
    const type = mode === '40000' || mode === '040000' ? 'tree' : mode === '160000' ? 'commit' : 'blob';
    out.push({ mode: type === 'tree' ? '40000' : mode, path, oid, type });
    i = nul + 21;
  }
  return out;
}

export interface Person {
  name: string;
  email: string;
  timestamp: number;
  timezoneOffset?: number;
}

function formatPerson(p: Person): string {
  const off = p.timezoneOffset ?? 0; // minutes, git's sign convention: east of UTC is positive
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const tz = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
  return `${p.name} <${p.email}> ${Math.floor(p.timestamp)} ${tz}`;
}

function parsePerson(s: string): Person {
  const m = /^(.*) <(.*)> (\d+) ([+-])(\d\d)(\d\d)$/.exec(s);
  if (!m) return { name: s, email: '', timestamp: 0 };
  const off = (Number(m[5]) * 60 + Number(m[6])) * (m[4] === '-' ? -1 : 1);
  return { name: m[1]!, email: m[2]!, timestamp: Number(m[3]), timezoneOffset: off };
}

export interface CommitData {
  tree: string;
  parents: string[];
  author: Person;
  committer: Person;
  message: string;
}

export function encodeCommit(c: CommitData): Uint8Array {
  let s = `tree ${c.tree}\n`;
  for (const p of c.parents) s += `parent ${p}\n`;
  s += `author ${formatPerson(c.author)}\ncommitter ${formatPerson(c.committer)}\n\n${c.message}`;
  if (!s.endsWith('\n')) s += '\n';
  return utf8.encode(s);
}

export function decodeCommit(content: Uint8Array): CommitData {
  const text = utf8Decode.decode(content);
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const message = split < 0 ? '' : text.slice(split + 2);
  const c: CommitData = {
    tree: '',
    parents: [],
    author: { name: '', email: '', timestamp: 0 },
    committer: { name: '', email: '', timestamp: 0 },
    message,
  };
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'tree') c.tree = value;
    else if (key === 'parent') c.parents.push(value);
    else if (key === 'author') c.author = parsePerson(value);
    else if (key === 'committer') c.committer = parsePerson(value);
  }
  if (!/^[0-9a-f]{40}$/.test(c.tree)) throw new Error('malformed commit object: no tree');
  return c;
}

export interface TagData {
  object: string;
  type: string;
  tag: string;
  tagger: Person;
  message: string;
}

export function encodeTag(t: TagData): Uint8Array {
  let s = `object ${t.object}\ntype ${t.type}\ntag ${t.tag}\ntagger ${formatPerson(t.tagger)}\n\n${t.message}`;
  if (!s.endsWith('\n')) s += '\n';
  return utf8.encode(s);
}

export function decodeTag(content: Uint8Array): TagData {
  const text = utf8Decode.decode(content);
  const split = text.indexOf('\n\n');
  const head = split < 0 ? text : text.slice(0, split);
  const t: TagData = {
    object: '',
    type: '',
    tag: '',
    tagger: { name: '', email: '', timestamp: 0 },
    message: split < 0 ? '' : text.slice(split + 2),
  };
  for (const line of head.split('\n')) {
    const sp = line.indexOf(' ');
    const key = line.slice(0, sp);
    const value = line.slice(sp + 1);
    if (key === 'object') t.object = value;
    else if (key === 'type') t.type = value;
    else if (key === 'tag') t.tag = value;
    else if (key === 'tagger') t.tagger = parsePerson(value);
  }
  return t;
}
