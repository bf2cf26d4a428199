import { html, nothing } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import { ORIGIN_CARD_LABELS } from '../../core/cards.js';
import { actionOf, targetOf, toCsv, toJsonl } from '../../core/export/entries.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import type { EntryMeta, LedgerQuery } from '../../core/schemas/ledger.js';
import { RUN_TYPES } from '../../core/schemas/run-types.js';
import { ScpActionErrorEvent } from '../events/action-error-event.js';
import { ScpLogExportEvent, type ScpLogExportFormat } from '../events/log-export-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { displayText } from '../internal/text.js';
import { buttonStyles, hostStyles, statusStyles } from '../styles/host.styles.js';
import { auditLogStyles } from './audit-log.styles.js';
import { queryOf, type LogFilters, type LogRange } from './log-query.js';

const STATUSES = ['ok', 'failed', 'partial', 'cancelled', 'abandoned', 'error'] as const;
/** Page size of an export (the ledger's largest). */
const EXPORT_PAGE = 500;
/** How long a live update waits for a finished run's group commit (doubling waits from 100 ms). */
const LANDING_WAIT_MS = 6400;
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Text for display: never an object, bidi controls made visible. */
const show = (v: unknown): string => displayText(text(v));
const newestFirst = (a: EntryMeta, b: EntryMeta) => {
  const ta = Date.parse(a.time) || 0;
  const tb = Date.parse(b.time) || 0;
  return ta !== tb ? tb - ta : a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
};

/**
 * "Who did what": every run and audit save in the ledger as a table — time, actor, action,
 * target, reason or summary, status — newest first. Filters by actor, action, status, card, free
 * text and time range (presets or from/to) go to the ledger as a query; "Load more" follows the
 * ledger's cursor; entries written later (here, in another tab, by a sync) appear when they match.
 * `exportText('csv' | 'jsonl')` returns every entry of the filtered view (all pages) and
 * `download(format)` saves it as a file.
 *
 * @summary Activity table over runs and audit saves, with filters, paging, live updates and export.
 * @tag scp-audit-log
 * @csspart base - The wrapper.
 * @csspart filters - The filter form.
 * @csspart toolbar - The export buttons and the count.
 * @csspart table-wrap - The scrolling region around the table.
 * @csspart table - The table.
 * @csspart row - One entry's row.
 * @csspart status - An entry's status pill.
 * @csspart load-more - The "Load more" button.
 * @csspart error - The error banner.
 * @csspart empty - The text shown when nothing matches.
 * @cssproperty --scp-log-max-height - Tallest the table grows before it scrolls (default none).
 * @cssproperty --scp-color-ok - Colour of an ok status.
 * @cssproperty --scp-color-danger - Colour of a failed status.
 * @cssproperty --scp-color-warning - Colour of a partial or cancelled status.
 * @event {ScpLogExportEvent} scp-log-export - Before `download` saves a file; `detail.format`, `detail.text`, `detail.count`, `detail.filename`. Cancelable: cancel to handle the text yourself.
 * @event {ScpActionErrorEvent} scp-error - Loading or exporting failed.
 */
export class ScpAuditLog extends ScpElement {
  static override styles = [hostStyles, buttonStyles, statusStyles, auditLogStyles];

  private readonly data = new ScpClientController(this, {
    events: ['ledger:written', 'ledger:synced', 'audit:saved', 'audit:deleted', 'run:completed'],
    onClient: () => {
      this.entries = [];
      this.cursor = undefined;
      this.seen = { actors: new Set(), subtypes: new Set(), cards: new Set() };
    },
    load: (client, signal) => this.load(client, signal),
    onEvent: (name, payload) => this.apply(name, payload),
  });

  /** Only entries by this actor (exact). */
  @property({ reflect: true }) accessor actor = '';
  /** `audit:saved`, `run`, a run type (`deploy`) or subtype (`deploy:k8s`); empty for all. */
  @property({ reflect: true }) accessor action = '';
  /** Only entries with this status (`ok`, `failed` …). */
  @property({ reflect: true }) accessor status = '';
  /** Only entries of this card key. */
  @property({ reflect: true }) accessor card = '';
  /** Free text searched in id, card, summary, subtype, actor and target. */
  @property({ reflect: true }) accessor text = '';
  /** `1h`, `24h`, `7d`, `30d`, `custom` (uses `from`/`to`), or empty for all time. */
  @property({ reflect: true }) accessor range: LogRange = '';
  /** Start of a custom range (`datetime-local` value, page time zone). */
  @property({ reflect: true }) accessor from = '';
  /** End of a custom range (exclusive). */
  @property({ reflect: true }) accessor to = '';
  /** Entries per page. */
  @property({ type: Number, attribute: 'page-size' }) accessor pageSize = 50;

  /** The entries shown, newest first. */
  @state() accessor entries: EntryMeta[] = [];
  @state() private accessor cursor: string | undefined = undefined;
  @state() private accessor more = false;
  @state() private accessor exportNote = '';
  @state() private accessor exportFailed = false;
  @state() private accessor announce = '';

  /** The query behind the rows shown (what "Load more", live updates and export use). */
  private viewQuery: LedgerQuery = {};
  private textTimer: ReturnType<typeof setTimeout> | undefined;
  /** Actors, subtypes and cards met so far: the filter choices (kept while the view narrows). */
  private seen = { actors: new Set<string>(), subtypes: new Set<string>(), cards: new Set<string>() };
  private pending: Promise<unknown> = Promise.resolve();

  /** The current filters. */
  get filters(): LogFilters {
    return { actor: this.actor, action: this.action, status: this.status, card: this.card, text: this.text, range: this.range, from: this.from, to: this.to };
  }

  /** Resolves once the rows reflect the ledger. */
  async settled(): Promise<void> {
    await this.data.settled();
    await this.pending;
    await this.data.settled();
    await this.updateComplete;
  }

  /** Every entry of the filtered view (all pages) as CSV (RFC 4180) or JSON Lines. */
  async exportText(format: ScpLogExportFormat): Promise<string> {
    const entries = await this.exportEntries();
    return this.render_(format, entries);
  }

  /** Save the filtered view as a file (after a cancelable `scp-log-export` event). Resolves to the entry count. */
  async download(format: ScpLogExportFormat): Promise<number> {
    const t = this.t;
    this.exportNote = t('logExporting');
    this.exportFailed = false;
    try {
      const entries = await this.exportEntries();
      const body = this.render_(format, entries);
      const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
      const filename = `scp-audit-log-${stamp}.${format}`;
      const ev = new ScpLogExportEvent({ format, text: body, count: entries.length, filename });
      this.dispatchEvent(ev);
      if (!ev.defaultPrevented) {
        const type = format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8';
        const url = URL.createObjectURL(new Blob([body], { type }));
        const a = document.createElement('a');
        a.href = url;
        a.download = filename;
        a.hidden = true;
        this.renderRoot.appendChild(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(url), 10_000);
      }
      this.exportNote = t('logExported', { count: entries.length, format: format.toUpperCase() });
      return entries.length;
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      this.exportNote = t('logExportFailed', { detail });
      this.exportFailed = true;
      this.dispatchEvent(new ScpActionErrorEvent({ action: 'load', ids: [], error, message: this.exportNote }));
      throw error;
    }
  }

  /** Load the next page. */
  async loadMore(): Promise<void> {
    const client = this.data.client;
    if (!client || !this.cursor) return;
    const q = this.viewQuery;
    const p = client.ledger.list({ ...q, limit: this.pageSize, cursor: this.cursor }).then((page) => {
      if (q !== this.viewQuery) return;
      const seen = new Set(this.entries.map((e) => e.id));
      this.entries = [...this.entries, ...page.entries.filter((e) => !seen.has(e.id))];
      this.cursor = page.cursor;
      this.more = page.cursor !== undefined;
    }, (error: unknown) => this.fail(error));
    this.pending = p;
    await p;
  }

  private render_(format: ScpLogExportFormat, entries: EntryMeta[]): string {
    return format === 'csv' ? toCsv(entries, (k) => this.cardLabel(k)) : toJsonl(entries);
  }

  private async exportEntries(): Promise<EntryMeta[]> {
    const client = this.data.client;
    if (!client) throw new Error(this.t('notConnected'));
    const q = this.viewQuery;
    const out: EntryMeta[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.ledger.list({ ...q, limit: EXPORT_PAGE, ...(cursor && { cursor }) });
      out.push(...page.entries);
      cursor = page.cursor;
    } while (cursor);
    return out;
  }

  private cardLabel(key: string): string {
    return this.data.client?.cardLabel(key) ?? key;
  }

  private fail(error: unknown): void {
    const detail = error instanceof Error ? error.message : String(error);
    this.dispatchEvent(new ScpActionErrorEvent({ action: 'load', ids: [], error, message: this.t('logLoadFailed', { detail }) }));
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    const filterProps = ['actor', 'action', 'status', 'card', 'text', 'range', 'from', 'to', 'pageSize'];
    if (this.hasUpdated && filterProps.some((p) => changed.has(p))) void this.data.refresh();
    if (changed.has('entries')) {
      for (const e of this.entries) {
        if (text(e.actor)) this.seen.actors.add(text(e.actor));
        if (text(e.subtype)) this.seen.subtypes.add(text(e.subtype));
        if (text(e.card_key)) this.seen.cards.add(text(e.card_key));
      }
    }
  }

  private async load(client: ScpClient, signal: AbortSignal): Promise<void> {
    const q = queryOf(this.filters);
    try {
      const page = await client.ledger.list({ ...q, limit: this.pageSize });
      if (signal.aborted) return;
      this.viewQuery = q;
      this.entries = page.entries;
      this.cursor = page.cursor;
      this.more = page.cursor !== undefined;
      this.announce = '';
    } catch (error) {
      if (!signal.aborted) this.fail(error);
      throw error;
    }
  }

  /** New entries at the top without losing the pages already loaded. */
  private async mergeFresh(client: ScpClient): Promise<void> {
    const q = this.viewQuery;
    const page = await client.ledger.list({ ...q, limit: this.pageSize });
    if (q !== this.viewQuery || client !== this.data.client) return;
    const seen = new Set(this.entries.map((e) => e.id));
    const fresh = page.entries.filter((e) => !seen.has(e.id));
    if (!fresh.length) return;
    this.entries = [...fresh, ...this.entries].sort(newestFirst);
    this.announce = this.t('logNewEntries', { count: fresh.length });
  }

  private apply<K extends BusEventName>(name: K, payload: BusEventMap[K]): boolean {
    const client = this.data.client;
    if (!client || !this.data.loaded) return true;
    if (name === 'audit:deleted') {
      const id = (payload as BusEventMap['audit:deleted']).snapshot_id;
      this.entries = this.entries.filter((e) => !(e.kind === 'audit' && e.id === id));
      return false;
    }
    let landed: (() => Promise<boolean>) | undefined;
    if (name === 'run:completed') {
      const id = (payload as BusEventMap['run:completed']).run_id;
      landed = async () => (await client.ledger.getRun(id)) !== undefined;
    } else if (name === 'audit:saved') {
      const id = (payload as BusEventMap['audit:saved']).snapshot_id;
      landed = async () => (await client.ledger.getAudit(id)) !== undefined;
    }
    // Fetch the newest page and add what is new; a finished run reaches the ledger with the
    // runs' group commit, a moment after its event, so wait (briefly) until it has landed.
    const p = this.pending.then(async () => {
      if (landed) {
        for (let wait = 100; !(await landed()) && wait <= LANDING_WAIT_MS; wait *= 2) await new Promise((r) => setTimeout(r, wait));
      }
      await this.mergeFresh(client);
    }).catch((e: unknown) => this.fail(e));
    this.pending = p;
    return false;
  }

  private readonly onFilterInput = (ev: Event) => {
    const el = ev.target as HTMLInputElement | HTMLSelectElement;
    const name = el.name as keyof LogFilters;
    if (name === 'text' || name === 'actor') {
      // Typing is debounced: one query per pause, not per key.
      if (this.textTimer !== undefined) clearTimeout(this.textTimer);
      const value = el.value;
      this.textTimer = setTimeout(() => { this.textTimer = undefined; this[name] = value; }, 250);
      return;
    }
    if (name === 'range') this.range = el.value as LogRange;
    else if (name in this.filters) (this as unknown as Record<string, string>)[name] = el.value;
  };

  private readonly onFilterSubmit = (ev: Event) => {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    if (this.textTimer !== undefined) { clearTimeout(this.textTimer); this.textTimer = undefined; }
    this.text = (form.elements.namedItem('text') as HTMLInputElement).value;
    this.actor = (form.elements.namedItem('actor') as HTMLInputElement).value;
  };

  private readonly onReset = () => {
    if (this.textTimer !== undefined) { clearTimeout(this.textTimer); this.textTimer = undefined; }
    this.actor = this.action = this.status = this.card = this.text = this.from = this.to = '';
    this.range = '';
    // Controls are not bound to the properties while typing: clear them here.
    for (const el of this.renderRoot.querySelectorAll<HTMLInputElement>('input[name="text"], input[name="actor"]')) el.value = '';
  };

  private readonly onExportCsv = () => { this.download('csv').catch(() => { /* shown in the toolbar */ }); };
  private readonly onExportJsonl = () => { this.download('jsonl').catch(() => { /* shown in the toolbar */ }); };
  private readonly onLoadMore = () => { void this.loadMore(); };
  private readonly onRetry = () => { void this.data.refresh(); };


  private actionLabel(e: EntryMeta): string {
    return e.kind === 'audit' ? this.t('logActionAuditSaved') : show(actionOf(e));
  }

  private renderFilters() {
    const t = this.t;
    const seenActors = [...this.seen.actors].sort();
    const seenSubtypes = [...this.seen.subtypes].sort();
    const cards = [...new Set([...Object.keys(ORIGIN_CARD_LABELS), ...this.seen.cards, ...(this.card ? [this.card] : [])])];
    const actions = new Set<string>([...RUN_TYPES, ...seenSubtypes]);
    const opt = (value: string, label: string, current: string) => html`<option value=${value} ?selected=${value === current}>${label}</option>`;
    return html`<form part="filters" role="search" aria-label=${t('logFilters')} @input=${this.onFilterInput} @change=${this.onFilterInput} @submit=${this.onFilterSubmit}>
      <label><span>${t('logFilterText')}</span><input name="text" type="search" .value=${this.text} autocomplete="off"></label>
      <label><span>${t('logFilterActor')}</span><input name="actor" type="text" list="actors" .value=${this.actor} autocomplete="off"></label>
      <datalist id="actors">${seenActors.map((a) => html`<option value=${a}></option>`)}</datalist>
      <label><span>${t('logFilterAction')}</span><select name="action">
        ${opt('', t('logAnyAction'), this.action)}
        ${opt('audit:saved', t('logActionAuditSaved'), this.action)}
        ${opt('run', t('logActionAnyRun'), this.action)}
        ${[...actions].map((a) => opt(a, show(a), this.action))}
        ${this.action && !['audit:saved', 'run'].includes(this.action) && !actions.has(this.action) ? opt(this.action, show(this.action), this.action) : nothing}
      </select></label>
      <label><span>${t('logFilterStatus')}</span><select name="status">
        ${opt('', t('logAnyStatus'), this.status)}
        ${STATUSES.map((s) => opt(s, this.statusWord(s), this.status))}
        ${this.status && !(STATUSES as readonly string[]).includes(this.status) ? opt(this.status, show(this.status), this.status) : nothing}
      </select></label>
      <label><span>${t('logFilterCard')}</span><select name="card">
        ${opt('', t('logAnyCard'), this.card)}
        ${cards.map((c) => opt(c, show(this.cardLabel(c)), this.card))}
      </select></label>
      <label><span>${t('logFilterRange')}</span><select name="range">
        ${opt('', t('logRangeAll'), this.range)}
        ${opt('1h', t('logRange1h'), this.range)}
        ${opt('24h', t('logRange24h'), this.range)}
        ${opt('7d', t('logRange7d'), this.range)}
        ${opt('30d', t('logRange30d'), this.range)}
        ${opt('custom', t('logRangeCustom'), this.range)}
      </select></label>
      ${this.range === 'custom' ? html`
        <label><span>${t('logFilterFrom')}</span><input name="from" type="datetime-local" .value=${this.from}></label>
        <label><span>${t('logFilterTo')}</span><input name="to" type="datetime-local" .value=${this.to}></label>` : nothing}
      <button type="button" class="reset" @click=${this.onReset}>${t('logReset')}</button>
    </form>`;
  }

  private renderRow(e: EntryMeta) {
    const fmt = this.fmt;
    const status = show(e.status);
    const reason = show(e.reason);
    return html`<tr part="row" data-kind=${e.kind} data-id=${show(e.id)}>
      <td class="time"><time datetime=${show(e.time)} title=${show(e.time)}>${fmt.dateTime(show(e.time))}</time></td>
      <td><bdi>${show(e.actor) || this.t('logUnknownActor')}</bdi></td>
      <td><bdi>${this.actionLabel(e)}</bdi></td>
      <td><bdi>${show(targetOf(e, (k) => this.cardLabel(k)))}</bdi></td>
      <td class="summary"><bdi>${show(e.summary)}</bdi>${reason ? html`<div class="reason"><bdi>${this.t('logReason', { reason })}</bdi></div>` : nothing}</td>
      <td><span part="status" class="status" data-status=${['ok', 'failed', 'error', 'partial', 'running'].includes(status) ? status : status === 'cancelled' ? 'partial' : status === 'abandoned' ? 'failed' : 'unknown'}>${this.statusWord(status)}</span></td>
    </tr>`;
  }

  protected override render() {
    const t = this.t;
    const err = this.data.error;
    const filtered = Object.values(this.filters).some(Boolean);
    const count = this.entries.length;
    return html`<div part="base">
      ${this.renderFilters()}
      <div part="toolbar">
        <span class="count" role="status" dir="auto">${this.data.loaded ? t('logShowing', { count, more: this.more }) : this.data.loading ? t('loading') : ''}</span>
        <span class="export-note" role="status" dir="auto" data-failed=${this.exportFailed ? 'true' : 'false'}>${this.exportNote}</span>
        <button type="button" class="export-csv" @click=${this.onExportCsv} ?disabled=${!this.data.client}>${t('logExportCsv')}</button>
        <button type="button" class="export-jsonl" @click=${this.onExportJsonl} ?disabled=${!this.data.client}>${t('logExportJsonl')}</button>
      </div>
      ${!this.data.client ? html`<p part="empty">${t('notConnected')}</p>` : nothing}
      ${err ? html`<div part="error" role="alert">
          <span>${t('logLoadFailed', { detail: err instanceof Error ? err.message : String(err) })}</span>
          <button type="button" @click=${this.onRetry}>${t('retry')}</button>
        </div>` : nothing}
      <div part="table-wrap" role="region" aria-labelledby="log-caption" tabindex="0">
        <table part="table">
          <caption id="log-caption">${t('logTitle')}</caption>
          <thead><tr>
            <th scope="col">${t('logColTime')}</th><th scope="col">${t('logColActor')}</th><th scope="col">${t('logColAction')}</th>
            <th scope="col">${t('logColTarget')}</th><th scope="col">${t('logColSummary')}</th><th scope="col">${t('logColStatus')}</th>
          </tr></thead>
          <tbody>${this.entries.map((e) => this.renderRow(e))}</tbody>
        </table>
      </div>
      ${this.data.loaded && count === 0 ? html`<p part="empty">${filtered ? t('logNoMatch') : t('logEmpty')}</p>` : nothing}
      ${this.more ? html`<button part="load-more" type="button" @click=${this.onLoadMore}>${t('logLoadMore')}</button>` : nothing}
      <div class="visually-hidden" role="status">${this.announce}</div>
    </div>`;
  }
}
