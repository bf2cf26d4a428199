import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, query, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ScpClient } from '../../core/client.js';
import type { AuditMeta, AuditSnapshot } from '../../core/schemas/audit.js';
import type { EntryMeta } from '../../core/schemas/ledger.js';
import { ScpActionErrorEvent, type ScpAction } from '../events/action-error-event.js';
import { ScpAuditsDiscardedEvent } from '../events/audits-discarded-event.js';
import { ScpAuditsSavedEvent } from '../events/audits-saved-event.js';
import { ScpDiscardRequestEvent } from '../events/discard-request-event.js';
import { ScpManagerToggleEvent } from '../events/manager-toggle-event.js';
import type { ScpOpenManagerEvent } from '../events/open-manager-event.js';
import { ScpRefCopiedEvent } from '../events/ref-copied-event.js';
import { ScpSaveRequestEvent } from '../events/save-request-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { cssProps } from '../internal/css-props.js';
import { ScpElement } from '../internal/scp-element.js';
import { displayText } from '../internal/text.js';
import { buttonStyles, hostStyles } from '../styles/host.styles.js';
import { auditManagerStyles, ROW_HEIGHT } from './audit-manager.styles.js';

/** The pending views plus the saved one. */
export type ManagerTab = 'all' | 'devops' | 'project' | 'saved';
const PENDING_TABS = ['all', 'devops', 'project'] as const;
const TABS: readonly ManagerTab[] = [...PENDING_TABS, 'saved'];
const OVERSCAN = 6;
const SAVED_PAGE = 50;
const SEARCH_DEBOUNCE_MS = 250;

interface Busy { action: 'save' | 'discard'; ids: string[] }
interface Banner { text: string }
type PreviewState =
  | { id: string; status: 'loading' }
  | { id: string; status: 'ready'; snapshot: AuditSnapshot }
  | { id: string; status: 'error'; message: string };
interface SavedState { query: string; entries: EntryMeta[]; cursor?: string | undefined; loading: boolean; error?: string | undefined }

// The core's messages end with a full stop; the banner adds its own sentence after them.
const errorText = (e: unknown) => displayText(e instanceof Error ? e.message : e, 300).replace(/[.\s]+$/, '');

/** The deepest focused element (through open shadow roots), to give focus back on close. */
function deepActiveElement(): HTMLElement | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}

/**
 * Review pending audit snapshots and save them to the ledger (or discard them), in a modal
 * native `<dialog>`. Tabs All / DevOps / Project (with counts) and Saved (search the ledger,
 * copy `@audit:<id>`). Rows start checked; the list is windowed so 10,000 rows keep a small DOM.
 * Opens with `show(card?)`, the `open` property, or a `scp-open-manager` event no one cancelled.
 *
 * @summary Modal review of pending audits: preview, save, discard, search saved.
 * @tag scp-audit-manager
 * @csspart dialog - The native dialog.
 * @csspart base - Its content column.
 * @csspart header - Title bar with the close button.
 * @csspart tabs - The tab list.
 * @csspart tab - One tab.
 * @csspart toolbar - Select all, card filter, progress.
 * @csspart list - The scrolling pending list.
 * @csspart row - One pending snapshot.
 * @csspart preview - The data preview pane.
 * @csspart banner - The error banner.
 * @csspart footer - Save / discard selected.
 * @csspart saved-list - Saved audit search results.
 * @cssproperty --scp-manager-bg - Dialog background.
 * @cssproperty --scp-backdrop - Backdrop colour.
 * @event {ScpSaveRequestEvent} scp-save-request - Before saving; cancel to veto. `detail.ids`.
 * @event {ScpDiscardRequestEvent} scp-discard-request - Before discarding; cancel to veto. `detail.ids`.
 * @event {ScpAuditsSavedEvent} scp-audits-saved - Saved: `detail.ids`, `detail.commit`.
 * @event {ScpAuditsDiscardedEvent} scp-audits-discarded - Discarded: `detail.ids`.
 * @event {ScpActionErrorEvent} scp-error - A load, preview, save, discard, search or copy failed.
 * @event {ScpRefCopiedEvent} scp-ref-copied - An `@audit:<id>` was copied.
 * @event {ScpManagerToggleEvent} scp-manager-toggle - Opened or closed.
 */
export class ScpAuditManager extends ScpElement {
  static override styles = [hostStyles, buttonStyles, auditManagerStyles];

  private readonly data = new ScpClientController(this, {
    events: ['audit:pending', 'audit:saved', 'audit:discarded'],
    onClient: () => this.reset(),
    load: (client, signal) => this.load(client, signal),
  });

  @query('dialog') private accessor dialog!: HTMLDialogElement | null;
  @query('.viewport') private accessor viewport!: HTMLElement | null;

  /** Whether the dialog is shown. */
  @property({ type: Boolean, reflect: true }) accessor open = false;
  /** Show only this card's snapshots (set by `show(card)` or a badge's event). */
  @property() accessor card: string | undefined = undefined;
  /** Listen for `scp-open-manager` events on the window (default on). */
  @property({ type: Boolean, attribute: 'no-listen' }) accessor noListen = false;

  /** Pending snapshot metadata, newest first (empty while closed). */
  @state() accessor rows: AuditMeta[] = [];
  @state() accessor tab: ManagerTab = 'all';
  /** Ids the user unchecked: every other row counts as selected, so new rows arrive checked. */
  @state() private accessor unchecked = new Set<string>();
  @state() private accessor listScroll = 0;
  @state() private accessor viewportHeight = 480;
  @state() private accessor focusIndex = -1;
  @state() private accessor busy: Busy | undefined = undefined;
  @state() private accessor banner: Banner | undefined = undefined;
  @state() private accessor announcement = '';
  @state() private accessor preview: PreviewState | undefined = undefined;
  @state() private accessor saved: SavedState = { query: '', entries: [], loading: false };
  @state() private accessor copyFallback: string | undefined = undefined;
  /** The pending list was loaded since the dialog opened. */
  @state() private accessor listLoaded = false;

  private opener: HTMLElement | null = null;
  private viewCache: { rows: AuditMeta[]; tab: ManagerTab; card: string | undefined; view: AuditMeta[] } | undefined;
  private countCache: { rows: AuditMeta[]; card: string | undefined; counts: Record<'all' | 'devops' | 'project', number> } | undefined;
  private previewAbort: AbortController | undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private searchSeq = 0;
  private resizeObserver: ResizeObserver | undefined;
  private announcedCount = -1;

  /** Open the dialog, optionally filtered to one card. */
  show(card?: string): void {
    if (!this.open) this.opener = deepActiveElement();
    this.card = card;
    this.tab = 'all';
    this.open = true;
  }

  /** Close the dialog (focus returns to where it was). */
  close(): void {
    this.open = false;
  }

  /** Resolves once the list reflects the core (tests, benches). */
  async settled(): Promise<void> {
    await this.updateComplete;
    await this.data.settled();
    await this.updateComplete;
  }

  /** The pending rows of the current tab and card filter. */
  get view(): readonly AuditMeta[] {
    const c = this.viewCache;
    if (c && c.rows === this.rows && c.tab === this.tab && c.card === this.card) return c.view;
    const tab = this.tab;
    const view = this.rows.filter((r) => (!this.card || r.card_key === this.card) && (tab === 'all' || tab === 'saved' || r.audit_type === tab));
    this.viewCache = { rows: this.rows, tab, card: this.card, view };
    return view;
  }

  /** Ids selected in the current view. */
  get selectedIds(): string[] {
    return this.view.filter((r) => !this.unchecked.has(r.snapshot_id)).map((r) => r.snapshot_id);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('scp-open-manager', this.onOpenRequest);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('scp-open-manager', this.onOpenRequest);
    this.resizeObserver?.disconnect();
    this.resizeObserver = undefined;
    clearTimeout(this.searchTimer);
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('open') && !this.open && changed.get('open') === true) this.reset();
    if (changed.has('open') && this.open) void this.data.refresh();
    if (changed.has('tab') || changed.has('card')) { this.listScroll = 0; this.focusIndex = -1; this.announcedCount = -1; }
  }

  protected override updated(changed: PropertyValues<this>): void {
    const dialog = this.dialog;
    if (changed.has('open') && dialog) {
      if (this.open && !dialog.open) {
        dialog.showModal();
        this.dispatchEvent(new ScpManagerToggleEvent({ open: true, card: this.card }));
      } else if (!this.open && dialog.open) {
        dialog.close();
      }
      if (!this.open && changed.get('open') === true) this.afterClose();
    }
    if (this.open && this.viewport && !this.resizeObserver) {
      this.resizeObserver = new ResizeObserver(([entry]) => {
        if (entry) this.viewportHeight = entry.contentRect.height || this.viewportHeight;
      });
      this.resizeObserver.observe(this.viewport);
    }
    if (!this.open && this.resizeObserver) { this.resizeObserver.disconnect(); this.resizeObserver = undefined; }
    if ((changed.has('tab') || changed.has('card')) && this.viewport) this.viewport.scrollTop = 0;
    if (changed.has('tab') && this.tab === 'saved' && this.open && this.saved.entries.length === 0 && !this.saved.loading) void this.search(this.saved.query);
  }

  // ---- data ----

  private async load(client: ScpClient, signal: AbortSignal): Promise<void> {
    if (!this.open) return;
    const rows = await client.staging.list();
    if (signal.aborted || !this.open) return;
    this.rows = rows;
    const present = new Set(rows.map((r) => r.snapshot_id));
    if ([...this.unchecked].some((id) => !present.has(id))) this.unchecked = new Set([...this.unchecked].filter((id) => present.has(id)));
    if (this.preview && !present.has(this.preview.id)) this.closePreview();
    this.listLoaded = true;
    // Announce the count when it changes (not on every refetch, which would talk over results).
    if (this.view.length !== this.announcedCount) {
      this.announcedCount = this.view.length;
      if (!this.busy) this.announcement = this.t('pendingCount', { count: this.view.length });
    }
  }

  /** Forget everything shown (on close and on a client change): no stale rows next time. */
  private reset(): void {
    this.rows = [];
    this.listLoaded = false;
    this.announcedCount = -1;
    this.unchecked = new Set();
    this.banner = undefined;
    this.busy = undefined;
    this.announcement = '';
    this.closePreview();
    this.saved = { query: '', entries: [], loading: false };
    this.copyFallback = undefined;
    this.focusIndex = -1;
    this.listScroll = 0;
    this.searchSeq++;
  }

  private afterClose(): void {
    this.dispatchEvent(new ScpManagerToggleEvent({ open: false, card: this.card }));
    const opener = this.opener;
    this.opener = null;
    if (opener?.isConnected) opener.focus();
  }

  private counts(): Record<'all' | 'devops' | 'project', number> {
    const c = this.countCache;
    if (c && c.rows === this.rows && c.card === this.card) return c.counts;
    const counts = { all: 0, devops: 0, project: 0 };
    for (const r of this.rows) {
      if (this.card && r.card_key !== this.card) continue;
      counts.all++;
      if (r.audit_type === 'devops') counts.devops++; else if (r.audit_type === 'project') counts.project++;
    }
    this.countCache = { rows: this.rows, card: this.card, counts };
    return counts;
  }

  private label(r: { card_key?: string | undefined }): string {
    const key = r.card_key ?? '';
    return displayText(this.data.client?.cardLabel(key) ?? key, 200);
  }

  /** "Security Posture (2), Testing and 3 more" for a banner: each card once, with its count. */
  private itemsText(ids: readonly string[]): string {
    const byId = new Map(this.rows.map((r) => [r.snapshot_id, r]));
    const counts = new Map<string, number>();
    for (const id of ids) {
      const r = byId.get(id);
      const name = r ? this.label(r) : displayText(id, 120);
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const names = [...counts].slice(0, 3).map(([name, n]) => (n > 1 ? `${name} (${this.fmt.number(n)})` : name));
    if (counts.size > 3) names.push(this.t('moreItems', { count: counts.size - 3 }));
    return this.fmt.list(names);
  }

  private fail(action: ScpAction, ids: readonly string[], error: unknown, message: string): void {
    this.dispatchEvent(new ScpActionErrorEvent({ action, ids, error, message }));
  }

  // ---- actions ----

  private async act(action: 'save' | 'discard', ids: string[]): Promise<void> {
    const client = this.data.client;
    if (!client || ids.length === 0 || this.busy) return;
    const request = action === 'save' ? new ScpSaveRequestEvent({ ids }) : new ScpDiscardRequestEvent({ ids });
    if (!this.dispatchEvent(request)) { this.announcement = this.t('actionVetoed'); return; }
    this.busy = { action, ids };
    this.banner = undefined;
    this.announcement = action === 'save' ? this.t('saving', { count: ids.length }) : this.t('discarding', { count: ids.length });
    try {
      if (action === 'save') {
        const result = await client.staging.save(ids);
        this.announcement = this.t('savedDone', { count: result.saved.length });
        this.dispatchEvent(new ScpAuditsSavedEvent({ ids: result.saved, commit: result.commit }));
      } else {
        const result = await client.staging.discard(ids);
        this.announcement = this.t('discardedDone', { count: result.discarded.length });
        this.dispatchEvent(new ScpAuditsDiscardedEvent({ ids: result.discarded }));
      }
    } catch (e) {
      const text = this.t(action === 'save' ? 'saveFailed' : 'discardFailed', { items: this.itemsText(ids), detail: errorText(e) });
      this.banner = { text };
      this.fail(action, ids, e, text);
    } finally {
      this.busy = undefined;
    }
    // The core removes what it saved or discarded; show exactly what is still pending.
    const result = this.announcement;
    await this.data.refresh();
    this.announcement = result;
  }

  private toggleRow(id: string, checked: boolean): void {
    const next = new Set(this.unchecked);
    if (checked) next.delete(id); else next.add(id);
    this.unchecked = next;
  }

  private toggleAll(checked: boolean): void {
    const next = new Set(this.unchecked);
    for (const r of this.view) { if (checked) next.delete(r.snapshot_id); else next.add(r.snapshot_id); }
    this.unchecked = next;
  }

  private async togglePreview(row: AuditMeta): Promise<void> {
    if (this.preview?.id === row.snapshot_id) { this.closePreview(); return; }
    const client = this.data.client;
    if (!client) return;
    this.previewAbort?.abort();
    const abort = (this.previewAbort = new AbortController());
    this.preview = { id: row.snapshot_id, status: 'loading' };
    try {
      const snapshot = await client.staging.get(row.snapshot_id);
      if (!abort.signal.aborted) this.preview = { id: row.snapshot_id, status: 'ready', snapshot };
    } catch (e) {
      if (abort.signal.aborted) return;
      const message = this.t('previewLoadFailed', { detail: errorText(e) });
      this.preview = { id: row.snapshot_id, status: 'error', message };
      this.fail('preview', [row.snapshot_id], e, message);
    }
  }

  private closePreview(): void {
    this.previewAbort?.abort();
    this.previewAbort = undefined;
    this.preview = undefined;
  }

  private scheduleSearch(query: string): void {
    this.saved = { ...this.saved, query };
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(query), SEARCH_DEBOUNCE_MS);
  }

  private async search(query: string, cursor?: string): Promise<void> {
    const client = this.data.client;
    if (!client) return;
    const seq = ++this.searchSeq;
    this.saved = { ...this.saved, query, loading: true, error: undefined };
    try {
      const page = await client.ledger.list({ kind: 'audit', limit: SAVED_PAGE, ...(query.trim() && { text: query.trim() }), ...(cursor && { cursor }) });
      if (seq !== this.searchSeq) return;
      this.saved = { query, entries: cursor ? [...this.saved.entries, ...page.entries] : page.entries, cursor: page.cursor, loading: false };
    } catch (e) {
      if (seq !== this.searchSeq) return;
      const message = this.t('errorDetail', { detail: errorText(e) });
      this.saved = { ...this.saved, loading: false, error: message };
      this.fail('search', [], e, message);
    }
  }

  private async copyRef(id: string): Promise<void> {
    const ref = `@audit:${id}`;
    this.copyFallback = undefined;
    let ok = false;
    try {
      await navigator.clipboard.writeText(ref);
      ok = true;
    } catch {
      ok = this.copyWithSelection(ref);
    }
    if (ok) {
      this.announcement = this.t('refCopied', { ref: displayText(ref) });
      this.dispatchEvent(new ScpRefCopiedEvent({ ref }));
    } else {
      const message = this.t('copyFailed', { ref: displayText(ref) });
      this.announcement = message;
      this.copyFallback = ref;
      this.fail('copy', [id], new Error('clipboard unavailable'), message);
      await this.updateComplete;
      const input = this.renderRoot.querySelector<HTMLInputElement>('.copy-fallback');
      input?.focus();
      input?.select();
    }
  }

  /** Clipboard API refused (no permission, insecure page): copy through a selected text field. */
  private copyWithSelection(text: string): boolean {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    (this.dialog ?? this.renderRoot).appendChild(area);
    area.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    area.remove();
    return ok;
  }

  // ---- handlers ----

  private readonly onOpenRequest = (ev: ScpOpenManagerEvent) => {
    if (this.noListen) return;
    // Let every listener (the host's included) see the event first; a cancelled request is the host's.
    queueMicrotask(() => {
      if (!ev.defaultPrevented) {
        if (!this.open) this.opener = ev.composedPath()[0] instanceof HTMLElement ? ev.composedPath()[0] as HTMLElement : deepActiveElement();
        this.show(ev.detail.card);
      }
    });
  };

  private readonly onDialogClose = () => {
    if (this.open) this.open = false;
  };

  // Escape closes even where the browser's own dialog cancel does not run (e.g. an unfocused window).
  private readonly onDialogKey = (ev: KeyboardEvent) => {
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    ev.preventDefault();
    this.close();
  };

  // Scroll events come at most once per frame; Lit batches the re-render.
  private readonly onScroll = () => {
    if (this.viewport) this.listScroll = this.viewport.scrollTop;
  };

  private onTabKey(ev: KeyboardEvent): void {
    const i = TABS.indexOf(this.tab);
    let next = -1;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      const rtl = getComputedStyle(this).direction === 'rtl';
      const forward = (ev.key === 'ArrowRight') !== rtl;
      next = (i + (forward ? 1 : TABS.length - 1)) % TABS.length;
    } else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = TABS.length - 1;
    if (next < 0) return;
    ev.preventDefault();
    this.tab = TABS[next]!;
    void this.updateComplete.then(() => this.renderRoot.querySelector<HTMLElement>(`[role='tab'][data-tab='${this.tab}']`)?.focus());
  }

  /** Arrow keys move between rows (keeping the same control focused), Home/End to the ends. */
  private onListKey(ev: KeyboardEvent): void {
    const target = ev.target as HTMLElement;
    const row = target.closest<HTMLElement>('.row');
    if (!row) return;
    const index = Number(row.dataset.index);
    const total = this.view.length;
    let next = -1;
    if (ev.key === 'ArrowDown') next = Math.min(total - 1, index + 1);
    else if (ev.key === 'ArrowUp') next = Math.max(0, index - 1);
    else if (ev.key === 'Home' && ev.ctrlKey) next = 0;
    else if (ev.key === 'End' && ev.ctrlKey) next = total - 1;
    else if (ev.key === 'PageDown') next = Math.min(total - 1, index + Math.max(1, Math.floor(this.viewportHeight / ROW_HEIGHT)));
    else if (ev.key === 'PageUp') next = Math.max(0, index - Math.max(1, Math.floor(this.viewportHeight / ROW_HEIGHT)));
    if (next < 0 || next === index) return;
    ev.preventDefault();
    void this.focusRow(next, target.dataset.control ?? 'select');
  }

  private async focusRow(index: number, control: string): Promise<void> {
    const vp = this.viewport;
    if (!vp) return;
    const top = index * ROW_HEIGHT;
    if (top < vp.scrollTop) vp.scrollTop = top;
    else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
    this.listScroll = vp.scrollTop;
    this.focusIndex = index;
    await this.updateComplete;
    this.renderRoot.querySelector<HTMLElement>(`.row[data-index='${index}'] [data-control='${control}']`)?.focus();
  }

  // ---- rendering ----

  private renderTabs(): TemplateResult {
    const counts = this.counts();
    const name = { all: this.t('tabAll'), devops: this.t('tabDevops'), project: this.t('tabProject'), saved: this.t('tabSaved') };
    return html`<div role="tablist" part="tabs" aria-label=${this.t('managerTabs')} @keydown=${this.onTabKey}>
      ${TABS.map((tab) => html`<button role="tab" part="tab" type="button" id="tab-${tab}" data-tab=${tab}
          aria-selected=${this.tab === tab ? 'true' : 'false'} aria-controls="panel" tabindex=${this.tab === tab ? 0 : -1}
          @click=${() => { this.tab = tab; }}>
          ${name[tab]}${tab === 'saved' ? nothing : html`<span class="count">${this.t('tabCount', { count: counts[tab] })}</span>`}
        </button>`)}
    </div>`;
  }

  private renderRow(r: AuditMeta, index: number, total: number): TemplateResult {
    const label = this.label(r);
    const id = r.snapshot_id;
    const busy = !!this.busy;
    const previewed = this.preview?.id === id;
    return html`<div class="row" part="row" role="listitem" data-index=${index} aria-posinset=${index + 1} aria-setsize=${total}
        ?data-previewed=${previewed} ${cssProps({ 'inset-block-start': `${index * ROW_HEIGHT}px` })}>
      <input type="checkbox" data-control="select" .checked=${!this.unchecked.has(id)} ?disabled=${busy}
        aria-label=${this.t('selectRow', { label })} @change=${(e: Event) => this.toggleRow(id, (e.target as HTMLInputElement).checked)}>
      <span class="card" part="row-card" dir="auto">${label}</span>
      <span class="summary" part="row-summary" dir="auto" title=${displayText(r.summary, 300)}>${displayText(r.summary, 300)}</span>
      <time datetime=${displayText(r.iso, 40)} title=${this.fmt.dateTime(displayText(r.iso, 40))}>${this.fmt.relative(displayText(r.iso, 40))}</time>
      <span class="actions">
        <button type="button" data-control="preview" aria-expanded=${previewed ? 'true' : 'false'} aria-controls="preview"
          aria-label=${this.t('previewRowLabel', { label })} @click=${() => this.togglePreview(r)}>${this.t('previewRow')}</button>
        <button type="button" data-control="save" ?disabled=${busy} aria-label=${this.t('saveRowLabel', { label })}
          @click=${() => this.act('save', [id])}>${this.t('saveRow')}</button>
        <button type="button" class="danger" data-control="discard" ?disabled=${busy} aria-label=${this.t('discardRowLabel', { label })}
          @click=${() => this.act('discard', [id])}>${this.t('discardRow')}</button>
      </span>
    </div>`;
  }

  private renderList(): TemplateResult {
    const view = this.view;
    const total = view.length;
    if (total === 0) {
      const text = !this.listLoaded ? this.t('loading')
        : this.rows.length === 0 ? this.t('emptyPending') : this.t('emptyView');
      return html`<div class="viewport" part="list"><p class="empty">${text}</p></div>`;
    }
    const first = Math.max(0, Math.floor(this.listScroll / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((this.listScroll + this.viewportHeight) / ROW_HEIGHT) + OVERSCAN);
    const indexes: number[] = [];
    if (this.focusIndex >= 0 && this.focusIndex < first && this.focusIndex < total) indexes.push(this.focusIndex);
    for (let i = first; i < last; i++) indexes.push(i);
    if (this.focusIndex >= last && this.focusIndex < total) indexes.push(this.focusIndex);
    return html`<div class="viewport" part="list" @scroll=${this.onScroll} @keydown=${this.onListKey}
        @focusin=${(e: Event) => { const row = (e.target as HTMLElement).closest<HTMLElement>('.row'); if (row) this.focusIndex = Number(row.dataset.index); }}>
      <div class="spacer-rows" role="list" aria-label=${this.t('listLabel')} aria-busy=${this.busy ? 'true' : 'false'}
        ${cssProps({ 'block-size': `${total * ROW_HEIGHT}px` })}>
        ${repeat(indexes, (i) => view[i]!.snapshot_id, (i) => this.renderRow(view[i]!, i, total))}
      </div>
    </div>`;
  }

  private renderPreview(): TemplateResult | typeof nothing {
    const p = this.preview;
    if (!p) return nothing;
    const row = this.rows.find((r) => r.snapshot_id === p.id);
    const label = row ? this.label(row) : displayText(p.id, 120);
    return html`<section class="preview" part="preview" id="preview" aria-label=${this.t('previewTitle', { label })}>
      <h3><span>${this.t('previewTitle', { label })}</span>
        <button type="button" class="icon" aria-label=${this.t('close')} @click=${() => this.closePreview()}>✕</button></h3>
      ${p.status === 'loading' ? html`<p role="status">${this.t('loading')}</p>`
        : p.status === 'error' ? html`<p role="alert" class="error">${p.message}</p>`
        : html`<scp-json-tree .value=${p.snapshot.data} label=${this.t('previewTitle', { label })} .strings=${this.strings}></scp-json-tree>`}
    </section>`;
  }

  private renderPending(): TemplateResult {
    const view = this.view;
    const selected = this.selectedIds.length;
    const allChecked = view.length > 0 && selected === view.length;
    const busy = this.busy;
    return html`
      <div class="toolbar" part="toolbar">
        <label><input type="checkbox" .checked=${allChecked} .indeterminate=${selected > 0 && !allChecked}
          ?disabled=${view.length === 0 || !!busy} @change=${(e: Event) => this.toggleAll((e.target as HTMLInputElement).checked)}>${this.t('selectAll')}</label>
        <span>${this.t('selectedCount', { selected, total: view.length })}</span>
        ${this.card ? html`<button type="button" class="chip" aria-label=${this.t('clearCardFilter', { card: this.label({ card_key: this.card }) })}
          @click=${() => { this.card = undefined; }}>${this.t('tabCard', { card: this.label({ card_key: this.card }) })} ✕</button>` : nothing}
        <span class="spacer"></span>
        ${busy ? html`<span class="progress" part="progress"><progress aria-label=${busy.action === 'save' ? this.t('saving', { count: busy.ids.length }) : this.t('discarding', { count: busy.ids.length })}></progress>
          ${busy.action === 'save' ? this.t('saving', { count: busy.ids.length }) : this.t('discarding', { count: busy.ids.length })}</span>` : nothing}
      </div>
      ${this.renderList()}
      ${this.renderPreview()}
      <footer part="footer">
        <span class="spacer"></span>
        <button type="button" class="danger" ?disabled=${selected === 0 || !!busy} @click=${() => this.act('discard', this.selectedIds)}>${this.t('discardSelected')}</button>
        <button type="button" class="primary" ?disabled=${selected === 0 || !!busy} @click=${() => this.act('save', this.selectedIds)}>${this.t('saveSelected')}</button>
      </footer>`;
  }

  private renderSaved(): TemplateResult {
    const s = this.saved;
    return html`
      <div class="search" part="search">
        <input type="search" aria-label=${this.t('searchSaved')} placeholder=${this.t('searchSaved')} .value=${s.query}
          @input=${(e: Event) => this.scheduleSearch((e.target as HTMLInputElement).value)}>
      </div>
      ${this.copyFallback ? html`<div class="more"><input class="copy-fallback" readonly aria-label=${this.t('copyRef')} .value=${this.copyFallback}></div>` : nothing}
      ${s.error ? html`<p class="banner" data-kind="error" role="alert">${s.error}</p>` : nothing}
      ${s.entries.length === 0
        ? html`<p class="empty">${s.loading ? this.t('loading') : s.query.trim() ? this.t('savedNoMatch', { query: displayText(s.query, 200) }) : this.t('savedEmpty')}</p>`
        : html`<ul class="saved" part="saved-list" aria-label=${this.t('savedListLabel')}>
          ${repeat(s.entries, (e) => e.id, (e) => {
            const ref = `@audit:${e.id}`;
            return html`<li>
              <span class="card" dir="auto">${this.label(e)}</span>
              <span class="summary"><span dir="auto">${displayText(e.summary, 300)}</span><br><code dir="ltr">${displayText(ref, 200)}</code></span>
              <time datetime=${displayText(e.time, 40)} title=${this.fmt.dateTime(displayText(e.time, 40))}>${this.fmt.relative(displayText(e.time, 40))}</time>
              <button type="button" aria-label=${this.t('copyRefLabel', { ref: displayText(ref, 200) })} @click=${() => this.copyRef(e.id)}>${this.t('copyRef')}</button>
            </li>`;
          })}
        </ul>
        ${s.cursor ? html`<div class="more"><button type="button" ?disabled=${s.loading} @click=${() => this.search(s.query, s.cursor)}>${this.t('savedLoadMore')}</button></div>` : nothing}`}`;
  }

  protected override render() {
    const t = this.t;
    const title = this.card ? t('managerTitleCard', { card: this.label({ card_key: this.card }) }) : t('managerTitle');
    return html`<dialog part="dialog" aria-labelledby="title" @close=${this.onDialogClose} @keydown=${this.onDialogKey}>
      ${this.open ? html`<div part="base">
        <header part="header">
          <h2 id="title">${title}</h2>
          <button type="button" class="icon" aria-label=${t('close')} @click=${() => this.close()}>✕</button>
        </header>
        ${this.renderTabs()}
        ${this.banner ? html`<div class="banner" part="banner" data-kind="error" role="alert"><p>${this.banner.text}</p>
          <button type="button" @click=${() => { this.banner = undefined; }}>${t('dismiss')}</button></div>` : nothing}
        ${this.data.client ? nothing : html`<p class="banner" data-kind="error" role="alert">${t('notConnected')}</p>`}
        ${this.data.error && this.rows.length === 0 ? html`<p class="banner" data-kind="error" role="alert">${t('errorDetail', { detail: errorText(this.data.error) })}
          <button type="button" @click=${() => this.data.refresh()}>${t('retry')}</button></p>` : nothing}
        <div class="panel" id="panel" role="tabpanel" aria-labelledby="tab-${this.tab}">
          ${this.tab === 'saved' ? this.renderSaved() : this.renderPending()}
        </div>
        <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
      </div>` : nothing}
    </dialog>`;
  }
}
