import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { Capabilities } from '../../core/host/roles.js';
import type { AuditMeta } from '../../core/schemas/audit.js';
import type { LedgerProgress } from '../../core/schemas/ledger.js';
import { ScpAuditsDiscardedEvent } from '../events/audits-discarded-event.js';
import { ScpAuditsSavedEvent } from '../events/audits-saved-event.js';
import { ScpDiscardRequestEvent } from '../events/discard-request-event.js';
import { ScpManagerToggleEvent } from '../events/manager-toggle-event.js';
import { ScpSaveRequestEvent } from '../events/save-request-event.js';
import { reportError, userErrorText } from '../internal/errors.js';
import type { Formatters } from '../internal/format.js';
import { closeIcon } from '../internal/icons.js';
import type { ScpMessageOverrides } from '../internal/messages.js';
import { ScpPart } from '../internal/scp-part.js';
import { displayText } from '../internal/text.js';
import { buttonStyles } from '../styles/host.styles.js';
import type { ManagerChange, ManagerTab } from './audit-manager.js';
import { auditManagerStyles } from './manager-body.styles.js';
import { type PreviewState, previewPane } from './manager-preview.js';
import { countRows, itemsText, tabList } from './manager-tabs.js';
import './manager-list.part.js';
import type { RowAction } from './manager-list.part.js';
import './manager-saved.part.js';

/**
 * The manager's dialog, loaded on the manager's first open: the native modal `<dialog>` and, while
 * open, header, tabs with counts, the pending list (`<scp-audit-manager-list>`) with its preview and the save / discard
 * actions, the Saved tab (`<scp-audit-manager-saved>`) and the live region. The manager hands it
 * the rows, the tab, the selection and what the user may do; it asks the manager for changes
 * through `onChange`. Closing forgets what it showed.
 */
export class ScpAuditManagerBody extends ScpPart {
  static override styles = [buttonStyles, auditManagerStyles];
  static override inner = ['scp-audit-manager-list', 'scp-audit-manager-saved', 'scp-json-tree'];

  /** The manager is open: the dialog is shown (modal). */
  @property({ attribute: false }) accessor open = false;
  /** Where focus returns when the dialog closes. */
  @property({ attribute: false }) accessor opener: HTMLElement | null = null;
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  @property({ attribute: false }) accessor rows: readonly AuditMeta[] = [];
  /** The pending rows of the current tab and card filter. */
  @property({ attribute: false }) accessor view: readonly AuditMeta[] = [];
  @property({ attribute: false }) accessor tab: ManagerTab = 'all';
  @property({ attribute: false }) accessor card: string | undefined = undefined;
  @property({ attribute: false }) accessor unchecked: ReadonlySet<string> = new Set();
  @property({ attribute: false }) accessor capabilities: Capabilities | undefined = undefined;
  @property({ attribute: false }) accessor listLoaded = false;
  @property({ attribute: false }) accessor loadError: unknown = undefined;
  /** The manager's own strings, for the preview's JSON tree. */
  @property({ attribute: false }) accessor strings: ScpMessageOverrides | undefined = undefined;
  @property({ attribute: false }) accessor onChange: (change: ManagerChange) => Promise<unknown> = async () => {};

  @state() private accessor busy: { action: 'save' | 'discard'; ids: string[] } | undefined = undefined;
  @state() private accessor banner: string | undefined = undefined;
  @state() private accessor announcement = '';
  @state() private accessor preview: PreviewState | undefined = undefined;
  /** The Saved tab was shown since the dialog opened (its part then stays, keeping the search). */
  @state() private accessor savedShown = false;
  /** An index catch-up the client's ledger reports on the bus (`ledger:progress`), until it is done. */
  @state() private accessor indexEvent: { indexed: number; total: number } | undefined = undefined;
  private offProgress: (() => void) | undefined;
  /** Derived in `willUpdate`: the tabs (one per card category the client declares) and their counts. */
  private tabs: readonly ManagerTab[] = [];
  private counts = new Map<ManagerTab, number>();
  /** Why saving / discarding is unavailable; derived in `willUpdate`. */
  private readOnly: { save?: string; discard?: string } = {};
  private previewAbort: AbortController | undefined;
  private announcedCount = -1;
  /** Dialogs this part closed itself, whose close event is still to come. */
  private readonly closedByHost = new WeakSet<HTMLDialogElement>();

  override connectedCallback(): void {
    super.connectedCallback();
    this.listen(this.client);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.previewAbort?.abort();
    this.listen(undefined);
  }

  /** The ledger's read index catching up: the Saved tab says so and searches again as it grows. */
  private listen(client: ScpClient | undefined): void {
    this.offProgress?.();
    this.offProgress = client?.bus.on('ledger:progress', (p: LedgerProgress) => {
      if (p.op === 'index')
        this.indexEvent = p.phase === 'done' ? undefined : { indexed: p.loaded, total: p.total ?? p.loaded };
    });
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('client') && changed.get('client') !== undefined) {
      this.forget();
      this.listen(this.client);
    }
    // Closing forgets what was shown.
    if (changed.has('open') && !this.open && changed.get('open') === true) {
      this.forget();
      this.savedShown = false;
    }
    if (changed.has('tab') || changed.has('card')) this.announcedCount = -1;
    if (this.open && this.tab === 'saved') this.savedShown = true;
    const cards = this.client?.cards;
    this.tabs = ['all', ...(cards?.categories ?? []).map((c): ManagerTab => `category:${c}`), 'saved'];
    if (changed.has('rows') || changed.has('card') || changed.has('client'))
      this.counts = countRows(this.rows, this.card, cards);
    const c = this.capabilities;
    this.readOnly = {
      ...(c && !c.save && { save: this.t('roleCannotSave', { role: c.role }) }),
      ...(c && !c.discard && { discard: this.t('roleCannotDiscard', { role: c.role }) }),
    };
    if (changed.has('rows') && this.listLoaded) {
      const present = new Set(this.rows.map((r) => r.snapshot_id));
      if (this.preview && !present.has(this.preview.id)) this.closePreview();
      // Announce the count when it changes (not on every refetch, which would talk over results).
      if (this.view.length !== this.announcedCount) {
        this.announcedCount = this.view.length;
        if (!this.busy) this.announcement = this.t('pendingCount', { count: this.view.length });
      }
    }
  }

  /** Shows or closes the native dialog as `open` says; a close gives focus back and is announced. */
  protected override updated(changed: PropertyValues<this>): void {
    const dialog = this.querySelector('dialog');
    if (!changed.has('open') || !dialog) return;
    const owner = this.owner;
    if (this.open && !dialog.open) {
      dialog.showModal();
      owner.dispatchEvent(new ScpManagerToggleEvent({ open: true, card: this.card }));
    } else if (!this.open && dialog.open) {
      this.closedByHost.add(dialog);
      dialog.close();
    }
    if (!this.open && changed.get('open') === true) {
      owner.dispatchEvent(new ScpManagerToggleEvent({ open: false, card: this.card }));
      const opener = this.opener;
      void this.onChange({ closed: true });
      if (opener?.isConnected) opener.focus();
    }
  }

  private readonly onDialogClose = (ev: Event): void => {
    // The close event arrives a task after dialog.close(): when that close was ours, a show()
    // made since then must stand, so only a close the user made (Escape, form) closes the manager.
    if (this.closedByHost.delete(ev.currentTarget as HTMLDialogElement)) return;
    if (this.open) void this.onChange({ close: true });
  };

  private readonly onDialogKey = (ev: KeyboardEvent): void => {
    // Escape closes even where the browser's own dialog cancel does not run (e.g. an unfocused window).
    if (ev.key !== 'Escape' || ev.defaultPrevented) return;
    ev.preventDefault();
    void this.onChange({ close: true });
  };

  /** Another client: nothing of the old one stays. */
  private forget(): void {
    this.closePreview();
    this.banner = undefined;
    this.busy = undefined;
    this.announcement = '';
    this.announcedCount = -1;
    this.indexEvent = undefined;
  }

  private label(key: string | undefined): string {
    const k = key ?? '';
    return displayText(this.client?.cardLabel(k) ?? k, 200);
  }

  private readonly cardLabel = (key: string): string => this.client?.cardLabel(key) ?? key;
  private readonly announce = (text: string): void => {
    this.announcement = text;
  };

  private selectedIds(): string[] {
    return this.view.filter((r) => !this.unchecked.has(r.snapshot_id)).map((r) => r.snapshot_id);
  }

  private async act(action: 'save' | 'discard', ids: string[]): Promise<void> {
    const client = this.client;
    const t = this.t;
    if (!client || ids.length === 0 || this.busy) return;
    const request = action === 'save' ? new ScpSaveRequestEvent({ ids }) : new ScpDiscardRequestEvent({ ids });
    if (!this.owner.dispatchEvent(request)) {
      this.announcement = t('actionVetoed');
      return;
    }
    this.busy = { action, ids };
    this.banner = undefined;
    this.announcement = action === 'save' ? t('saving', { count: ids.length }) : t('discarding', { count: ids.length });
    try {
      if (action === 'save') {
        const result = await client.staging.save(ids);
        this.announcement = t('savedDone', { count: result.saved.length });
        this.owner.dispatchEvent(new ScpAuditsSavedEvent({ ids: result.saved, commit: result.commit }));
      } else {
        const result = await client.staging.discard(ids);
        this.announcement = t('discardedDone', { count: result.discarded.length });
        this.owner.dispatchEvent(new ScpAuditsDiscardedEvent({ ids: result.discarded }));
      }
    } catch (e) {
      const detail = userErrorText(e, t);
      const text = t(action === 'save' ? 'saveFailed' : 'discardFailed', {
        items: itemsText(ids, this.rows, (k) => this.label(k), this.t, this.fmt as Formatters),
        detail,
      });
      this.banner = text;
      reportError(this.owner, { action, ids, error: e, message: text });
    } finally {
      this.busy = undefined;
    }
    // The core removes what it saved or discarded; show exactly what is still pending.
    const result = this.announcement;
    await this.onChange({ reload: true });
    this.announcement = result;
  }

  private readonly onRow = (a: RowAction): void => {
    if (a.kind === 'preview') void this.togglePreview(a.row);
    else if (a.kind === 'select') {
      const next = new Set(this.unchecked);
      if (a.checked) next.delete(a.id);
      else next.add(a.id);
      void this.onChange({ unchecked: next });
    } else void this.act(a.kind, [a.id]);
  };

  private toggleAll(checked: boolean): void {
    const next = new Set(this.unchecked);
    for (const r of this.view) {
      if (checked) next.delete(r.snapshot_id);
      else next.add(r.snapshot_id);
    }
    void this.onChange({ unchecked: next });
  }

  private async togglePreview(row: AuditMeta): Promise<void> {
    if (this.preview?.id === row.snapshot_id) {
      this.closePreview();
      return;
    }
    const client = this.client;
    if (!client) return;
    this.previewAbort?.abort();
    const abort = new AbortController();
    this.previewAbort = abort;
    this.preview = { id: row.snapshot_id, status: 'loading' };
    try {
      const snapshot = await client.staging.get(row.snapshot_id);
      if (!abort.signal.aborted) this.preview = { id: row.snapshot_id, status: 'ready', snapshot };
    } catch (e) {
      if (abort.signal.aborted) return;
      const message = this.t('previewLoadFailed', { detail: userErrorText(e, this.t) });
      this.preview = { id: row.snapshot_id, status: 'error', message };
      reportError(this.owner, { action: 'preview', ids: [row.snapshot_id], error: e, message });
    }
  }

  private closePreview(): void {
    this.previewAbort?.abort();
    this.previewAbort = undefined;
    this.preview = undefined;
  }

  private readonly onTabKey = (ev: KeyboardEvent): void => {
    const tabs = this.tabs;
    const i = tabs.indexOf(this.tab);
    let next = -1;
    if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
      const rtl = getComputedStyle(this).direction === 'rtl';
      const forward = (ev.key === 'ArrowRight') !== rtl;
      next = (i + (forward ? 1 : tabs.length - 1)) % tabs.length;
    } else if (ev.key === 'Home') next = 0;
    else if (ev.key === 'End') next = tabs.length - 1;
    if (next < 0) return;
    ev.preventDefault();
    void this.onChange({ tab: tabs[next]! }).then(async () => {
      await this.updateComplete;
      this.querySelector<HTMLElement>(`#tab-${next}`)?.focus();
    });
  };

  private previewTitle(id: string): string {
    const row = this.rows.find((r) => r.snapshot_id === id);
    return this.t('previewTitle', { label: row ? this.label(row.card_key) : displayText(id, 120) });
  }

  private renderPending(): TemplateResult {
    const t = this.t;
    const view = this.view;
    const selected = this.selectedIds().length;
    const allChecked = view.length > 0 && selected === view.length;
    const busy = this.busy;
    const busyText =
      busy &&
      (busy.action === 'save' ? t('saving', { count: busy.ids.length }) : t('discarding', { count: busy.ids.length }));
    const card = this.card && this.label(this.card);
    const ro = this.readOnly;
    // One sentence for both when neither is allowed (a viewer), else the one that is not.
    const roleNote =
      ro.save && ro.discard && this.capabilities
        ? t('roleReadOnly', { role: this.capabilities.role })
        : (ro.save ?? ro.discard);
    const empty = !this.listLoaded ? t('loading') : this.rows.length === 0 ? t('emptyPending') : t('emptyView');
    return html`
    <div class="toolbar" part="toolbar">
      <label><input type="checkbox" .checked=${allChecked} .indeterminate=${selected > 0 && !allChecked}
        ?disabled=${view.length === 0 || !!busy} @change=${(e: Event) => this.toggleAll((e.target as HTMLInputElement).checked)}>${t('selectAll')}</label>
      <span>${t('selectedCount', { selected, total: view.length })}</span>
      ${
        card
          ? html`<button type="button" class="chip" aria-label=${t('clearCardFilter', { card })}
        @click=${() => this.onChange({ card: undefined })}><span class="chip-text" title=${card}>${t('tabCard', { card })}</span>${closeIcon}</button>`
          : nothing
      }
      <span class="spacer"></span>
      ${busyText ? html`<span class="progress" part="progress"><progress aria-label=${busyText}></progress> ${busyText}</span>` : nothing}
    </div>
    <scp-audit-manager-list .view=${view} .unchecked=${this.unchecked} .busy=${!!busy} .previewId=${this.preview?.id}
      .readOnly=${ro} .emptyText=${empty} .cardLabel=${this.cardLabel} .onRow=${this.onRow}
      .scope=${`${this.tab}\n${this.card ?? ''}`} .t=${this.t} .fmt=${this.fmt}></scp-audit-manager-list>
    ${
      this.preview
        ? previewPane(this.preview, this.previewTitle(this.preview.id), this.strings, this.t, () => this.closePreview())
        : nothing
    }
    <footer part="footer">
      ${roleNote ? html`<span id="role-note" part="role-note" class="role-note" role="note">${roleNote}</span>` : nothing}
      <span class="spacer"></span>
      <button type="button" class="danger" ?disabled=${selected === 0 || !!busy || !!ro.discard} aria-describedby=${ro.discard ? 'role-note' : nothing}
        @click=${() => this.act('discard', this.selectedIds())}>${t('discardSelected')}</button>
      <button type="button" class="primary" ?disabled=${selected === 0 || !!busy || !!ro.save} aria-describedby=${ro.save ? 'role-note' : nothing}
        @click=${() => this.act('save', this.selectedIds())}>${t('saveSelected')}</button>
    </footer>`;
  }

  protected override render(): TemplateResult {
    return html`<dialog part="dialog" aria-labelledby="title" @close=${this.onDialogClose} @keydown=${this.onDialogKey}>
      ${this.open ? this.renderContent() : nothing}
    </dialog>`;
  }

  private renderContent(): TemplateResult {
    const t = this.t;
    const title = this.card ? t('managerTitleCard', { card: this.label(this.card) }) : t('managerTitle');
    const saved = this.tab === 'saved';
    return html`<div part="base">
      <header part="header">
        <h2 id="title">${title}</h2>
        <button type="button" class="icon" aria-label=${t('close')} @click=${() => this.onChange({ close: true })}>${closeIcon}</button>
      </header>
      ${tabList({ tabs: this.tabs, tab: this.tab, counts: this.counts, t, onKey: this.onTabKey, onTab: (tab) => this.onChange({ tab }) })}
      ${
        this.banner
          ? html`<div class="banner" part="banner" data-kind="error" role="alert"><p>${this.banner}</p>
        <button type="button" @click=${() => {
          this.banner = undefined;
        }}>${t('dismiss')}</button></div>`
          : nothing
      }
      ${this.client ? nothing : html`<p class="banner" data-kind="error" role="alert">${t('notConnected')}</p>`}
      ${
        this.loadError && this.rows.length === 0
          ? html`<p class="banner" data-kind="error" role="alert">${t('errorDetail', { detail: userErrorText(this.loadError, t) })}
        <button type="button" @click=${() => this.onChange({ reload: true })}>${t('retry')}</button></p>`
          : nothing
      }
      <div class="panel" id="panel" role="tabpanel" aria-labelledby="tab-${Math.max(0, this.tabs.indexOf(this.tab))}">
        ${saved ? nothing : this.renderPending()}
        ${
          this.savedShown
            ? html`<scp-audit-manager-saved ?hidden=${!saved} .active=${saved} .client=${this.client}
          .indexEvent=${this.indexEvent} .cardLabel=${this.cardLabel} .announce=${this.announce}
          .t=${this.t} .fmt=${this.fmt}></scp-audit-manager-saved>`
            : nothing
        }
      </div>
      <div class="visually-hidden" role="status" aria-live="polite">${this.announcement}</div>
    </div>`;
  }
}

if (!customElements.get('scp-audit-manager-body')) customElements.define('scp-audit-manager-body', ScpAuditManagerBody);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-manager-body': ScpAuditManagerBody;
  }
}
