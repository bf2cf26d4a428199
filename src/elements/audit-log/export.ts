import type { EntryMeta } from '../../core/schemas/ledger.js';

/** What the log shows in its action and target columns for an entry (shared by the table and the export). */
export function actionOf(entry: EntryMeta): string {
  return entry.kind === 'audit' ? 'audit:saved' : entry.subtype || entry.type || 'run';
}

export function targetOf(entry: EntryMeta, cardLabel: (key: string) => string): string {
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

/** The entries as CSV (header row, CRLF line ends as RFC 4180 says). */
export function toCsv(entries: readonly EntryMeta[], cardLabel: (key: string) => string): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const e of entries) {
    const row: Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> = {
      time: e.time, kind: e.kind, id: e.id, actor: e.actor, action: actionOf(e), target: targetOf(e, cardLabel),
      card: e.card_key, status: e.status, summary: e.summary, reason: e.reason, duration_ms: e.duration_ms,
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(row[c])).join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The entries as JSON Lines: one entry object per line, as the ledger lists it. */
export function toJsonl(entries: readonly EntryMeta[]): string {
  return entries.map((e) => `${JSON.stringify(e)}\n`).join('');
}
