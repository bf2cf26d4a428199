import type { EntryMeta } from '../schemas/ledger.js';

/**
 * The "who did what" export of ledger entries, shared by <scp-audit-log> and the CLI:
 * CSV (RFC 4180) and JSON Lines, row by row so a caller can stream any number of entries.
 */

/** The action column: `audit:saved` for an audit, else the run's subtype or type. */
export function actionOf(entry: EntryMeta): string {
  return entry.kind === 'audit' ? 'audit:saved' : entry.subtype || entry.type || 'run';
}

/** The target column: the card (labelled) for an audit, the run's target for a run. */
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
