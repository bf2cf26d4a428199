/** verify()'s walks of the commit graph: what is new since a verified head, everything reachable, parents first. */
import type { Checker, Commit } from './verify-checker.js';

/**
 * Commits reachable from `tips` but not from `covered`, the way git finds a merge base: newest
 * committer time first, painting what `covered` reaches. Clock skew only makes it return more
 * commits than needed (checked twice), never fewer.
 */
export async function uniqueCommits(
  ck: Checker,
  tips: string[],
  covered: string[],
): Promise<{ unique: Set<string>; reachedCovered: Set<string> }> {
  const TIP = 1;
  const COVERED = 2;
  const flags = new Map<string, number>();
  const queue: { oid: string; time: number }[] = [];
  const push = async (oid: string, f: number) => {
    const old = flags.get(oid) ?? 0;
    if ((old | f) === old) return;
    flags.set(oid, old | f);
    const c = await ck.commit(oid);
    queue.push({ oid, time: c.committer.timestamp });
  };
  for (const t of tips) await push(t, TIP);
  for (const t of covered) await push(t, COVERED);
  const interesting = () => queue.some((q) => flags.get(q.oid) === TIP);
  while (queue.length && interesting()) {
    let best = 0;
    for (let i = 1; i < queue.length; i++) if (queue[i]!.time > queue[best]!.time) best = i;
    const { oid } = queue.splice(best, 1)[0]!;
    const f = flags.get(oid)!;
    const c = await ck.commit(oid);
    for (const p of c.parents) await push(p, f);
  }
  const unique = new Set<string>();
  const reachedCovered = new Set<string>();
  for (const [oid, f] of flags) {
    if (f === TIP) unique.add(oid);
    if (f === (TIP | COVERED)) reachedCovered.add(oid);
  }
  // Commits still queued as TIP-only when the walk ended are ancestors no covered commit reaches.
  return { unique, reachedCovered };
}

/** Every commit reachable from `tips`, not going past `stop` (a linear-time walk). */
export async function allCommits(ck: Checker, tips: string[], stop: Set<string> = new Set()): Promise<Set<string>> {
  const seen = new Set<string>();
  const stack = tips.filter((t) => !stop.has(t));
  while (stack.length) {
    const oid = stack.pop()!;
    if (seen.has(oid)) continue;
    seen.add(oid);
    for (const p of (await ck.commit(oid)).parents) if (!seen.has(p) && !stop.has(p)) stack.push(p);
  }
  return seen;
}

/** `set` in an order where parents come before children. */
export async function parentsFirst(ck: Checker, set: Set<string>): Promise<Commit[]> {
  const out: Commit[] = [];
  const placed = new Set<string>();
  for (const start of set) {
    if (placed.has(start)) continue;
    const stack: { oid: string; expanded: boolean }[] = [{ oid: start, expanded: false }];
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      if (top.expanded) {
        stack.pop();
        if (!placed.has(top.oid)) {
          placed.add(top.oid);
          out.push(await ck.commit(top.oid));
        }
        continue;
      }
      top.expanded = true;
      if (placed.has(top.oid)) {
        stack.pop();
        continue;
      }
      for (const p of (await ck.commit(top.oid)).parents)
        if (set.has(p) && !placed.has(p)) stack.push({ oid: p, expanded: false });
    }
  }
  return out;
}
