/** The write-batch rules every Ledger adapter applies before it stores anything. */
import { ConflictError, ValidationError } from '../errors/index.js';
import { canonicalJson } from '../hash/index.js';
import { assertValidId } from '../ids.js';
import { checkValueLimits, DEFAULT_VALUE_LIMITS, type ValueLimits } from '../limits.js';
import { ActionEntry } from '../schemas/action.js';
import { SavedAudit } from '../schemas/audit.js';
import { parseWith } from '../schemas/parse.js';
import { RunRecord } from '../schemas/run.js';
import type { LedgerBatch } from './types.js';

/** A batch that passed every check: entries parsed (not yet sealed), run events as JSON copies. */
export interface ValidatedBatch {
  audits: SavedAudit[];
  runs: RunRecord[];
  actions: ActionEntry[];
  /** Audit ids, run ids, then action ids, in batch order. */
  ids: string[];
}

export interface ValidateBatchOptions {
  /** Refuse a `message` that is present but not a non-empty string (adapters that use it as a commit message). */
  checkMessage?: boolean;
  /** Structural limits of the whole batch (default DEFAULT_VALUE_LIMITS). */
  limits?: ValueLimits;
}

const BATCH_LIMITS: ValueLimits = {
  ...DEFAULT_VALUE_LIMITS,
  maxKeys: Infinity,
  maxArrayLength: Infinity,
  maxStringLength: Infinity,
  maxNodes: Infinity,
};

function invalid(what: string, path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${path}: ${message}`, { data: { what, issues: [{ path, message }] } });
}

/** Canonical JSON of `value`, or a ValidationError naming the entry when JSON cannot hold it. */
export function canonicalOrThrow(value: unknown, what: string, path: string): string {
  try {
    return canonicalJson(value);
  } catch (e) {
    throw new ValidationError(`Invalid ${what}: it holds a value JSON cannot store (${(e as Error).message})`, {
      data: { what, issues: [{ path, message: (e as Error).message }] },
      cause: e,
    });
  }
}

function checkTime(iso: string, what: string, path: string): void {
  if (Number.isNaN(Date.parse(iso))) throw invalid(what, path, `not an ISO-8601 time: ${JSON.stringify(iso)}`);
}

/** Every repeat after the first occurrence, in order (linear time). */
function repeats(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => {
    if (seen.has(id)) return true;
    seen.add(id);
    return false;
  });
}

/**
 * Checks a whole batch synchronously (shape, schemas, ids, times, finished runs, event order,
 * JSON-storable events, no id twice) so nothing is written unless all of it is valid.
 * Sealing (the sha256 of each entry) is left to the adapter.
 */
export function validateBatch(batch: LedgerBatch, options: ValidateBatchOptions = {}): ValidatedBatch {
  if (typeof batch !== 'object' || batch === null)
    throw invalid('ledger batch', '(root)', 'expected an object with `audits` and/or `runs`');
  // Before canonical JSON (recursive) sees any entry. Only nesting is bounded here: a batch may
  // carry thousands of audits, each already held to its own limits when it was staged.
  checkValueLimits(batch, options.limits ?? BATCH_LIMITS, 'ledger batch', 'batch');
  const rawAudits: unknown = batch.audits ?? [];
  const rawRuns: unknown = batch.runs ?? [];
  const rawActions: unknown = batch.actions ?? [];
  if (!Array.isArray(rawAudits)) throw invalid('ledger batch', 'audits', 'expected an array');
  if (!Array.isArray(rawRuns)) throw invalid('ledger batch', 'runs', 'expected an array');
  if (!Array.isArray(rawActions)) throw invalid('ledger batch', 'actions', 'expected an array');
  if (rawAudits.length + rawRuns.length + rawActions.length === 0)
    throw invalid('ledger batch', '(root)', 'nothing to write: pass at least one audit, run or action');
  if (
    options.checkMessage &&
    batch.message !== undefined &&
    (typeof batch.message !== 'string' || batch.message.trim() === '')
  ) {
    throw invalid('ledger batch', 'message', 'a commit message must be a non-empty string');
  }

  const audits: SavedAudit[] = [];
  const runs: RunRecord[] = [];
  for (const [i, raw] of rawAudits.entries()) {
    const what = `audit ${i} of the batch`;
    const a = parseWith(SavedAudit, raw, what);
    assertValidId(a.snapshot_id, 'audit');
    checkTime(a.iso, what, 'iso');
    audits.push(a);
  }
  for (const [i, raw] of rawRuns.entries()) {
    const what = `run ${i} of the batch`;
    const r = parseWith(RunRecord, raw, what);
    assertValidId(r.run.run_id, 'run');
    checkTime(r.run.started_at, what, 'run.started_at');
    if (r.run.status === 'running')
      throw invalid(what, 'run.status', 'a running run cannot be written to the ledger: finish it first');
    let seq = -Infinity;
    for (const [j, ev] of r.events.entries()) {
      if (!(ev.seq > seq))
        throw invalid(what, `events.${j}.seq`, `event seq must increase strictly (got ${ev.seq} after ${seq})`);
      seq = ev.seq;
    }
    const events = JSON.parse(canonicalOrThrow(r.events, what, 'events')) as RunRecord['events'];
    runs.push({ run: r.run, events });
  }

  const actions: ActionEntry[] = [];
  for (const [i, raw] of rawActions.entries()) actions.push(checkAction(raw, `action ${i} of the batch`));

  const auditIds = audits.map((a) => a.snapshot_id);
  const runIds = runs.map((r) => r.run.run_id);
  const actionIds = actions.map((a) => a.action_id);
  const repeated = [...new Set([...repeats(auditIds), ...repeats(runIds), ...repeats(actionIds)])];
  if (repeated.length) {
    throw new ConflictError(
      `The batch holds the same id more than once: ${repeated.join(', ')} (each entry needs its own id)`,
      {
        data: { ids: repeated, reason: 'duplicate_in_batch' },
      },
    );
  }
  return { audits, runs, actions, ids: [...auditIds, ...runIds, ...actionIds] };
}

/**
 * An action entry's rules: a valid id, a time, an actor, at least one valid target id, and a
 * reason for a delete (a deleted audit must say why it went).
 */
export function checkAction(raw: unknown, what: string): ActionEntry {
  const a = parseWith(ActionEntry, raw, what);
  assertValidId(a.action_id, 'action');
  checkTime(a.at, what, 'at');
  if (!a.actor.trim()) throw invalid(what, 'actor', 'who did it is required');
  if (a.targets.length === 0) throw invalid(what, 'targets', 'an action applies to at least one audit');
  for (const t of a.targets) assertValidId(t.id, 'audit');
  if (a.action === 'delete' && (a.reason === undefined || !a.reason.trim())) {
    throw invalid(what, 'reason', 'a delete must say why the audit is removed');
  }
  return a;
}
