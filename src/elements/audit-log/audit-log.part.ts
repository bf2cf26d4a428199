import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import { actionKindOf, actionOf, targetOf, type ActionKind } from '../../core/export/entries.js';
import type { EntryMeta, LedgerProgress } from '../../core/schemas/ledger.js';
import { RUN_TYPES } from '../../core/schemas/run-types.js';
import { userErrorText } from '../internal/errors.js';
import type { Translate } from '../internal/messages.js';
import { ScpPart } from '../internal/scp-part.js';
import { statusTone, statusWord } from '../internal/status.js';
import { stringText } from '../internal/text.js';
import { buttonStyles, statusStyles } from '../styles/host.styles.js';
import type { LogChange } from './audit-log.js';
import { auditLogStyles } from './audit-log.styles.js';
import type { LogFilters } from './log-query.js';

const STATUSES = ['ok', 'failed', 'partial', 'cancelled', 'abandoned', 'error'] as const;
const AUDIT_ACTIONS = ['audit:saved', 'audit:discarded', 'audit:deleted', 'run'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');

const KIND_WORDS = {
  create: 'logKindCreate',
  change: 'logKindChange',
  destroy: 'logKindDestroy',
  read: 'logKindRead',
} as const satisfies Record<ActionKind, string>;

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

/**
 * The audit log's filters, toolbar and table, loaded on the log's first connection. The log hands
 * it the rows, the filters and what its loads and export report; what the user asks for (other
 * filters, the next page, a retry, an export) goes back through `onChange`. The actors, actions
 * and cards offered as filters are the ones met so far (kept while the view narrows).
 */
export class ScpAuditLogBody extends ScpPart {
  static override styles = [buttonStyles, statusStyles, auditLogStyles];

  @property({ attribute: false }) accessor entries: readonly EntryMeta[] = [];
  @property({ attribute: false }) accessor filters: LogFilters | undefined = undefined;
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /** The rows reflect a finished load. */
  @property({ attribute: false }) accessor loaded = false;
  @property({ attribute: false }) accessor loading = false;
  /** The last load's failure. */
  @property({ attribute: false }) accessor error: unknown = undefined;
  /** The ledger has more pages. */
  @property({ attribute: false }) accessor more = false;
  /** A sync, index catch-up or verify under way, shown above the rows. */
  @property({ attribute: false }) accessor progress: LedgerProgress | undefined = undefined;
  /** The export's progress or result, in the toolbar. */
  @property({ attribute: false }) accessor exportNote: { text: string; failed?: boolean } | undefined = undefined;
  /** Spoken when live updates add rows. */
  @property({ attribute: false }) accessor announce = '';
  @property({ attribute: false }) accessor onChange: (change: LogChange) => void = () => {};

  /** The pending debounced text/actor filter change. */
  private textTimer: ReturnType<typeof setTimeout> | undefined;
  /** Actors, subtypes and cards met so far (the filter choices), for the current client. */
  private seen = { actors: new Set<string>(), subtypes: new Set<string>(), cards: new Set<string>() };

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client') && changed.get('client') !== undefined)
      this.seen = { actors: new Set(), subtypes: new Set(), cards: new Set() };
    if (changed.has('entries')) {
      for (const e of this.entries) {
        if (text(e.actor)) this.seen.actors.add(text(e.actor));
        if (text(e.subtype)) this.seen.subtypes.add(text(e.subtype));
        if (text(e.card_key)) this.seen.cards.add(text(e.card_key));
      }
    }
  }

  private cardLabel(key: string): string {
    return this.client?.cardLabel(key) ?? key;
  }

  private cancelTyping(): void {
    if (this.textTimer !== undefined) clearTimeout(this.textTimer);
    this.textTimer = undefined;
  }

  private onFilterInput(ev: Event): void {
    const el = ev.target as HTMLInputElement | HTMLSelectElement;
    const name = el.name as keyof LogFilters;
    const value = el.value;
    if (!this.filters || !Object.hasOwn(this.filters, name)) return;
    if (name === 'text' || name === 'actor') {
      // Typing is debounced: one query per pause, not per key.
      this.cancelTyping();
      this.textTimer = setTimeout(() => {
        this.textTimer = undefined;
        this.onChange({ [name]: value });
      }, 250);
      return;
    }
    this.onChange({ [name]: value });
  }

  private onFilterSubmit(ev: Event): void {
    ev.preventDefault();
    const form = ev.target as HTMLFormElement;
    this.cancelTyping();
    this.onChange({
      text: (form.elements.namedItem('text') as HTMLInputElement).value,
      actor: (form.elements.namedItem('actor') as HTMLInputElement).value,
    });
  }

  private onReset(): void {
    this.cancelTyping();
    this.onChange({ actor: '', action: '', status: '', card: '', text: '', range: '', from: '', to: '' });
    // Controls are not bound to the properties while typing: clear them here.
    for (const el of this.querySelectorAll<HTMLInputElement>('input[name="text"], input[name="actor"]')) el.value = '';
  }

  private renderFilters(f: LogFilters) {
    const t = this.t;
    const seenActors = [...this.seen.actors].sort();
    // The host's declared cards first (in its order), then any other card the entries named.
    const cards = [
      ...new Set([
        ...(this.client?.cards.list.map((c) => c.key) ?? []),
        ...this.seen.cards,
        ...(f.card ? [f.card] : []),
      ]),
    ];
    const actions = new Set<string>([...RUN_TYPES, ...[...this.seen.subtypes].sort()]);
    const opt = (value: string, label: string, current: string) =>
      html`<option value=${value} ?selected=${value === current}>${label}</option>`;
    return html`<form part="filters" role="search" aria-label=${t('logFilters')} @input=${this.onFilterInput} @change=${this.onFilterInput} @submit=${this.onFilterSubmit}>
    <label><span>${t('logFilterText')}</span><input name="text" type="search" .value=${f.text} autocomplete="off"></label>
    <label><span>${t('logFilterActor')}</span><input name="actor" type="text" list="actors" .value=${f.actor} autocomplete="off"></label>
    <datalist id="actors">${seenActors.map((a) => html`<option value=${a}></option>`)}</datalist>
    <label><span>${t('logFilterAction')}</span><select name="action">
      ${opt('', t('logAnyAction'), f.action)}
      ${opt('audit:saved', t('logActionAuditSaved'), f.action)}
      ${opt('audit:discarded', t('logActionAuditDiscarded'), f.action)}
      ${opt('audit:deleted', t('logActionAuditDeleted'), f.action)}
      ${opt('run', t('logActionAnyRun'), f.action)}
      ${[...actions].map((a) => opt(a, stringText(a), f.action))}
      ${f.action && !AUDIT_ACTIONS.includes(f.action) && !actions.has(f.action) ? opt(f.action, stringText(f.action), f.action) : nothing}
    </select></label>
    <label><span>${t('logFilterStatus')}</span><select name="status">
      ${opt('', t('logAnyStatus'), f.status)}
      ${STATUSES.map((s) => opt(s, statusWord(t, s), f.status))}
      ${f.status && !(STATUSES as readonly string[]).includes(f.status) ? opt(f.status, stringText(f.status), f.status) : nothing}
    </select></label>
    <label><span>${t('logFilterCard')}</span><select name="card">
      ${opt('', t('logAnyCard'), f.card)}
      ${cards.map((c) => opt(c, stringText(this.cardLabel(c)), f.card))}
    </select></label>
    <label><span>${t('logFilterRange')}</span><select name="range">
      ${opt('', t('logRangeAll'), f.range)}
      ${opt('1h', t('logRange1h'), f.range)}
      ${opt('24h', t('logRange24h'), f.range)}
      ${opt('7d', t('logRange7d'), f.range)}
      ${opt('30d', t('logRange30d'), f.range)}
      ${opt('custom', t('logRangeCustom'), f.range)}
    </select></label>
    ${
      f.range === 'custom'
        ? html`
      <label><span>${t('logFilterFrom')}</span><input name="from" type="datetime-local" .value=${f.from}></label>
      <label><span>${t('logFilterTo')}</span><input name="to" type="datetime-local" .value=${f.to}></label>`
        : nothing
    }
    <button type="button" class="reset" @click=${this.onReset}>${t('logReset')}</button>
  </form>`;
  }

  private renderRow(e: EntryMeta) {
    const t = this.t;
    const status = stringText(e.status);
    const reason = stringText(e.reason);
    const name = actionOf(e);
    const action =
      e.kind === 'audit'
        ? t('logActionAuditSaved')
        : name === 'audit:discarded'
          ? t('logActionAuditDiscarded')
          : name === 'audit:deleted'
            ? t('logActionAuditDeleted')
            : stringText(name);
    const kind = actionKindOf(e);
    return html`<tr part="row" data-kind=${e.kind} data-action-kind=${kind} data-id=${stringText(e.id)}>
    <td class="time"><time datetime=${stringText(e.time)} title=${stringText(e.time)}>${this.fmt?.dateTime(stringText(e.time))}</time></td>
    <td><bdi>${stringText(e.actor) || t('logUnknownActor')}</bdi></td>
    <td><span part="action-kind" class="action-kind" data-action-kind=${kind}>${t(KIND_WORDS[kind])}</span> <bdi>${action}</bdi></td>
    <td><bdi>${stringText(targetOf(e, (k) => this.cardLabel(k)))}</bdi></td>
    <td class="summary"><bdi>${stringText(e.summary)}</bdi>${reason ? html`<div class="reason"><bdi>${t('logReason', { reason })}</bdi></div>` : nothing}</td>
    <td><span part="status" class="status" data-status=${statusTone(status)}>${statusWord(t, status)}</span></td>
  </tr>`;
  }

  protected override render() {
    const t = this.t;
    const f = this.filters;
    if (!f) return nothing;
    const err = this.error;
    const count = this.entries.length;
    const note = this.exportNote;
    return html`<div part="base">
    ${this.renderFilters(f)}
    <div part="toolbar">
      <span class="count" role="status" dir="auto">${this.loaded ? t('logShowing', { count, more: this.more }) : this.loading ? t('loading') : ''}</span>
      <span class="export-note" role="status" dir="auto" data-failed=${note?.failed ? 'true' : 'false'}>${note?.text ?? ''}</span>
      <button type="button" class="export-csv" @click=${() => this.onChange({ download: 'csv' })} ?disabled=${!this.client}>${t('logExportCsv')}</button>
      <button type="button" class="export-jsonl" @click=${() => this.onChange({ download: 'jsonl' })} ?disabled=${!this.client}>${t('logExportJsonl')}</button>
    </div>
    ${!this.client ? html`<p part="empty">${t('notConnected')}</p>` : nothing}
    <p part="progress" role="status" dir="auto" ?hidden=${!this.progress}>${this.progress ? progressText(this.progress, t) : ''}</p>
    ${
      err
        ? html`<div part="error" role="alert">
        <span>${t('logLoadFailed', { detail: userErrorText(err, t) })}</span>
        <button type="button" @click=${() => this.onChange({ retry: true })}>${t('retry')}</button>
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
        <tbody>${this.entries.map((e) => this.renderRow(e))}</tbody>
      </table>
    </div>
    ${this.loaded && count === 0 ? html`<p part="empty">${Object.values(f).some(Boolean) ? t('logNoMatch') : t('logEmpty')}</p>` : nothing}
    ${this.more ? html`<button part="load-more" type="button" @click=${() => this.onChange({ more: true })}>${t('logLoadMore')}</button>` : nothing}
    <div class="visually-hidden" role="status">${this.announce}</div>
  </div>`;
  }
}

if (!customElements.get('scp-audit-log-body')) customElements.define('scp-audit-log-body', ScpAuditLogBody);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-log-body': ScpAuditLogBody;
  }
}
