import type { ScpClient } from '../../core/client.js';
import { toCsv, toJsonl } from '../../core/export/entries.js';
import type { LedgerQuery } from '../../core/schemas/ledger.js';
import { ScpLogExportEvent, type ScpLogExportFormat } from '../events/log-export-event.js';

/*
 * The audit log's export: every entry of its filtered view, as text and as a file. Loaded when an
 * export is first asked for (`exportText()`, `download()` or the toolbar's buttons), not up front.
 */

/** Page size of an export (the ledger's largest). */
const EXPORT_PAGE = 500;

/** Every entry `query` matches (all pages) as CSV (RFC 4180) or JSON Lines, and how many there are. */
export async function exportLog(
  client: ScpClient,
  query: LedgerQuery,
  format: ScpLogExportFormat,
  separator: string,
): Promise<{ text: string; count: number }> {
  const entries = [];
  let cursor: string | undefined;
  do {
    const page = await client.ledger.list({ ...query, limit: EXPORT_PAGE, ...(cursor && { cursor }) });
    entries.push(...page.entries);
    cursor = page.cursor;
  } while (cursor);
  const text =
    format === 'csv'
      ? toCsv(entries, (k) => client.cardLabel(k), { separator: separator === ';' ? ';' : ',' })
      : toJsonl(entries);
  return { text, count: entries.length };
}

/**
 * Announces the file with a cancelable `scp-log-export` on `el` and, unless a listener cancelled
 * it, saves it through a hidden link placed in `root` (the element's shadow root).
 */
export function saveFile(el: HTMLElement, root: Node, format: ScpLogExportFormat, text: string, count: number): void {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const filename = `scp-audit-log-${stamp}.${format}`;
  const ev = new ScpLogExportEvent({ format, text, count, filename });
  el.dispatchEvent(ev);
  if (ev.defaultPrevented) return;
  const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8';
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.hidden = true;
  root.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
