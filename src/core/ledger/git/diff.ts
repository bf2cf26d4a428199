/** Tree-to-tree differences: identical subtrees (same oid) are skipped without being read. */
import { EMPTY_TREE } from './objects.js';
import type { Repo } from './repo.js';

export interface PathChange {
  path: string;
  /** Blob oid before (absent = added). */
  before?: string;
  /** Blob oid after (absent = removed). */
  after?: string;
}

/** A subtree that differs between the two sides, to descend into. */
export interface SubtreeChange {
  prefix: string;
  before?: string | undefined;
  after?: string | undefined;
}

/** One level of a tree diff: the blobs that differ here, and the subtrees that differ below. */
export async function diffLevel(
  repo: Repo,
  a: string | undefined,
  b: string | undefined,
  prefix = '',
  verified?: boolean,
): Promise<{ blobs: PathChange[]; subtrees: SubtreeChange[] }> {
  const ea = a && a !== EMPTY_TREE ? await repo.readTree(a, verified) : [];
  const eb = b && b !== EMPTY_TREE ? await repo.readTree(b, verified) : [];
  const ma = new Map(ea.map((e) => [e.path, e]));
  const mb = new Map(eb.map((e) => [e.path, e]));
  const blobs: PathChange[] = [];
  const subtrees: SubtreeChange[] = [];
  for (const name of new Set([...ma.keys(), ...mb.keys()])) {
    const x = ma.get(name);
    const y = mb.get(name);
    if (x && y && x.oid === y.oid && x.type === y.type) continue;
    const path = `${prefix}${name}`;
    const xt = x?.type === 'tree' ? x.oid : undefined;
    const yt = y?.type === 'tree' ? y.oid : undefined;
    if (xt || yt) subtrees.push({ prefix: `${path}/`, before: xt, after: yt });
    const xb = x && x.type !== 'tree' ? x.oid : undefined;
    const yb = y && y.type !== 'tree' ? y.oid : undefined;
    if (xb !== undefined || yb !== undefined)
      blobs.push({ path, ...(xb !== undefined && { before: xb }), ...(yb !== undefined && { after: yb }) });
  }
  return { blobs, subtrees };
}

export async function diffTrees(
  repo: Repo,
  a: string | undefined,
  b: string | undefined,
  opts: { verified?: boolean } = {},
  prefix = '',
): Promise<PathChange[]> {
  if (a === b) return [];
  const { blobs, subtrees } = await diffLevel(repo, a, b, prefix, opts.verified);
  for (const list of await Promise.all(subtrees.map((t) => diffTrees(repo, t.before, t.after, opts, t.prefix))))
    blobs.push(...list);
  return blobs;
}

/** Run `fn` over items with at most `n` in flight. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}
