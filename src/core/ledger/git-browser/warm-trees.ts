/**
 * Warms the ledger's parsed-tree memo in the background. Entries live in 4,096 shard trees; a
 * save reads the ~100 shards its entries land in, and a cold read costs an object read from a
 * pack each, which is what made saves slower as the ledger grew (measured at 10,000 entries:
 * 1.7× the empty ledger cold, 0.93× once the trees were in memory). Looking up one id per shard
 * reads every shard tree once through the public API; reads are cheap, idle-time work in the
 * Worker, and writes that arrive meanwhile simply go first.
 */
import { shardOf } from '../git/index.js';
import type { Ledger } from '../types.js';

/** One valid, never-saved id per shard (`<2 hex>/<1 hex>`), for audits or runs. */
export function idsCoveringShards(kind: 'audit' | 'run'): string[] {
  const byShard = new Map<string, string>();
  for (let n = 0; byShard.size < 4096 && n < 500_000; n++) {
    const id = kind === 'audit' ? `warm_20000101_000000_${n.toString(36)}` : `run_20000101T000000Z_warm_${n.toString(36)}`;
    const [a, b] = shardOf(id);
    const key = `${a}/${b}`;
    if (!byShard.has(key)) byShard.set(key, id);
  }
  return [...byShard.values()];
}

/** Reads every shard tree of the current head (a few at a time, yielding between them). */
export async function warmShardTrees(ledger: Pick<Ledger, 'getAudit' | 'getRun' | 'head'>, options: { stop?: () => boolean } = {}): Promise<number> {
  if (!(await ledger.head())) return 0;
  let looked = 0;
  for (const [kind, ids] of [['audit', idsCoveringShards('audit')], ['run', idsCoveringShards('run')]] as const) {
    for (let i = 0; i < ids.length; i += 16) {
      if (options.stop?.()) return looked;
      await Promise.all(ids.slice(i, i + 16).map((id) => (kind === 'audit' ? ledger.getAudit(id) : ledger.getRun(id)).catch(() => undefined)));
      looked += Math.min(16, ids.length - i);
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  return looked;
}
