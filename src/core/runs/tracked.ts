// A run as this client looks after it, and the pure steps that build and change its record:
// checking a spec, the new run, an event, abandoning.
import { RunFinishedError } from '../errors/index.js';
import { newRunId } from '../ids.js';
import { parseWith } from '../schemas/parse.js';
import type { Run, RunEvent, RunRecord } from '../schemas/run.js';
import { PRESET_RUN_ID, type SpecWithPresetId } from './guards.js';
import { capString, EVENT_LIMITS, harvestValue } from './harvest.js';
import { RunEventInput, RunSpecInput } from './input.js';
import type { RunContextProvider, RunHandle, RunSpec } from './types.js';

type RunContext = ReturnType<RunContextProvider>;

/** A run this instance looks after, from start (or adoption) until the ledger has it. */
export interface Tracked {
  run: Run;
  events: RunEvent[];
  specSummary?: string;
  signal?: AbortSignal;
  finished: boolean;
  /** Store writes of this run, strictly in order (a late heartbeat never overwrites the finish). */
  chain: Promise<void>;
  /** A put waiting in `chain` that has not started yet: later changes ride along with it. */
  queuedPut?: Promise<void>;
  removed: boolean;
  release: () => void;
  /** The lock is held and the first store write is done (or failed). */
  ready: Promise<void>;
}

export const noop = () => {};

/** Deep-copies a value with secrets replaced (the runs' redactor). */
export type Redact = <T>(v: T) => T;

/** `deploy` + `k8s` → `deploy:k8s`; a subtype that already names its type is kept. */
export function normaliseSubtype(type: string, subtype?: string): string {
  if (!subtype) return type;
  return subtype.includes(':') || subtype === type ? subtype : `${type}:${subtype}`;
}

/** Refuses a spec that is not a run spec (ValidationError naming each bad field). */
export function checkSpec(spec: RunSpec): void {
  parseWith(RunSpecInput, spec, 'run spec');
}

/** The run as the ledger keeps it: no live-only fields. */
export function ledgerRecord(t: Tracked): RunRecord {
  const { heartbeat_at: _live, ...run } = t.run;
  return { run, events: t.events.slice() };
}

/** A new running run from a checked spec and the host's context (free text redacted). */
export function runFromSpec(spec: RunSpec, ctx: RunContext, at: Date, redact: Redact): Run {
  const iso = at.toISOString();
  const type = spec.type.trim();
  const subtype = normaliseSubtype(type, spec.subtype?.trim());
  const text = redact({
    summary: capString(spec.summary ?? `${subtype} running`),
    target: spec.target ?? ctx.target,
    reason: spec.reason,
    correlation_id: spec.correlation_id ?? ctx.correlation_id,
  });
  const environment = spec.environment ?? ctx.environment;
  return {
    run_id: (spec as SpecWithPresetId)[PRESET_RUN_ID] ?? newRunId(type, at),
    type,
    subtype,
    status: 'running',
    user: spec.actor || ctx.actor || 'unknown',
    code_ref: spec.code_ref ?? ctx.code_ref ?? '',
    started_at: iso,
    ended_at: null,
    duration_ms: null,
    ...(environment !== undefined && { environment }),
    ...(spec.modules_affected && { modules_affected: [...spec.modules_affected] }),
    summary: text.summary,
    ...(text.target !== undefined && { target: capString(String(text.target)) }),
    ...(text.reason !== undefined && { reason: capString(String(text.reason)) }),
    ...(text.correlation_id !== undefined && { correlation_id: capString(String(text.correlation_id), 200) }),
    heartbeat_at: iso,
  };
}

/** Refuses a change to a run that already finished (`what` names the change). */
export function assertOpen(t: Tracked, what: string): void {
  if (t.finished) {
    throw new RunFinishedError(`Run ${t.run.run_id} already finished (${t.run.status}): ${what}`, {
      data: { run_id: t.run.run_id, status: t.run.status },
    });
  }
}

/** The next event of `t` from what the action reported (checked, capped and redacted). */
export function eventFrom(t: Tracked, e: Parameters<RunHandle['event']>[0], now: () => Date, redact: Redact): RunEvent {
  parseWith(RunEventInput, e, 'run event');
  const { seq: _seq, ts: _ts, type, detail, ...rest } = e as Record<string, unknown> & { type: string };
  const fields = redact(harvestValue(rest, EVENT_LIMITS) as Record<string, unknown> | undefined) ?? {};
  const cleanDetail = detail === undefined ? undefined : redact(harvestValue(detail, EVENT_LIMITS));
  return {
    ...fields,
    seq: t.events.length + 1,
    ts: now().toISOString(),
    type: capString(type.trim(), 100),
    ...(cleanDetail !== undefined && {
      detail:
        typeof cleanDetail === 'object' && cleanDetail !== null && !Array.isArray(cleanDetail)
          ? (cleanDetail as Record<string, unknown>)
          : { value: cleanDetail },
    }),
  };
}

/** Closes a run whose owner died: it ended at its last heartbeat, as `abandoned`. */
export function abandonRun(run: Run, now: () => Date): void {
  const started = Date.parse(run.started_at);
  const lastBeat = Date.parse(run.heartbeat_at ?? run.started_at);
  const endMs = Number.isFinite(lastBeat) ? lastBeat : started;
  run.status = 'abandoned';
  run.ended_at = new Date(Number.isFinite(endMs) ? endMs : now().getTime()).toISOString();
  run.duration_ms = Number.isFinite(started) && Number.isFinite(endMs) ? Math.max(0, endMs - started) : null;
  run.summary = `${run.subtype} abandoned`;
  run.error = 'its tab or process stopped before the run finished (no heartbeat since ended_at)';
}
