/** The two sides of a sync as commit lists: what only the local branch has and what only the remote has. */
import type { CommitData } from './objects.js';
import type { Repo } from './repo.js';

export type Walked = { oid: string; c: CommitData };

/** Every commit reachable from `tip`, oldest first (parents before children). */
async function wholeHistory(repo: Repo, tip: string | undefined, stop: Set<string> = new Set()): Promise<Walked[]> {
  const out: Walked[] = [];
  const seen = new Set<string>();
  const visit = async (oid: string): Promise<void> => {
    // Iterative first-parent walk; extra parents are visited too.
    const chain: Walked[] = [];
    let cur: string | undefined = oid;
    while (cur && !stop.has(cur) && !seen.has(cur)) {
      seen.add(cur);
      const c = await repo.readCommit(cur);
      chain.push({ oid: cur, c });
      for (const extra of c.parents.slice(1)) if (!stop.has(extra) && !seen.has(extra)) await visit(extra);
      cur = c.parents[0];
    }
    out.push(...chain.reverse());
  };
  if (tip) await visit(tip);
  return out;
}

/**
 * The commits only `local` has and those only `remote` has, oldest first. Both first-parent
 * chains are walked in step until they meet, so the cost follows what changed since the two
 * sides last agreed, not the ledger's length. A merge commit on the way (the ledger never makes
 * one, an origin branch may hold some) falls back to whole-history sets.
 */
export async function divergence(
  repo: Repo,
  local: string | undefined,
  remote: string | undefined,
): Promise<{ mine: Walked[]; theirs: Walked[] }> {
  const sides = [local, remote].map((tip) => ({ next: tip, seen: new Map<string, number>(), chain: [] as Walked[] }));
  const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
  let base: string | undefined;
  walk: while (a.next || b.next) {
    for (const [me, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const oid = me.next;
      if (!oid) continue;
      if (other.seen.has(oid)) {
        base = oid;
        break walk;
      }
      const c = await repo.readCommit(oid);
      if (c.parents.length > 1) return mergedDivergence(repo, local, remote);
      me.seen.set(oid, me.chain.length);
      me.chain.push({ oid, c });
      me.next = c.parents[0];
    }
  }
  const upTo = (side: typeof a) => {
    const at = base === undefined ? undefined : side.seen.get(base);
    return (at === undefined ? side.chain : side.chain.slice(0, at)).reverse();
  };
  return { mine: upTo(a), theirs: upTo(b) };
}

async function mergedDivergence(
  repo: Repo,
  local: string | undefined,
  remote: string | undefined,
): Promise<{ mine: Walked[]; theirs: Walked[] }> {
  const all = async (tip: string | undefined) => new Set((await wholeHistory(repo, tip)).map((w) => w.oid));
  const [l, r] = await Promise.all([all(local), all(remote)]);
  return { mine: await wholeHistory(repo, local, r), theirs: await wholeHistory(repo, remote, l) };
}
