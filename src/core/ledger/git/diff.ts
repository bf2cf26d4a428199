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

export async function diffTrees(repo: Repo, a: string | undefined, b: string | undefined, opts: { verified?: boolean } = {}, prefix = ''): Promise<PathChange[]> {
  if (a === b) return [];
  const ea = a && a !== EMPTY_TREE ? await repo.readTree(a, opts.verified) : [];
  const eb = b && b !== EMPTY_TREE ? await repo.readTree(b, opts.verified) : [];
  const mb = new Map(eb.map((e) => [e.path, e]));
  const ma = new Map(ea.map((e) => [e.path, e]));
  const out: PathChange[] = [];
  const subs: Promise<PathChange[]>[] = [];
  const names = new Set([...ma.keys(), ...mb.keys()]);
  for (const name of names) {
    const x = ma.get(name);
    const y = mb.get(name);
    if (x && y && x.oid === y.oid && x.type === y.type) continue;
    const path = `${prefix}${name}`;
    const xt = x?.type === 'tree' ? x.oid : undefined;
    const yt = y?.type === 'tree' ? y.oid : undefined;
    if (xt || yt) subs.push(diffTrees(repo, xt, yt, opts, `${path}/`));
    const xb = x && x.type !== 'tree' ? x.oid : undefined;
    const yb = y && y.type !== 'tree' ? y.oid : undefined;
    if (xb !== undefined || yb !== undefined) {
      const c: PathChange = { path };
      if (xb !== undefined) c.before = xb;
      if (yb !== undefined) c.after = yb;
      out.push(c);
    }
  }
  for (const list of await Promise.all(subs)) out.push(...list);
  return out;
}

/** Run `fn` over items with at most `n` in flight. */
export async function mapLimit<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}
