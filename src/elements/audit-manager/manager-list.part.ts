import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { AuditMeta } from '../../core/schemas/audit.js';
import { cssProps } from '../internal/css-props.js';
import type { Formatters } from '../internal/format.js';
import { ScpPart } from '../internal/scp-part.js';
import { displayText } from '../internal/text.js';
import { ROW_HEIGHT } from './manager-body.styles.js';

const OVERSCAN = 6;

/** What the user did to a row, for the dialog's body to act on. */
export type RowAction =
  | { kind: 'select'; id: string; checked: boolean }
  | { kind: 'preview'; row: AuditMeta }
  | { kind: 'save' | 'discard'; id: string };

/**
 * The manager's pending list, windowed: only the rows in view (and the focused one) are in the
 * DOM, positioned by index, so 10,000 rows keep a small DOM. Arrow keys move between rows keeping
 * the same control focused. Its scroll position, height and focused row are its own state.
 */
export class ScpAuditManagerList extends ScpPart {
  @property({ attribute: false }) accessor view: readonly AuditMeta[] = [];
  @property({ attribute: false }) accessor unchecked: ReadonlySet<string> = new Set();
  @property({ attribute: false }) accessor busy = false;
  @property({ attribute: false }) accessor previewId: string | undefined = undefined;
  /** Why saving / discarding is unavailable, when it is. */
  @property({ attribute: false }) accessor readOnly: { save?: string; discard?: string } = {};
  /** The text shown while there are no rows. */
  @property({ attribute: false }) accessor emptyText = '';
  @property({ attribute: false }) accessor cardLabel: (key: string) => string = (k) => k;
  @property({ attribute: false }) accessor onRow: (action: RowAction) => void = () => {};
  /** The tab and card filter shown: a new one starts at the top. */
  @property({ attribute: false }) accessor scope = '';

  @state() private accessor listScroll = 0;
  @state() private accessor viewportHeight = 480;
  @state() private accessor focusIndex = -1;
  private resizeObserver: ResizeObserver | undefined;

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('scope') && changed.get('scope') !== undefined) {
      this.listScroll = 0;
      this.focusIndex = -1;
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
  }

  protected override updated(changed: PropertyValues<this>): void {
    const viewport = this.viewport();
    if (viewport && changed.has('scope') && changed.get('scope') !== undefined) viewport.scrollTop = 0;
    if (viewport && !this.resizeObserver) {
      this.resizeObserver = new ResizeObserver(([entry]) => {
        if (entry) this.viewportHeight = entry.contentRect.height || this.viewportHeight;
      });
      this.resizeObserver.observe(viewport);
    }
  }

  private viewport(): HTMLElement | null {
    return this.querySelector<HTMLElement>('.viewport');
  }

  /** Arrow keys move between rows (keeping the same control focused), Home/End to the ends. */
  private readonly onKey = (ev: KeyboardEvent): void => {
    const target = ev.target as HTMLElement;
    const row = target.closest<HTMLElement>('.row');
    if (!row) return;
    const index = Number(row.dataset.index);
    const total = this.view.length;
    const page = Math.max(1, Math.floor(this.viewportHeight / ROW_HEIGHT));
    let next = -1;
    if (ev.key === 'ArrowDown') next = Math.min(total - 1, index + 1);
    else if (ev.key === 'ArrowUp') next = Math.max(0, index - 1);
    else if (ev.key === 'Home' && ev.ctrlKey) next = 0;
    else if (ev.key === 'End' && ev.ctrlKey) next = total - 1;
    else if (ev.key === 'PageDown') next = Math.min(total - 1, index + page);
    else if (ev.key === 'PageUp') next = Math.max(0, index - page);
    if (next < 0 || next === index) return;
    ev.preventDefault();
    void this.focusRow(next, target.dataset.control ?? 'select');
  };

  private async focusRow(index: number, control: string): Promise<void> {
    const vp = this.viewport();
    if (!vp) return;
    const top = index * ROW_HEIGHT;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
    this.listScroll = vp.scrollTop;
    this.focusIndex = index;
    await this.updateComplete;
    this.querySelector<HTMLElement>(`.row[data-index='${index}'] [data-control='${control}']`)?.focus();
  }

  private readonly onScroll = (e: Event): void => {
    // Scroll events come at most once per frame; Lit batches the re-render.
    this.listScroll = (e.currentTarget as HTMLElement).scrollTop;
  };

  private readonly onFocusIn = (e: Event): void => {
    const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
    if (row) this.focusIndex = Number(row.dataset.index);
  };

  private renderRow(r: AuditMeta, index: number, total: number): TemplateResult {
    const t = this.t;
    const fmt = this.fmt as Formatters;
    const name = displayText(this.cardLabel(r.card_key ?? ''), 200);
    const id = r.snapshot_id;
    const busy = this.busy;
    const ro = this.readOnly;
    const previewed = this.previewId === id;
    const iso = displayText(r.iso, 40);
    return html`<div class="row" part="row" role="listitem" data-index=${index} aria-posinset=${index + 1} aria-setsize=${total}
      ?data-previewed=${previewed} ${cssProps({ 'inset-block-start': `${index * ROW_HEIGHT}px` })}>
    <input type="checkbox" data-control="select" .checked=${!this.unchecked.has(id)} ?disabled=${busy}
      aria-label=${t('selectRow', { label: name })}
      @change=${(e: Event) => this.onRow({ kind: 'select', id, checked: (e.target as HTMLInputElement).checked })}>
    <span class="card" part="row-card" dir="auto" title=${name}>${name}</span>
    <span class="summary" part="row-summary" dir="auto" title=${displayText(r.summary, 300)}>${displayText(r.summary, 300)}</span>
    <time datetime=${iso} title=${fmt.dateTime(iso)}>${fmt.relative(iso)}</time>
    <span class="actions">
      <button type="button" data-control="preview" aria-expanded=${previewed ? 'true' : 'false'} aria-controls="preview"
        aria-label=${t('previewRowLabel', { label: name })} @click=${() => this.onRow({ kind: 'preview', row: r })}>${t('previewRow')}</button>
      <button type="button" data-control="save" ?disabled=${busy || !!ro.save} aria-label=${t('saveRowLabel', { label: name })}
        aria-describedby=${ro.save ? 'role-note' : nothing} @click=${() => this.onRow({ kind: 'save', id })}>${t('saveRow')}</button>
      <button type="button" class="danger" data-control="discard" ?disabled=${busy || !!ro.discard} aria-label=${t('discardRowLabel', { label: name })}
        aria-describedby=${ro.discard ? 'role-note' : nothing} @click=${() => this.onRow({ kind: 'discard', id })}>${t('discardRow')}</button>
    </span>
  </div>`;
  }

  protected override render(): TemplateResult {
    const view = this.view;
    const total = view.length;
    if (total === 0) return html`<div class="viewport" part="list"><p class="empty">${this.emptyText}</p></div>`;
    const first = Math.max(0, Math.floor(this.listScroll / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.listScroll + this.viewportHeight) / ROW_HEIGHT) + OVERSCAN);
    const indexes: number[] = [];
    const focus = this.focusIndex;
    if (focus >= 0 && focus < first && focus < total) indexes.push(focus);
    for (let i = first; i < last; i++) indexes.push(i);
    if (focus >= last && focus < total) indexes.push(focus);
    return html`<div class="viewport" part="list" @scroll=${this.onScroll} @keydown=${this.onKey} @focusin=${this.onFocusIn}>
    <div class="spacer-rows" role="list" aria-label=${this.t('listLabel')} aria-busy=${this.busy ? 'true' : 'false'}
      ${cssProps({ 'block-size': `${total * ROW_HEIGHT}px` })}>
      ${repeat(
        indexes,
        (i) => view[i]!.snapshot_id,
        (i) => this.renderRow(view[i]!, i, total),
      )}
    </div>
  </div>`;
  }
}

if (!customElements.get('scp-audit-manager-list')) customElements.define('scp-audit-manager-list', ScpAuditManagerList);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-manager-list': ScpAuditManagerList;
  }
}
