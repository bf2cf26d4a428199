import * as z from 'zod/mini';

export { RUN_TYPES } from './run-types.js';

/** `running` only while live (never written to the ledger); `abandoned` when its tab/process died. */
export const RunStatus = z.enum(['running', 'ok', 'failed', 'partial', 'cancelled', 'abandoned']);
export type RunStatus = z.infer<typeof RunStatus>;

export const Run = z.looseObject({
  run_id: z.string(),
  type: z.string(),
  /** `<type>:<detail>`, e.g. `deploy:k8s`. */
  subtype: z.string(),
  status: RunStatus,
  /** Who ran it (the origin's name for the actor). */
  user: z.string(),
  /** The code the run saw (git sha), `''` when unknown. */
  code_ref: z.string(),
  started_at: z.string(),
  ended_at: z.optional(z.nullable(z.string())),
  duration_ms: z.optional(z.nullable(z.number())),
  environment: z.optional(z.string()),
  modules_affected: z.optional(z.array(z.string())),
  summary: z.string(),
  metadata: z.optional(z.record(z.string(), z.unknown())),
  /** What the action was applied to (service, cluster, repo ...). */
  target: z.optional(z.string()),
  /** Why the action was taken (the host's words), if given. */
  reason: z.optional(z.string()),
  /** The error message when the run failed. */
  error: z.optional(z.string()),
  /** The host's request id, to join this run with the host's own logs. */
  correlation_id: z.optional(z.string()),
  /** ISO time of the last heartbeat of a live run. */
  heartbeat_at: z.optional(z.string()),
  sha256: z.optional(z.string()),
});
export type Run = z.infer<typeof Run>;

export const RunEvent = z.looseObject({
  /** 1, 2, 3 ... per run, strictly increasing. */
  seq: z.number(),
  ts: z.string(),
  type: z.string(),
  adapter: z.optional(z.string()),
  action_id: z.optional(z.string()),
  target: z.optional(z.string()),
  status: z.optional(z.string()),
  duration_ms: z.optional(z.number()),
  detail: z.optional(z.record(z.string(), z.unknown())),
});
export type RunEvent = z.infer<typeof RunEvent>;

/** A run with its events, as the ledger stores it. */
export const RunRecord = z.looseObject({ run: Run, events: z.array(RunEvent) });
export type RunRecord = z.infer<typeof RunRecord>;
