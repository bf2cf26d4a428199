// Deciding what a batch of prepared scans does to pending (skip-unchanged, "latest" replacement),
// writing that decision in one store write, and announcing it.
import type { EventBus } from '../events/bus.js';
import type { Ledger } from '../ledger/types.js';
import type { AuditSnapshot } from '../schemas/audit.js';
import { metaOf } from '../storage/shared.js';
import type { StagingStore } from '../storage/types.js';
import { lastSavedKey, type LastSaved } from './last-saved.js';
import type { Prepared } from './prepare.js';
import type { StageResult } from './types.js';

/** What planning depends on (the staging instance's settings and backends). */
export interface PlanConfig {
  store: StagingStore;
  ledger: Ledger;
  policy: 'latest' | 'all';
  skipUnchanged: boolean;
}

/** The content hash of the last saved snapshot of a card: store meta, else the ledger's newest. */
async function lastSavedHash(cfg: PlanConfig, cardKey: string): Promise<string | undefined> {
  const { store, ledger } = cfg;
  const known = await store.getMeta<LastSaved>(lastSavedKey(cardKey));
  if (known?.content_hash) return known.content_hash;
  try {
    const page = await ledger.list({ kind: 'audit', card: cardKey, limit: 1 });
    return page.entries[0]?.content_hash;
  } catch {
    // Skip-unchanged is an optimisation: an unreachable ledger must not lose the scan.
    return undefined;
  }
}

/** What deciding a batch needs to know: last saved hashes and (policy latest) pending ids per card. */
export interface State {
  lastHashes: Map<string, string | undefined>;
  pendingByCard: Map<string, string[]>;
}

export async function loadState(cfg: PlanConfig, cardKeys: Iterable<unknown>): Promise<State> {
  const { store, policy, skipUnchanged } = cfg;
  const cards = [...new Set([...cardKeys].filter((k): k is string => typeof k === 'string'))];
  const state: State = { lastHashes: new Map(), pendingByCard: new Map() };
  if (policy === 'latest' && cards.length) {
    for (const m of await store.listSnapshots()) {
      const ids = state.pendingByCard.get(m.card_key) ?? [];
      ids.push(m.snapshot_id);
      state.pendingByCard.set(m.card_key, ids);
    }
  }
  if (skipUnchanged) {
    const hashes = await Promise.all(cards.map((c) => lastSavedHash(cfg, c)));
    for (const [i, c] of cards.entries()) state.lastHashes.set(c, hashes[i]);
  }
  return state;
}

export interface Plan {
  results: StageResult[];
  put: Map<string, AuditSnapshot>;
  remove: Set<string>;
  staged: { snapshot: AuditSnapshot; replaced: string[] }[];
}

/** Decide, as sequential `stage` calls would, what prepared scans do to pending (updates `state`). */
export function plan(cfg: PlanConfig, items: (Prepared | StageResult)[], state: State): Plan {
  const { policy, skipUnchanged } = cfg;
  const out: Plan = { results: [], put: new Map(), remove: new Set(), staged: [] };
  for (const item of items) {
    if (!('prepared' in item)) {
      out.results.push(item);
      continue;
    }
    const s = item.prepared;
    if (skipUnchanged && state.lastHashes.get(s.card_key) === s.content_hash) {
      out.results.push({ staged: false, reason: 'unchanged', card_key: s.card_key });
      continue;
    }
    let replaced: string[] = [];
    if (policy === 'latest') {
      replaced = state.pendingByCard.get(s.card_key) ?? [];
      for (const id of replaced) {
        if (!out.put.delete(id)) out.remove.add(id);
      }
      state.pendingByCard.set(s.card_key, [s.snapshot_id]);
    }
    out.put.set(s.snapshot_id, s);
    out.staged.push({ snapshot: s, replaced });
    out.results.push({ staged: true, snapshot: metaOf(s), replaced });
  }
  return out;
}

/** One store write for a plan (replacement and its removals in the same transaction). */
export function writePlan(store: StagingStore, p: Plan): Promise<void> {
  return p.put.size || p.remove.size
    ? store.writeSnapshots({ put: [...p.put.values()], remove: [...p.remove] })
    : Promise.resolve();
}

/** The `audit:pending` events of a written plan. */
export function announce(bus: EventBus, p: Plan): void {
  for (const { snapshot: s, replaced } of p.staged) {
    bus.emit('audit:pending', {
      snapshot_id: s.snapshot_id,
      card_key: s.card_key,
      summary: s.summary,
      iso: s.iso,
      replaced,
    });
  }
}

/** Waits for every prepared scan's content hash and sets it. */
export async function hashed(items: (Prepared | StageResult)[]): Promise<void> {
  await Promise.all(
    items.map(async (p) => {
      if ('prepared' in p) p.prepared.content_hash = await p.hashing;
    }),
  );
}
