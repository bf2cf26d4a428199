/** Checking a write batch and turning it into sealed entries (the same rules as every Ledger adapter). */
import { getCodec } from './platform.js';
import type { ActionEntry } from '../../schemas/action.js';
import type { SavedAudit } from '../../schemas/audit.js';
import type { RunRecord } from '../../schemas/run.js';
import type { LedgerBatch } from '../types.js';
import { canonicalOrThrow, validateBatch } from '../validate-batch.js';
import { eventsJsonl } from './layout.js';

export interface PreparedBatch {
  audits: SavedAudit[];
  runs: RunRecord[];
  actions: ActionEntry[];
  ids: string[];
}

/** A JSON copy of the entry with `sha256` over the canonical JSON of everything else. */
export async function seal<T extends Record<string, unknown>>(entry: T, what: string): Promise<T & { sha256: string }> {
  const { sha256: _ignored, ...rest } = entry;
  const canonical = canonicalOrThrow(rest, what, '(root)');
  // Same digest as core/hash's sha256Hex (SHA-256 of the UTF-8 canonical JSON), via node:crypto when present.
  return { ...(JSON.parse(canonical) as T), sha256: await (await getCodec()).sha256Hex(canonical) };
}

/** The shared batch checks, then each entry sealed (run events are already JSON copies). */
export async function prepareBatch(batch: LedgerBatch): Promise<PreparedBatch> {
  const v = validateBatch(batch, { checkMessage: true });
  const audits: SavedAudit[] = [];
  for (const [i, a] of v.audits.entries()) audits.push(await seal(a, `audit ${i} of the batch`));
  const runs: RunRecord[] = [];
  const codec = await getCodec();
  for (const [i, r] of v.runs.entries()) {
    // The run's events are fixed by a hash inside the sealed run.json: an events.jsonl added or
    // changed later no longer matches (no events = the hash of an empty file).
    const events_sha256 = await codec.sha256Hex(eventsJsonl(r.events));
    runs.push({ run: await seal({ ...r.run, events_sha256 }, `run ${i} of the batch`), events: r.events });
  }
  const actions: ActionEntry[] = [];
  for (const [i, a] of v.actions.entries()) actions.push(await seal(a, `action ${i} of the batch`));
  return { audits, runs, actions, ids: v.ids };
}

/** The origin's commit messages: one line for one entry, a summary line and a list for many. */
export function commitMessage(p: PreparedBatch): string {
  const lines = [
    ...p.audits.map((a) => `audit: ${a.card_key} ${a.snapshot_id}`),
    ...p.runs.map((r) => `ledger: ${r.run.type || 'run'} ${r.run.run_id}`),
    ...p.actions.map((a) => `action: ${a.action} ${a.targets.map((t) => t.id).join(' ')} (${a.action_id})`),
  ];
  if (lines.length === 1) return `${lines[0]}\n`;
  const parts: string[] = [];
  if (p.audits.length) parts.push(`${p.audits.length} audit${p.audits.length === 1 ? '' : 's'}`);
  if (p.runs.length) parts.push(`${p.runs.length} run${p.runs.length === 1 ? '' : 's'}`);
  if (p.actions.length) parts.push(`${p.actions.length} action${p.actions.length === 1 ? '' : 's'}`);
  return `ledger: save ${parts.join(', ')}\n\n${lines.join('\n')}\n`;
}
