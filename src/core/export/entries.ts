import type { EntryMeta } from '../schemas/ledger.js';

/**
 * The "who did what" export of ledger entries, shared by <scp-audit-log> and the CLI:
 * CSV (RFC 4180) and JSON Lines, row by row so a caller can stream any number of entries.
 */

/** The action column: `audit:saved` for an audit, `audit:discarded` / `audit:deleted` for an action, else the run's subtype or type. */
export function actionOf(entry: EntryMeta): string {
  if (entry.kind === 'audit') return 'audit:saved';
  if (entry.kind === 'action') return entry.type || `audit:${entry.status}`;
  return entry.subtype || entry.type || 'run';
}

/** What an action did to the world, for colour and words in the log. */
export type ActionKind = 'create' | 'change' | 'destroy' | 'read';

const RUN_TYPE_KINDS: Record<string, ActionKind> = {
  install: 'create', build: 'create', setup: 'create', generate: 'create', backup: 'create',
  deploy: 'change', format: 'change', restore: 'change', git: 'change', ci: 'change',
  destroy: 'destroy',
  plan: 'read', validate: 'read', test: 'read', scan: 'read',
};

/**
 * An entry's action kind: a save creates, a discard or delete destroys, a run by its type (the
 * origin's types; any other type counts as a change).
 */
export function actionKindOf(entry: EntryMeta): ActionKind {
  if (entry.kind === 'audit') return 'create';
  if (entry.kind === 'action') return 'destroy';
  const type = entry.type ?? '';
  return Object.hasOwn(RUN_TYPE_KINDS, type) ? RUN_TYPE_KINDS[type]! : 'change';
}

/** The target column: the card (labelled) for an audit, the run's target for a run, the audit ids for an action. */
export function targetOf(entry: EntryMeta, cardLabel: (key: string) => string = (k) => k): string {
  if (entry.kind === 'audit') return entry.card_key ? cardLabel(entry.card_key) : '';
  return entry.target ?? '';
}

export const CSV_COLUMNS = ['time', 'kind', 'id', 'actor', 'action', 'target', 'card', 'status', 'summary', 'reason', 'duration_ms'] as const;

/**
 * One CSV field: RFC 4180 quoting (fields with `"`, `,`, CR or LF are quoted, quotes doubled),
 * and a leading `'` on text a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR).
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export const CSV_HEADER = `${CSV_COLUMNS.join(',')}\r\n`;

/** One entry as a CSV line (CRLF-terminated). */
export function csvRow(e: EntryMeta, cardLabel: (key: string) => string = (k) => k): string {
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> = {
    time: e.time, kind: e.kind, id: e.id, actor: e.actor, action: actionOf(e), target: targetOf(e, cardLabel),
    card: e.card_key, status: e.status, summary: e.summary, reason: e.reason, duration_ms: e.duration_ms,
  };
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(',')}\r\n`;
}

/** The entries as CSV with a header row. */
export function toCsv(entries: readonly EntryMeta[], cardLabel?: (key: string) => string): string {
  return CSV_HEADER + entries.map((e) => csvRow(e, cardLabel)).join('');
}

/** One entry as a JSON Lines line. */
export const jsonlRow = (e: EntryMeta): string => `${JSON.stringify(e)}\n`;

/** The entries as JSON Lines: one entry object per line, as the ledger lists it. */
export function toJsonl(entries: readonly EntryMeta[]): string {
  return entries.map(jsonlRow).join('');
}
