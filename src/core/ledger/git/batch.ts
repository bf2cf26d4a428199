/** Checking a write batch and turning it into sealed entries (the same rules as every Ledger adapter). */
import { ConflictError, ValidationError } from '../../errors/index.js';
import { canonicalJson } from '../../hash/index.js';
import { getCodec } from './platform.js';
import { assertValidId } from '../../ids.js';
import { SavedAudit } from '../../schemas/audit.js';
import { parseWith } from '../../schemas/parse.js';
import { RunRecord } from '../../schemas/run.js';
import type { LedgerBatch } from '../types.js';

export interface PreparedBatch {
  audits: SavedAudit[];
  runs: RunRecord[];
  ids: string[];
}

function invalid(what: string, path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${path}: ${message}`, { data: { what, issues: [{ path, message }] } });
}

function canonicalOrThrow(value: unknown, what: string, path: string): string {
  try {
    return canonicalJson(value);
  } catch (e) {
    throw new ValidationError(`Invalid ${what}: it holds a value JSON cannot store (${(e as Error).message})`, {
      data: { what, issues: [{ path, message: (e as Error).message }] }, cause: e,
    });
  }
}

/** A JSON copy of the entry with `sha256` over the canonical JSON of everything else. */
export async function seal<T extends Record<string, unknown>>(entry: T, what: string): Promise<T & { sha256: string }> {
  const { sha256: _ignored, ...rest } = entry;
  const canonical = canonicalOrThrow(rest, what, '(root)');
  // Same digest as core/hash's sha256Hex (SHA-256 of the UTF-8 canonical JSON), via node:crypto when present.
  return { ...(JSON.parse(canonical) as T), sha256: await (await getCodec()).sha256Hex(canonical) };
}

function checkTime(iso: string, what: string, path: string): void {
  if (Number.isNaN(Date.parse(iso))) throw invalid(what, path, `not an ISO-8601 time: ${JSON.stringify(iso)}`);
}

export async function prepareBatch(batch: LedgerBatch): Promise<PreparedBatch> {
  if (typeof batch !== 'object' || batch === null) throw invalid('ledger batch', '(root)', 'expected an object with `audits` and/or `runs`');
  const rawAudits: unknown = batch.audits ?? [];
  const rawRuns: unknown = batch.runs ?? [];
  if (!Array.isArray(rawAudits)) throw invalid('ledger batch', 'audits', 'expected an array');
  if (!Array.isArray(rawRuns)) throw invalid('ledger batch', 'runs', 'expected an array');
  if (rawAudits.length + rawRuns.length === 0) throw invalid('ledger batch', '(root)', 'nothing to write: pass at least one audit or run');
  if (batch.message !== undefined && (typeof batch.message !== 'string' || batch.message.trim() === '')) {
    throw invalid('ledger batch', 'message', 'a commit message must be a non-empty string');
  }

  const audits: SavedAudit[] = [];
  const runs: RunRecord[] = [];
  for (const [i, raw] of rawAudits.entries()) {
    const what = `audit ${i} of the batch`;
    const a = parseWith(SavedAudit, raw, what);
    assertValidId(a.snapshot_id, 'audit');
    checkTime(a.iso, what, 'iso');
    audits.push(await seal(a, what));
  }
  for (const [i, raw] of rawRuns.entries()) {
    const what = `run ${i} of the batch`;
    const r = parseWith(RunRecord, raw, what);
    assertValidId(r.run.run_id, 'run');
    checkTime(r.run.started_at, what, 'run.started_at');
    if (r.run.status === 'running') throw invalid(what, 'run.status', 'a running run cannot be written to the ledger: finish it first');
    let seq = -Infinity;
    for (const [j, ev] of r.events.entries()) {
      if (!(ev.seq > seq)) throw invalid(what, `events.${j}.seq`, `event seq must increase strictly (got ${ev.seq} after ${seq})`);
      seq = ev.seq;
    }
    const run = await seal(r.run, what);
    const events = JSON.parse(canonicalOrThrow(r.events, what, 'events')) as RunRecord['events'];
    runs.push({ run, events });
  }

  const dupes = (ids: string[]) => ids.filter((id, i) => ids.indexOf(id) !== i);
  const auditIds = audits.map((a) => a.snapshot_id);
  const runIds = runs.map((r) => r.run.run_id);
  const repeated = [...new Set([...dupes(auditIds), ...dupes(runIds)])];
  if (repeated.length) {
    throw new ConflictError(`The batch holds the same id more than once: ${repeated.join(', ')} (each entry needs its own id)`, {
      data: { ids: repeated, reason: 'duplicate_in_batch' },
    });
  }
  return { audits, runs, ids: [...auditIds, ...runIds] };
}

/** The origin's commit messages: one line for one entry, a summary line and a list for many. */
export function commitMessage(p: PreparedBatch): string {
  const lines = [
    ...p.audits.map((a) => `audit: ${a.card_key} ${a.snapshot_id}`),
    ...p.runs.map((r) => `ledger: ${r.run.type || 'run'} ${r.run.run_id}`),
  ];
  if (lines.length === 1) return `${lines[0]}\n`;
  const parts: string[] = [];
  if (p.audits.length) parts.push(`${p.audits.length} audit${p.audits.length === 1 ? '' : 's'}`);
  if (p.runs.length) parts.push(`${p.runs.length} run${p.runs.length === 1 ? '' : 's'}`);
  return `ledger: save ${parts.join(', ')}\n\n${lines.join('\n')}\n`;
}
