import { assertValidId } from '../../core/ids.js';
import type { EntryMeta } from '../../core/schemas/ledger.js';
import { parseArgs, str, UsageError } from '../args.js';
import { FILTER_FLAGS, filterHelp, queryFromFlags, resolveRepoFilter } from '../filters.js';
import type { Io } from '../io.js';
import { openRepoLedger, repoOptions } from '../open-ledger.js';
import { csvHeader, csvRow, jsonlRow } from '../../core/export/entries.js';

export const logHelp = `Usage: scp-ledger log [filters] [--limit N] [--json]

Lists ledger entries, newest first.

${filterHelp}
  --limit <n>           at most n entries (default 20)
  --json                one JSON object per line
  --branch <name>       ledger branch (default: scp-ledger)
`;

export const showHelp = `Usage: scp-ledger show @run:<id> | @audit:<id> [--json]

Prints one entry in full (a run with its events, an audit with its data).
`;

export const exportHelp = `Usage: scp-ledger export --format csv|jsonl [--separator ';'] [filters] [--branch name]

Streams every matching entry to stdout, page by page (constant memory at any ledger size).
CSV fields are separated by "," (or ";" with --separator ';'); cells holding either separator,
a quote or a line break, and cells a spreadsheet would run as a formula, are quoted.

${filterHelp}
`;

const pad = (s: string, n: number) => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

function line(e: EntryMeta): string {
  const what =
    e.kind === 'run'
      ? (e.subtype ?? e.type ?? 'run')
      : e.kind === 'action'
        ? `${e.type ?? e.status} ${e.target ?? ''}`
        : `audit ${e.card_key ?? ''}`;
  return `${e.time.slice(0, 19).replace('T', ' ')}  ${pad(e.status, 9)} ${pad(e.actor ?? '', 12)} ${pad(what, 22)} ${e.summary}\n    @${e.kind}:${e.id}`;
}

export async function logCommand(argv: string[], io: Io): Promise<number> {
  const { flags } = parseArgs(argv, { booleans: ['help', 'json'], values: [...FILTER_FLAGS, 'limit', 'branch'] });
  if (flags.help) {
    io.out(logHelp);
    return 0;
  }
  const limitText = str(flags, 'limit') ?? '20';
  const limit = Number(limitText);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number above 0, not "${limitText}"`);
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const query = await resolveRepoFilter(queryFromFlags(flags), io.cwd);
  let left = limit;
  let cursor: string | undefined;
  let shown = 0;
  do {
    const page = await ledger.list({ ...query, limit: Math.min(left, 500), ...(cursor && { cursor }) });
    for (const e of page.entries) io.out(flags.json ? JSON.stringify(e) : line(e));
    shown += page.entries.length;
    left -= page.entries.length;
    cursor = page.cursor;
  } while (cursor && left > 0);
  if (!flags.json && shown === 0) io.err('scp-ledger: no entries match');
  return 0;
}

export async function showCommand(argv: string[], io: Io): Promise<number> {
  const { flags, positional } = parseArgs(argv, { booleans: ['help', 'json'], values: ['branch'] });
  if (flags.help) {
    io.out(showHelp);
    return 0;
  }
  const m = /^@?(audit|run):(.+)$/.exec(positional[0] ?? '');
  if (!m) throw new UsageError('show needs a reference like @run:<id> or @audit:<id>');
  const [, kind, id] = m as unknown as [string, 'audit' | 'run', string];
  assertValidId(id, kind);
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const entry = kind === 'run' ? await ledger.getRun(id) : await ledger.getAudit(id);
  if (!entry) {
    io.err(`scp-ledger: @${kind}:${id} is not in the ledger`);
    return 1;
  }
  io.out(JSON.stringify(entry, null, flags.json ? 0 : 2));
  return 0;
}

/** Writes with back-pressure so a slow pipe never makes us buffer the whole ledger. */
function write(stream: NodeJS.WritableStream, text: string): Promise<void> | void {
  if (!stream.write(text)) return new Promise((resolve) => stream.once('drain', () => resolve()));
}

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const { flags } = parseArgs(argv, { booleans: ['help'], values: [...FILTER_FLAGS, 'format', 'branch', 'separator'] });
  if (flags.help) {
    io.out(exportHelp);
    return 0;
  }
  const format = str(flags, 'format');
  if (format !== 'csv' && format !== 'jsonl') throw new UsageError('export needs --format csv or --format jsonl');
  const { ledger } = await openRepoLedger(io.cwd, str(flags, 'branch'), undefined, repoOptions(io));
  const query = await resolveRepoFilter(queryFromFlags(flags), io.cwd);
  const separator = str(flags, 'separator') ?? ',';
  if (separator !== ',' && separator !== ';') throw new UsageError('--separator takes "," or ";"');
  if (format === 'csv') await write(io.stdout, csvHeader(separator));
  let cursor: string | undefined;
  let count = 0;
  const progress = io.stdout.isTTY ? undefined : (io.stderr as NodeJS.WriteStream).isTTY ? io.stderr : undefined;
  do {
    const page = await ledger.list({ ...query, limit: 500, ...(cursor && { cursor }) });
    let chunk = '';
    for (const e of page.entries) chunk += format === 'csv' ? csvRow(e, undefined, separator) : jsonlRow(e);
    await write(io.stdout, chunk);
    count += page.entries.length;
    if (progress) progress.write(`\rexported ${count}…`);
    cursor = page.cursor;
  } while (cursor);
  if (progress) progress.write(`\rexported ${count} entries\n`);
  return 0;
}
