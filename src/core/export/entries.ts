import { ValidationError } from '../errors/index.js';
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
  install: 'create',
  build: 'create',
  setup: 'create',
  generate: 'create',
  backup: 'create',
  deploy: 'change',
  format: 'change',
  restore: 'change',
  git: 'change',
  ci: 'change',
  destroy: 'destroy',
  plan: 'read',
  validate: 'read',
  test: 'read',
  scan: 'read',
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

export const CSV_COLUMNS = [
  'time',
  'kind',
  'id',
  'actor',
  'action',
  'target',
  'card',
  'status',
  'summary',
  'reason',
  'duration_ms',
] as const;

/** The field separator: `,` (RFC 4180) or `;` (what spreadsheets expect where `,` is the decimal mark). */
export type CsvSeparator = ',' | ';';

/** The separator, checked: anything but `,` or `;` is a ValidationError. */
export function csvSeparator(value: unknown = ','): CsvSeparator {
  if (value === ',' || value === ';') return value;
  throw new ValidationError(`Invalid CSV separator ${JSON.stringify(String(value).slice(0, 20))}: use "," or ";"`, {
    data: { what: 'CSV options', issues: [{ path: 'separator', message: 'expected "," or ";"' }] },
  });
}

/**
 * One CSV field, safe in either dialect: quoted (quotes doubled, RFC 4180) when it holds `,` or
 * `;` (a file written with one separator is often opened with the other), a quote, a tab or a
 * line break, or when it is text a spreadsheet would run as a formula (starting with `=`, `+`,
 * `-`, `@`, tab or CR), which also gets a leading `'`.
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  let text = String(value);
  const formula = typeof value === 'string' && /^[=+\-@\t\r]/.test(text);
  if (formula) text = `'${text}`;
  return formula || /[",;\t\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The header line for a separator (CRLF-terminated). */
export const csvHeader = (separator: CsvSeparator = ','): string => `${CSV_COLUMNS.join(csvSeparator(separator))}\r\n`;

export const CSV_HEADER = csvHeader(',');

/** One entry as a CSV line (CRLF-terminated). */
export function csvRow(
  e: EntryMeta,
  cardLabel: (key: string) => string = (k) => k,
  separator: CsvSeparator = ',',
): string {
  const row: Record<(typeof CSV_COLUMNS)[number], string | number | null | undefined> = {
    time: e.time,
    kind: e.kind,
    id: e.id,
    actor: e.actor,
    action: actionOf(e),
    target: targetOf(e, cardLabel),
    card: e.card_key,
    status: e.status,
    summary: e.summary,
    reason: e.reason,
    duration_ms: e.duration_ms,
  };
  return `${CSV_COLUMNS.map((c) => csvField(row[c])).join(csvSeparator(separator))}\r\n`;
}

/** The entries as CSV with a header row, separated by `,` (default) or `;`. */
export function toCsv(
  entries: readonly EntryMeta[],
  cardLabel?: (key: string) => string,
  options: { separator?: CsvSeparator } = {},
): string {
  const separator = csvSeparator(options.separator ?? ',');
  return csvHeader(separator) + entries.map((e) => csvRow(e, cardLabel, separator)).join('');
}

/** One entry as a JSON Lines line. */
export const jsonlRow = (e: EntryMeta): string => `${JSON.stringify(e)}\n`;

/** The entries as JSON Lines: one entry object per line, as the ledger lists it. */
export function toJsonl(entries: readonly EntryMeta[]): string {
  return entries.map(jsonlRow).join('');
}
