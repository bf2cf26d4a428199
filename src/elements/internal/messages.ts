import type { Formatters } from './format.js';
import { own } from '../../core/own.js';

type Fn<P> = (p: P, f: Formatters) => string;
const plural = (f: Formatters, n: number, one: string, other: string) => (f.plural(n) === 'one' ? one : other);

/**
 * Every user-facing string of the elements, in English. One section per element; each element's
 * owner adds its keys here. A value is a string, or a function of its parameters and the locale's
 * formatters. Hosts replace any of them with `setScpMessages` (globally or per language) or an
 * element's `strings` property; a replacement string may use `{param}` placeholders.
 */
export const defaultMessages = {
  // common
  loading: 'Loading…',
  retry: 'Retry',
  close: 'Close',
  notConnected: 'Not connected to the audit ledger.',
  errorDetail: ((p: { detail: string }) => `Something went wrong: ${p.detail}`) as Fn<{ detail: string }>,
  // What a user is told about a failure (the developer's details go to the console and scp-error).
  errUnreachable: 'the audit ledger could not be reached',
  errUnavailable: 'the audit ledger is not available right now',
  errFull: "the browser's storage is full",
  errBlocked: 'another tab of this page is updating its storage; close it and retry',
  errNotWritten: 'the audit ledger did not accept the change',
  errChanged: 'the ledger changed meanwhile; retry',
  errCancelled: 'cancelled',
  errForbidden: 'you are not allowed to do this',
  errUnexpected: 'an unexpected error occurred',
  statusOk: 'ok',
  statusFailed: 'failed',
  statusPartial: 'partial',
  statusRunning: 'running',
  statusError: 'error',
  statusUnknown: ((p: { status: string }) => p.status) as Fn<{ status: string }>,

  // <scp-audit-badge>
  badgeLabel: ((p: { count: number; card: string }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'pending audit', 'pending audits')} for ${p.card}`) as Fn<{
    count: number;
    card: string;
  }>,
  badgeLabelAll: ((p: { count: number }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'pending audit', 'pending audits')}`) as Fn<{ count: number }>,

  // <scp-audit-manager>
  managerTitle: 'Pending audits',
  managerTitleCard: ((p: { card: string }) => `Pending audits · ${p.card}`) as Fn<{ card: string }>,
  managerTabs: 'Audit views',
  tabAll: 'All',
  tabSaved: 'Saved',
  tabCard: ((p: { card: string }) => p.card) as Fn<{ card: string }>,
  clearCardFilter: ((p: { card: string }) => `Show all cards (now: ${p.card})`) as Fn<{ card: string }>,
  tabCount: ((p: { count: number }, f) => f.number(p.count)) as Fn<{ count: number }>,
  selectAll: 'Select all',
  selectRow: ((p: { label: string }) => `Select ${p.label}`) as Fn<{ label: string }>,
  selectedCount: ((p: { selected: number; total: number }, f) =>
    `${f.number(p.selected)} of ${f.number(p.total)} selected`) as Fn<{ selected: number; total: number }>,
  saveSelected: 'Save selected',
  discardSelected: 'Discard selected',
  saveRow: 'Save',
  discardRow: 'Discard',
  saveRowLabel: ((p: { label: string }) => `Save ${p.label}`) as Fn<{ label: string }>,
  discardRowLabel: ((p: { label: string }) => `Discard ${p.label}`) as Fn<{ label: string }>,
  previewRow: 'Data',
  previewRowLabel: ((p: { label: string }) => `Data of ${p.label}`) as Fn<{ label: string }>,
  previewTitle: ((p: { label: string }) => `Data of ${p.label}`) as Fn<{ label: string }>,
  previewLoadFailed: ((p: { detail: string }) => `The data could not be loaded: ${p.detail}`) as Fn<{ detail: string }>,
  pendingCount: ((p: { count: number }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'pending audit', 'pending audits')}`) as Fn<{ count: number }>,
  listLabel: 'Pending audit snapshots',
  emptyPending: 'No pending audits.',
  emptyView: 'No pending audits in this view.',
  saving: ((p: { count: number }, f) => `Saving ${f.number(p.count)} ${plural(f, p.count, 'audit', 'audits')}…`) as Fn<{
    count: number;
  }>,
  discarding: ((p: { count: number }, f) =>
    `Discarding ${f.number(p.count)} ${plural(f, p.count, 'audit', 'audits')}…`) as Fn<{ count: number }>,
  savedDone: ((p: { count: number }, f) =>
    `Saved ${f.number(p.count)} ${plural(f, p.count, 'audit', 'audits')} to the ledger.`) as Fn<{ count: number }>,
  discardedDone: ((p: { count: number }, f) =>
    `Discarded ${f.number(p.count)} ${plural(f, p.count, 'audit', 'audits')}.`) as Fn<{ count: number }>,
  saveFailed: ((p: { items: string; detail: string }) =>
    `Saving failed for ${p.items}: ${p.detail}. Nothing was removed from the list.`) as Fn<{
    items: string;
    detail: string;
  }>,
  discardFailed: ((p: { items: string; detail: string }) =>
    `Discarding failed for ${p.items}: ${p.detail}. Nothing was removed from the list.`) as Fn<{
    items: string;
    detail: string;
  }>,
  actionVetoed: 'The page cancelled this action.',
  dismiss: 'Dismiss',
  moreItems: ((p: { count: number }, f) => `${f.number(p.count)} more`) as Fn<{ count: number }>,
  searchSaved: 'Search saved audits',
  savedEmpty: 'No saved audits yet.',
  savedNoMatch: ((p: { query: string }) => `No saved audit matches “${p.query}”.`) as Fn<{ query: string }>,
  savedLoadMore: 'Load more',
  savedBy: ((p: { actor: string }) => `saved by ${p.actor}`) as Fn<{ actor: string }>,
  copyRef: 'Copy reference',
  copyRefLabel: ((p: { ref: string }) => `Copy reference ${p.ref}`) as Fn<{ ref: string }>,
  refCopied: ((p: { ref: string }) => `Copied ${p.ref}`) as Fn<{ ref: string }>,
  copyFailed: ((p: { ref: string }) => `Could not copy ${p.ref}; select it and copy by hand.`) as Fn<{ ref: string }>,
  savedListLabel: 'Saved audits',

  // JSON tree (inside the manager's preview)
  jsonTreeLabel: 'Snapshot data',
  jsonItems: ((p: { count: number }, f) => `${f.number(p.count)} ${plural(f, p.count, 'item', 'items')}`) as Fn<{
    count: number;
  }>,
  jsonKeys: ((p: { count: number }, f) => `${f.number(p.count)} ${plural(f, p.count, 'key', 'keys')}`) as Fn<{
    count: number;
  }>,
  jsonShowMore: ((p: { shown: number; total: number }, f) =>
    `Show more (${f.number(p.shown)} of ${f.number(p.total)} shown)`) as Fn<{ shown: number; total: number }>,
  jsonTruncatedString: ((p: { count: number }, f) => `… ${f.number(p.count)} more characters`) as Fn<{ count: number }>,

  // <scp-ref-preview>
  refPreviewLabel: 'Referenced items',
  refKindAudit: 'Audit',
  refKindRun: 'Run',
  refLoading: ((p: { ref: string }) => `Loading ${p.ref}`) as Fn<{ ref: string }>,
  refNotFound: 'Not found',
  refError: ((p: { detail: string }) => `Could not load: ${p.detail}`) as Fn<{ detail: string }>,
  refRemove: ((p: { ref: string }) => `Remove ${p.ref}`) as Fn<{ ref: string }>,
  refCount: ((p: { count: number }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'reference', 'references')}`) as Fn<{ count: number }>,
  refMore: ((p: { count: number }, f) =>
    `+${f.number(p.count)} more ${plural(f, p.count, 'reference', 'references')}`) as Fn<{ count: number }>,
  // <scp-run-badge>
  statusCancelled: 'cancelled',
  statusAbandoned: 'abandoned',
  statusSkipped: 'skipped',
  runBadgeAllRuns: 'All runs',
  runBadgeNone: 'No runs yet',
  runBadgeLoadFailed: 'Runs could not be loaded',
  runBadgeRunning: ((p: { count: number; summary: string }, f) =>
    p.count === 1 ? (p.summary ? `running — ${p.summary}` : 'running') : `${f.number(p.count)} running`) as Fn<{
    count: number;
    summary: string;
  }>,
  runBadgeStatus: ((p: { status: string; summary: string }) =>
    p.summary ? `${p.status} — ${p.summary}` : p.status) as Fn<{ status: string; summary: string }>,
  runBadgeName: ((p: { subject: string; state: string }) => `${p.subject}: ${p.state}`) as Fn<{
    subject: string;
    state: string;
  }>,
  runDetailsLive: ((p: { subject: string }) => `Run in progress · ${p.subject}`) as Fn<{ subject: string }>,
  runDetailsLast: ((p: { subject: string }) => `Last run · ${p.subject}`) as Fn<{ subject: string }>,
  runFieldType: 'Type',
  runFieldSubtype: 'Subtype',
  runFieldStatus: 'Status',
  runFieldStarted: 'Started',
  runFieldDuration: 'Duration',
  runFieldSummary: 'Summary',
  runFieldActor: 'By',
  runFieldTarget: 'Target',
  runFieldError: 'Error',
  runFieldRef: 'Reference',
  runDurationRunning: 'still running',
  runEventsTitle: 'Last events',
  runEventsNone: 'No events recorded.',

  // <scp-ref-autocomplete>
  acListLabel: 'Reference suggestions',
  acSectionKinds: 'Reference kinds',
  acSectionSaved: 'Saved',
  acSectionUnsaved: 'Not saved yet',
  acSectionLog: 'Activity',
  acSectionRuns: 'Runs',
  acSearching: 'Searching…',
  acNoMatches: ((p: { query: string }) => `No matches for ${p.query}`) as Fn<{ query: string }>,
  acCount: ((p: { count: number }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'suggestion', 'suggestions')}`) as Fn<{ count: number }>,
  acFailed: ((p: { detail: string }) => `Suggestions could not be loaded: ${p.detail}`) as Fn<{ detail: string }>,
  acHint: '↑ ↓ to move · Enter or Tab to insert · Esc to close',

  // <scp-audit-log>
  logTitle: 'Activity log',
  logFilters: 'Filter the activity log',
  logFilterText: 'Search',
  logFilterActor: 'Actor',
  logFilterAction: 'Action',
  logFilterStatus: 'Status',
  logFilterCard: 'Card',
  logFilterRange: 'Time range',
  logFilterFrom: 'From',
  logFilterTo: 'To',
  logAnyAction: 'Any action',
  logActionAuditSaved: 'Audit saved',
  logActionAnyRun: 'Any run',
  logActionAuditDiscarded: 'Audits discarded',
  roleReadOnly: ((p: { role: string }) => `Read-only: your role (${p.role}) cannot save or discard audits.`) as Fn<{
    role: string;
  }>,
  roleCannotSave: ((p: { role: string }) => `Your role (${p.role}) cannot save audits.`) as Fn<{ role: string }>,
  roleCannotDiscard: ((p: { role: string }) => `Your role (${p.role}) cannot discard audits.`) as Fn<{ role: string }>,
  logActionAuditDeleted: 'Audit deleted',
  logKindCreate: 'create',
  logKindChange: 'change',
  logKindDestroy: 'destroy',
  logKindRead: 'read',
  logAnyStatus: 'Any status',
  logAnyCard: 'Any card',
  logRangeAll: 'All time',
  logRange1h: 'Last hour',
  logRange24h: 'Last 24 hours',
  logRange7d: 'Last 7 days',
  logRange30d: 'Last 30 days',
  logRangeCustom: 'Custom range',
  logReset: 'Clear filters',
  logColTime: 'Time',
  logColActor: 'Actor',
  logColAction: 'Action',
  logColTarget: 'Target',
  logColSummary: 'Reason / summary',
  logColStatus: 'Status',
  logReason: ((p: { reason: string }) => `Reason: ${p.reason}`) as Fn<{ reason: string }>,
  logUnknownActor: 'unknown',
  logEmpty: 'No activity recorded yet.',
  logNoMatch: 'No activity matches these filters.',
  logLoadMore: 'Load more',
  logShowing: ((p: { count: number; more: boolean }, f) =>
    `${f.number(p.count)} ${plural(f, p.count, 'entry', 'entries')} shown${p.more ? ', more available' : ''}`) as Fn<{
    count: number;
    more: boolean;
  }>,
  logNewEntries: ((p: { count: number }, f) =>
    `${f.number(p.count)} new ${plural(f, p.count, 'entry', 'entries')}`) as Fn<{ count: number }>,
  logExportCsv: 'Export CSV',
  logExportJsonl: 'Export JSONL',
  logExporting: 'Exporting…',
  logExported: ((p: { count: number; format: string }, f) =>
    `Exported ${f.number(p.count)} ${plural(f, p.count, 'entry', 'entries')} as ${p.format}.`) as Fn<{
    count: number;
    format: string;
  }>,
  logExportFailed: ((p: { detail: string }) => `Export failed: ${p.detail}`) as Fn<{ detail: string }>,
  logLoadFailed: ((p: { detail: string }) => `The activity log could not be loaded: ${p.detail}`) as Fn<{
    detail: string;
  }>,

  // ledger progress (the audit log's status line; hosts may show it elsewhere too)
  progressIndexing: ((p: { indexed: number; total: number }, f) =>
    `Indexing ${f.number(p.indexed)} of ${f.number(p.total)} entries…`) as Fn<{ indexed: number; total: number }>,
  progressSync: ((p: { phase: string; loaded: number; total?: number; bytes?: number }, f) =>
    `Syncing: ${p.phase}${p.loaded ? ` ${f.number(p.loaded)}${p.total ? ` / ${f.number(p.total)}` : ''}` : ''}${p.bytes ? ` (${f.number(Math.round(p.bytes / 1024))} KB)` : ''}…`) as Fn<{
    phase: string;
    loaded: number;
    total?: number;
    bytes?: number;
  }>,
  progressVerify: 'Verifying the ledger…',
};

export type ScpMessages = {
  [K in keyof typeof defaultMessages]: (typeof defaultMessages)[K] extends string
    ? string
    : (typeof defaultMessages)[K];
};
export type ScpMessageKey = keyof ScpMessages;
/** A host's replacement strings: any subset, a string (with `{param}` placeholders) or a function. */
export type ScpMessageOverrides = { [K in ScpMessageKey]?: string | ScpMessages[K] };
export type MessageParams<K extends ScpMessageKey> = ScpMessages[K] extends Fn<infer P> ? P : never;

const overrides = new Map<string, ScpMessageOverrides>();
const listeners = new Set<() => void>();
let version = 0;

/** Changes whenever `setScpMessages` or `resetScpMessages` runs (lets elements cache translators). */
export function scpMessagesVersion(): number {
  return version;
}

/**
 * Replace messages for every element on the page; with `lang` (e.g. `de` or `de-CH`) only where
 * that language applies. Connected elements re-render.
 */
export function setScpMessages(messages: ScpMessageOverrides, lang = ''): void {
  const key = lang.toLowerCase();
  overrides.set(key, { ...overrides.get(key), ...messages });
  version++;
  for (const fn of [...listeners]) fn();
}

/** Forget every replacement made with `setScpMessages`. */
export function resetScpMessages(): void {
  overrides.clear();
  version++;
  for (const fn of [...listeners]) fn();
}

/** Called when messages change (elements re-render). Returns the unsubscribe function. */
export function onScpMessagesChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => {
    listeners.delete(fn);
  };
}

/** The messages for `locale`: defaults, then global, language and region replacements, then `own`. */
export function messagesFor(locale: string, own?: ScpMessageOverrides): ScpMessageOverrides & ScpMessages {
  const lower = locale.toLowerCase();
  const base = lower.split('-')[0] ?? lower;
  return Object.assign(
    {},
    defaultMessages,
    overrides.get(''),
    overrides.get(base),
    base !== lower ? overrides.get(lower) : undefined,
    own,
  );
}

export type Translate = <K extends ScpMessageKey>(
  key: K,
  ...params: [MessageParams<K>] extends [never] ? [] : [MessageParams<K>]
) => string;

/** A `t(key, params)` function over a message set and the locale's formatters. */
export function translator(messages: ScpMessageOverrides, f: Formatters): Translate {
  return ((key: ScpMessageKey, params?: Record<string, unknown>) => {
    const m = (own(messages, key) ?? defaultMessages[key]) as string | Fn<unknown>;
    if (typeof m === 'function') return m(params, f);
    if (!params) return m;
    return m.replace(/\{(\w+)\}/g, (all, name: string) => {
      const v = own(params, name);
      return v === undefined ? all : typeof v === 'number' ? f.number(v) : String(v);
    });
  }) as Translate;
}
