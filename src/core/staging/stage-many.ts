// `stageMany`: a batch staged in chunks, pipelined so the next chunk is redacted and hashed while
// the store writes the one before.
import type { EventBus } from '../events/bus.js';
import type { StagingStore } from '../storage/types.js';
import { announce, hashed, plan, writePlan, type Plan, type PlanConfig, type State } from './plan.js';
import { prepareScan, type Prepared, type PrepareConfig } from './prepare.js';
import type { StageItem, StageResult } from './types.js';

/** Scans per store write in `stageMany`: large enough that transaction commits stay rare (100 measured
 * ~60% slower than 500), bounded so a huge batch overlaps CPU work with writes and caps memory. */
export const STAGE_CHUNK = 500;

/**
 * A chunk is written only after the one before it succeeded, and its events follow its write, so a
 * failure leaves exactly what sequential stage() calls would have left: everything before the
 * failing scan staged, nothing after.
 */
export async function stageInChunks(
  cfg: { prepare: PrepareConfig; plan: PlanConfig; store: StagingStore; bus: EventBus },
  items: StageItem[],
  state: State,
): Promise<StageResult[]> {
  const results: StageResult[] = [];
  let inflight: { done: Promise<void>; plan: Plan } | undefined;
  let failure: { error: unknown } | undefined;
  for (let start = 0; start < items.length && !failure; start += STAGE_CHUNK) {
    const chunk: (Prepared | StageResult)[] = [];
    for (const item of items.slice(start, start + STAGE_CHUNK)) {
      try {
        chunk.push(prepareScan(cfg.prepare, item.card_key, item.result, item.options));
      } catch (error) {
        failure = { error };
        break;
      }
    }
    await hashed(chunk);
    const next = plan(cfg.plan, chunk, state);
    if (inflight) {
      await inflight.done;
      announce(cfg.bus, inflight.plan);
    }
    inflight = { done: writePlan(cfg.store, next), plan: next };
    inflight.done.catch(() => undefined); // awaited above or below
    results.push(...next.results);
  }
  if (inflight) {
    await inflight.done;
    announce(cfg.bus, inflight.plan);
  }
  if (failure) throw failure.error;
  return results;
}
