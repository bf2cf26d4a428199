// The records the IndexedDB fs keeps (one per file, directory or symlink, keyed by full path),
// their paths, stats and Node-style errors (isomorphic-git branches on `code`).

export const STORE = 'nodes';
export const META = 'meta';
/** The fs-wide change counter's key in META. */
export const CHANGES = 'changes';

export interface NodeRecord {
  path: string;
  parent: string;
  type: 'file' | 'dir' | 'symlink';
  data?: Uint8Array;
  target?: string;
  mode: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
  ino: number;
  /** Directories: bumped whenever a child is added or removed. */
  version?: number;
}

export interface IdbFsStats {
  type: 'file' | 'dir' | 'symlink';
  mode: number;
  size: number;
  ino: number;
  mtimeMs: number;
  ctimeMs: number;
  uid: number;
  gid: number;
  dev: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** A Node-style fs error (`code`, `path`, `syscall`): isomorphic-git reads `code`. */
export function fsError(code: string, op: string, path: string): Error {
  const e = new Error(`${code}: ${op} '${path}'`) as Error & { code: string; path: string; syscall: string };
  e.code = code;
  e.path = path;
  e.syscall = op;
  return e;
}

export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const seg of String(path).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

export const parentOf = (p: string) => (p === '/' ? '' : p.slice(0, p.lastIndexOf('/')) || '/');
export const baseOf = (p: string) => p.slice(p.lastIndexOf('/') + 1);

export function statsOf(r: NodeRecord): IdbFsStats {
  return {
    type: r.type,
    mode: r.mode,
    size: r.size,
    ino: r.ino,
    mtimeMs: r.mtimeMs,
    ctimeMs: r.ctimeMs,
    uid: 1,
    gid: 1,
    dev: 1,
    isFile: () => r.type === 'file',
    isDirectory: () => r.type === 'dir',
    isSymbolicLink: () => r.type === 'symlink',
  };
}

export const ROOT: NodeRecord = {
  path: '/',
  parent: '',
  type: 'dir',
  mode: 0o40755,
  size: 0,
  mtimeMs: 0,
  ctimeMs: 0,
  ino: 1,
  version: 0,
};

const encoder = new TextEncoder();
export const decoder = new TextDecoder();
export const toBytes = (d: Uint8Array | string) =>
  typeof d === 'string' ? encoder.encode(d) : d instanceof Uint8Array ? d : new Uint8Array(d as ArrayBuffer);
export const encodingOf = (o: unknown) =>
  typeof o === 'string' ? o : (o as { encoding?: string } | undefined)?.encoding;
