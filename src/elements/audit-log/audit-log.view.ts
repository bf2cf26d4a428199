import { html, nothing } from 'lit';
import type { ScpClient } from '../../core/client.js';
import { actionKindOf, actionOf, targetOf, toCsv, toJsonl, type ActionKind } from '../../core/export/entries.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import type { EntryMeta, LedgerProgress } from '../../core/schemas/ledger.js';
import { RUN_TYPES } from '../../core/schemas/run-types.js';
import { ScpLogExportEvent, type ScpLogExportFormat } from '../events/log-export-event.js';
import type { Formatters } from '../internal/format.js';
import type { Translate } from '../internal/messages.js';
import { statusTone, statusWord } from '../internal/status.js';
import { displayText } from '../internal/text.js';
import type { ScpAuditLog } from './audit-log.js';
import type { LogFilters, LogRange } from './log-query.js';
import { reportError, userErrorText } from '../internal/errors.js';

/*
 * The view of <scp-audit-log>: its templates, the filter/export/paging handlers, the export and
 * the in-place live updates. It is loaded on the element's first connection (or first export), so
 * none of it is in the up-front script. State stays on the element; these functions read and set it.
 */

/** The element as its view sees it: with the base class's translator, formatters and status words. */
type Host = ScpAuditLog & { readonly t: Translate; readonly fmt: Formatters };

const STATUSES = ['ok', 'failed', 'partial', 'cancelled', 'abandoned', 'error'] as const;
/** Page size of an export (the ledger's largest). */
const EXPORT_PAGE = 500;
/** How long a live update waits for a finished run's group commit (doubling waits from 100 ms). */
const LANDING_WAIT_MS = 6400;
/** Text for display: never an object, bidi controls made visible. */
const show = (v: unknown): string => displayText(typeof v === 'string' ? v : '');

/** @internal Every entry of the filtered view (all pages) as CSV (RFC 4180) or JSON Lines. */
export async function exportText(host: ScpAuditLog, format: ScpLogExportFormat): Promise<string> {
  return textOf(host, format, await exportEntries(host));
}

/** @internal Save the filtered view as a file (after a cancelable `scp-log-export` event); the entry count. */
export async function download(el: ScpAuditLog, format: ScpLogExportFormat): Promise<number> {
  const host = el as Host;
  const t = host.t;
  host.exportNote = t('logExporting');
  host.exportFailed = false;
  try {
    const entries = await exportEntries(host);
    const body = textOf(host, format, entries);
    const stamp = new Date()
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d+Z$/, 'Z');
    const filename = `scp-audit-log-${stamp}.${format}`;
    const ev = new ScpLogExportEvent({ format, text: body, count: entries.length, filename });
    host.dispatchEvent(ev);
    if (!ev.defaultPrevented) {
      const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8';
      const url = URL.createObjectURL(new Blob([body], { type }));
      const a = document.createElement('a');
      a.href = url;
      a.download = filename;
      a.hidden = true;
      host.renderRoot.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    }
    host.exportNote = t('logExported', { count: entries.length, format: format.toUpperCase() });
    return entries.length;
  } catch (error) {
    host.exportNote = t('logExportFailed', { detail: userErrorText(error, t) });
    host.exportFailed = true;
    reportError(host, { action: 'load', ids: [], error, message: host.exportNote });
    throw error;
  }
}

function textOf(host: ScpAuditLog, format: ScpLogExportFormat, entries: EntryMeta[]): string {
  return format === 'csv'
    ? toCsv(entries, (k) => host.cardLabel(k), { separator: host.csvSeparator === ';' ? ';' : ',' })
    : toJsonl(entries);
}

async function exportEntries(host: ScpAuditLog): Promise<EntryMeta[]> {
  const client = host.data.client;
  if (!client) throw new Error((host as Host).t('notConnected'));
  const q = host.viewQuery;
  const out: EntryMeta[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.ledger.list({ ...q, limit: EXPORT_PAGE, ...(cursor && { cursor }) });
    out.push(...page.entries);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/**
 * @internal A bus event applied in place: a deleted audit leaves the rows; a finished run or a save brings
 * the newest page, merged on top. Returns `false` when handled (no reload), `true` to reload.
 */
export function applyEvent<K extends BusEventName>(host: ScpAuditLog, name: K, payload: BusEventMap[K]): boolean {
  const client = host.data.client;
  if (!client || !host.data.loaded) return true;
  let landed: (() => Promise<boolean>) | undefined;
  if (name === 'audit:deleted') {
    // The audit leaves the rows; the delete's own entry (who, why) comes in with the fresh page.
    const id = (payload as BusEventMap['audit:deleted']).snapshot_id;
    host.entries = host.entries.filter((e) => !(e.kind === 'audit' && e.id === id));
  }
  const actionId =
    name === 'audit:discarded' || name === 'audit:deleted'
      ? (payload as BusEventMap['audit:discarded']).action_id
      : undefined;
  if (actionId && client.ledger.getAction) {
    const getAction = client.ledger.getAction.bind(client.ledger);
    landed = async () => (await getAction(actionId)) !== undefined;
  }
  if (name === 'run:completed') {
    const id = (payload as BusEventMap['run:completed']).run_id;
    landed = async () => (await client.ledger.getRun(id)) !== undefined;
  } else if (name === 'audit:saved') {
    const id = (payload as BusEventMap['audit:saved']).snapshot_id;
    landed = async () => (await client.ledger.getAudit(id)) !== undefined;
  }
  // Fetch the newest page and add what is new; a finished run reaches the ledger with the
  // runs' group commit, a moment after its event, so wait (briefly) until it has landed.
  const p = host.pending
    .then(async () => {
      if (landed) {
        for (let wait = 100; !(await landed()) && wait <= LANDING_WAIT_MS; wait *= 2)
          await new Promise((r) => setTimeout(r, wait));
      }
      await mergeFresh(host as Host, client);
    })
    .catch((e: unknown) => host.fail(e));
  host.pending = p;
  return false;
}

const newestFirst = (a: EntryMeta, b: EntryMeta) => {
  const ta = Date.parse(a.time) || 0;
  const tb = Date.parse(b.time) || 0;
  return ta !== tb ? tb - ta : a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
};

/** New entries at the top without losing the pages already loaded. */
async function mergeFresh(host: Host, client: ScpClient): Promise<void> {
  const q = host.viewQuery;
  const page = await client.ledger.list({ ...q, limit: host.pageSize });
  if (q !== host.viewQuery || client !== host.data.client) return;
  const seen = new Set(host.entries.map((e) => e.id));
  const fresh = page.entries.filter((e) => !seen.has(e.id));
  if (!fresh.length) return;
  host.entries = [...fresh, ...host.entries].sort(newestFirst);
  host.announce = host.t('logNewEntries', { count: fresh.length });
}

// Event handlers: Lit calls a template's listeners with `this` set to the element.

function onFilterInput(this: ScpAuditLog, ev: Event): void {
  const el = ev.target as HTMLInputElement | HTMLSelectElement;
  const name = el.name as keyof LogFilters;
  if (name === 'text' || name === 'actor') {
    // Typing is debounced: one query per pause, not per key.
    if (this.textTimer !== undefined) clearTimeout(this.textTimer);
    const value = el.value;
    this.textTimer = setTimeout(() => {
      this.textTimer = undefined;
      this[name] = value;
    }, 250);
    return;
  }
  if (name === 'range') this.range = el.value as LogRange;
  else if (Object.hasOwn(this.filters, name)) (this as unknown as Record<string, string>)[name] = el.value;
}

function onFilterSubmit(this: ScpAuditLog, ev: Event): void {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  if (this.textTimer !== undefined) {
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
  }
  this.text = (form.elements.namedItem('text') as HTMLInputElement).value;
  this.actor = (form.elements.namedItem('actor') as HTMLInputElement).value;
}

function onReset(this: ScpAuditLog): void {
  if (this.textTimer !== undefined) {
    clearTimeout(this.textTimer);
    this.textTimer = undefined;
  }
  this.actor = this.action = this.status = this.card = this.text = this.from = this.to = '';
  this.range = '';
  // Controls are not bound to the properties while typing: clear them here.
  for (const el of this.renderRoot.querySelectorAll<HTMLInputElement>('input[name="text"], input[name="actor"]'))
    el.value = '';
}

function onExportCsv(this: ScpAuditLog): void {
  download(this, 'csv').catch(() => {
    /* shown in the toolbar */
  });
}
function onExportJsonl(this: ScpAuditLog): void {
  download(this, 'jsonl').catch(() => {
    /* shown in the toolbar */
  });
}
function onLoadMore(this: ScpAuditLog): void {
  void this.loadMore();
}
function onRetry(this: ScpAuditLog): void {
  void this.data.refresh();
}

function renderFilters(host: Host) {
  const t = host.t;
  const seenActors = [...host.seen.actors].sort();
  const seenSubtypes = [...host.seen.subtypes].sort();
  // The host's declared cards first (in its order), then any other card the entries named.
  const cards = [
    ...new Set([
      ...(host.data.client?.cards.list.map((c) => c.key) ?? []),
      ...host.seen.cards,
      ...(host.card ? [host.card] : []),
    ]),
  ];
  const actions = new Set<string>([...RUN_TYPES, ...seenSubtypes]);
  const opt = (value: string, label: string, current: string) =>
    html`<option value=${value} ?selected=${value === current}>${label}</option>`;
  return html`<form part="filters" role="search" aria-label=${t('logFilters')} @input=${onFilterInput} @change=${onFilterInput} @submit=${onFilterSubmit}>
    <label><span>${t('logFilterText')}</span><input name="text" type="search" .value=${host.text} autocomplete="off"></label>
    <label><span>${t('logFilterActor')}</span><input name="actor" type="text" list="actors" .value=${host.actor} autocomplete="off"></label>
    <datalist id="actors">${seenActors.map((a) => html`<option value=${a}></option>`)}</datalist>
    <label><span>${t('logFilterAction')}</span><select name="action">
      ${opt('', t('logAnyAction'), host.action)}
      ${opt('audit:saved', t('logActionAuditSaved'), host.action)}
      ${opt('audit:discarded', t('logActionAuditDiscarded'), host.action)}
      ${opt('audit:deleted', t('logActionAuditDeleted'), host.action)}
      ${opt('run', t('logActionAnyRun'), host.action)}
      ${[...actions].map((a) => opt(a, show(a), host.action))}
      ${host.action && !['audit:saved', 'audit:discarded', 'audit:deleted', 'run'].includes(host.action) && !actions.has(host.action) ? opt(host.action, show(host.action), host.action) : nothing}
    </select></label>
    <label><span>${t('logFilterStatus')}</span><select name="status">
      ${opt('', t('logAnyStatus'), host.status)}
      ${STATUSES.map((s) => opt(s, statusWord(host.t, s), host.status))}
      ${host.status && !(STATUSES as readonly string[]).includes(host.status) ? opt(host.status, show(host.status), host.status) : nothing}
    </select></label>
    <label><span>${t('logFilterCard')}</span><select name="card">
      ${opt('', t('logAnyCard'), host.card)}
      ${cards.map((c) => opt(c, show(host.cardLabel(c)), host.card))}
    </select></label>
    <label><span>${t('logFilterRange')}</span><select name="range">
      ${opt('', t('logRangeAll'), host.range)}
      ${opt('1h', t('logRange1h'), host.range)}
      ${opt('24h', t('logRange24h'), host.range)}
      ${opt('7d', t('logRange7d'), host.range)}
      ${opt('30d', t('logRange30d'), host.range)}
      ${opt('custom', t('logRangeCustom'), host.range)}
    </select></label>
    ${
      host.range === 'custom'
        ? html`
      <label><span>${t('logFilterFrom')}</span><input name="from" type="datetime-local" .value=${host.from}></label>
      <label><span>${t('logFilterTo')}</span><input name="to" type="datetime-local" .value=${host.to}></label>`
        : nothing
    }
    <button type="button" class="reset" @click=${onReset}>${t('logReset')}</button>
  </form>`;
}

const KIND_WORDS = {
  create: 'logKindCreate',
  change: 'logKindChange',
  destroy: 'logKindDestroy',
  read: 'logKindRead',
} as const satisfies Record<ActionKind, string>;

function renderRow(host: Host, e: EntryMeta) {
  const t = host.t;
  const status = show(e.status);
  const reason = show(e.reason);
  const name = actionOf(e);
  const action =
    e.kind === 'audit'
      ? t('logActionAuditSaved')
      : name === 'audit:discarded'
        ? t('logActionAuditDiscarded')
        : name === 'audit:deleted'
          ? t('logActionAuditDeleted')
          : show(name);
  const kind = actionKindOf(e);
  return html`<tr part="row" data-kind=${e.kind} data-action-kind=${kind} data-id=${show(e.id)}>
    <td class="time"><time datetime=${show(e.time)} title=${show(e.time)}>${host.fmt.dateTime(show(e.time))}</time></td>
    <td><bdi>${show(e.actor) || t('logUnknownActor')}</bdi></td>
    <td><span part="action-kind" class="action-kind" data-action-kind=${kind}>${t(KIND_WORDS[kind])}</span> <bdi>${action}</bdi></td>
    <td><bdi>${show(targetOf(e, (k) => host.cardLabel(k)))}</bdi></td>
    <td class="summary"><bdi>${show(e.summary)}</bdi>${reason ? html`<div class="reason"><bdi>${t('logReason', { reason })}</bdi></div>` : nothing}</td>
    <td><span part="status" class="status" data-status=${statusTone(status)}>${statusWord(host.t, status)}</span></td>
  </tr>`;
}

/** @internal The element's whole shadow content. */
/** A sync, index catch-up or verify under way, in words. */
function progressText(p: LedgerProgress, t: Translate): string {
  if (p.op === 'index') return t('progressIndexing', { indexed: p.loaded, total: p.total ?? p.loaded });
  if (p.op === 'verify') return t('progressVerify');
  return t('progressSync', {
    phase: p.phase,
    loaded: p.loaded,
    ...(p.total !== undefined && { total: p.total }),
    ...(p.bytes !== undefined && { bytes: p.bytes }),
  });
}

export function render(el: ScpAuditLog) {
  const host = el as Host;
  const t = host.t;
  const data = host.data;
  const err = data.error;
  const filtered = Object.values(host.filters).some(Boolean);
  const count = host.entries.length;
  return html`<div part="base">
    ${renderFilters(host)}
    <div part="toolbar">
      <span class="count" role="status" dir="auto">${data.loaded ? t('logShowing', { count, more: host.more }) : data.loading ? t('loading') : ''}</span>
      <span class="export-note" role="status" dir="auto" data-failed=${host.exportFailed ? 'true' : 'false'}>${host.exportNote}</span>
      <button type="button" class="export-csv" @click=${onExportCsv} ?disabled=${!data.client}>${t('logExportCsv')}</button>
      <button type="button" class="export-jsonl" @click=${onExportJsonl} ?disabled=${!data.client}>${t('logExportJsonl')}</button>
    </div>
    ${!data.client ? html`<p part="empty">${t('notConnected')}</p>` : nothing}
    <p part="progress" role="status" dir="auto" ?hidden=${!host.progress}>${host.progress ? progressText(host.progress, t) : ''}</p>
    ${
      err
        ? html`<div part="error" role="alert">
        <span>${t('logLoadFailed', { detail: userErrorText(err, t) })}</span>
        <button type="button" @click=${onRetry}>${t('retry')}</button>
      </div>`
        : nothing
    }
    <div part="table-wrap" role="region" aria-labelledby="log-caption" tabindex="0">
      <table part="table">
        <caption id="log-caption">${t('logTitle')}</caption>
        <thead><tr>
          <th scope="col">${t('logColTime')}</th><th scope="col">${t('logColActor')}</th><th scope="col">${t('logColAction')}</th>
          <th scope="col">${t('logColTarget')}</th><th scope="col">${t('logColSummary')}</th><th scope="col">${t('logColStatus')}</th>
        </tr></thead>
        <tbody>${host.entries.map((e) => renderRow(host, e))}</tbody>
      </table>
    </div>
    ${data.loaded && count === 0 ? html`<p part="empty">${filtered ? t('logNoMatch') : t('logEmpty')}</p>` : nothing}
    ${host.more ? html`<button part="load-more" type="button" @click=${onLoadMore}>${t('logLoadMore')}</button>` : nothing}
    <div class="visually-hidden" role="status">${host.announce}</div>
  </div>`;
}
