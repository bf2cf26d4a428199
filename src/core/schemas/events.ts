import * as z from 'zod/mini';
import { LedgerProgress } from './ledger.js';
import { RunEvent, RunStatus } from './run.js';

/** Payloads of every bus event, keyed by the origin's event names. */
export const BusEvents = {
  'audit:pending': z.object({
    snapshot_id: z.string(),
    card_key: z.string(),
    summary: z.string(),
    iso: z.string(),
    /** Ids of older pending snapshots of the same card this one replaced (policy `latest`). */
    replaced: z.array(z.string()),
  }),
  'audit:saved': z.object({
    snapshot_id: z.string(),
    card_key: z.string(),
    status: z.string(),
    summary: z.string(),
    iso: z.string(),
    commit: z.optional(z.string()),
    actor: z.optional(z.string()),
    correlation_id: z.optional(z.string()),
  }),
  /** One per discarded snapshot; `action_id` is the ledger's record of the whole discard. */
  'audit:discarded': z.object({
    snapshot_id: z.string(),
    card_key: z.string(),
    actor: z.optional(z.string()),
    reason: z.optional(z.string()),
    action_id: z.optional(z.string()),
    commit: z.optional(z.string()),
    correlation_id: z.optional(z.string()),
  }),
  'audit:deleted': z.object({
    snapshot_id: z.string(),
    commit: z.optional(z.string()),
    actor: z.optional(z.string()),
    reason: z.optional(z.string()),
    action_id: z.optional(z.string()),
    correlation_id: z.optional(z.string()),
  }),
  'run:started': z.object({
    run_id: z.string(),
    type: z.string(),
    subtype: z.string(),
    summary: z.string(),
    user: z.optional(z.string()),
    target: z.optional(z.string()),
    started_at: z.optional(z.string()),
    correlation_id: z.optional(z.string()),
  }),
  'run:event': z.object({ run_id: z.string(), event: RunEvent }),
  'run:completed': z.object({
    run_id: z.string(),
    type: z.string(),
    subtype: z.string(),
    status: RunStatus,
    summary: z.string(),
    duration_ms: z.nullable(z.number()),
    metadata: z.optional(z.record(z.string(), z.unknown())),
    correlation_id: z.optional(z.string()),
  }),
  /** Entries landed in the ledger (one commit). */
  'ledger:written': z.object({ commit: z.string(), ids: z.array(z.string()) }),
  'ledger:synced': z.object({ head: z.string(), fetched: z.number(), pushed: z.number() }),
  /** A sync, the read index's catch-up or a verify moving along (local to this origin). */
  'ledger:progress': LedgerProgress,
  /** Cached state is stale (server restart, SSE reset): views should refetch. */
  'sys:reset': z.object({ reason: z.string() }),
} as const;

export type BusEventName = keyof typeof BusEvents;
export type BusEventMap = { [K in BusEventName]: z.infer<(typeof BusEvents)[K]> };
