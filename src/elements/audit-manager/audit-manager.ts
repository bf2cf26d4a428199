import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Capabilities } from '../../core/host/roles.js';
import type { AuditMeta } from '../../core/schemas/audit.js';
import type { ScpOpenManagerEvent } from '../events/open-manager-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';
import { auditManagerHostStyles } from './audit-manager.styles.js';

/** All pending, the pending of one host-declared card category (`category:<name>`), or the saved ones. */
export type ManagerTab = 'all' | 'saved' | `category:${string}`;

/** The deepest focused element (through open shadow roots), to give focus back on close. */
function deepActiveElement(): HTMLElement | null {
  let el: Element | null = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  return el instanceof HTMLElement ? el : null;
}

/**
 * Review pending audit snapshots and save them to the ledger (or discard them), in a modal
 * native `<dialog>`. Tabs All, one per card category the host declared in `createScp({ cards })`
 * (with counts), and Saved (search the ledger,
 * copy `@audit:<id>`). Rows start checked; the list is windowed so 10,000 rows keep a small DOM.
 * Opens with `show(card?)`, the `open` property, or a `scp-open-manager` event no one cancelled.
 *
 * @summary Modal review of pending audits: preview, save, discard, search saved.
 * @tag scp-audit-manager
 * @csspart dialog - The native dialog.
 * @csspart role-note - Why saving / discarding is unavailable (the client's capabilities: a viewer's read-only state).
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
 * @csspart progress - On the Saved tab while the ledger's index catches up ("Indexing 12,000 of 20,000 entries…").
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
  // The dialog (tabs, the windowed list, preview, saved search and the save / discard actions) is
  // the part <scp-audit-manager-body>, loaded on first open: a page that never opens the manager
  // loads none of it. The element's state, its data and its public methods are here, so show()
  // takes effect at once and the dialog opens as soon as its code has arrived.
  static override styles = [hostStyles, auditManagerHostStyles];

  private readonly data = new ScpClientController(this, {
    events: ['audit:pending', 'audit:saved', 'audit:discarded'],
    onClient: () => this.forget(),
    // Nothing is listed while closed.
    load: async (client, signal) => {
      // What this user may do (a viewer sees pending audits but cannot save or discard them).
      const caps = client.capabilities ? await client.capabilities().catch(() => undefined) : undefined;
      if (!signal.aborted) this.capabilities = caps;
      if (!this.open) return;
      const rows = await client.staging.list();
      if (signal.aborted || !this.open) return;
      // Ids unchecked that left are harmless: the selection is always read through the rows.
      this.rows = rows;
      this.listLoaded = true;
    },
  });

  /** What the client says this user may do; `undefined` until known (then nothing is held back). */
  @state() accessor capabilities: Capabilities | undefined = undefined;

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
  @state() private accessor unchecked: ReadonlySet<string> = new Set();
  /** The pending list was loaded since the dialog opened. */
  @state() private accessor listLoaded = false;

  /** The pending rows of the current tab and card filter, derived in `willUpdate`. */
  private shown: readonly AuditMeta[] = [];
  /** Where focus returns on close. */
  private opener: HTMLElement | null = null;
  /** The manager was opened once: its body is loaded and stays (closed, it shows nothing). */
  private opened = false;

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
    return this.filterRows();
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
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('open') && this.open) {
      this.opened = true;
      this.usePart('scp-audit-manager-body', () => import('./manager-body.part.js'));
      void this.data.refresh();
    }
    // Closing forgets what was shown: no stale rows next time.
    if (changed.has('open') && !this.open && changed.get('open') === true) this.forget();
    if (changed.has('rows') || changed.has('card') || changed.has('tab')) this.shown = this.filterRows();
  }

  protected override render() {
    // The dialog is the body's: nothing is in the shadow root until the manager first opens.
    if (!this.opened) return nothing;
    return html`<scp-audit-manager-body .open=${this.open} .opener=${this.opener} .client=${this.data.client}
      .rows=${this.rows} .view=${this.shown} .tab=${this.tab} .card=${this.card} .unchecked=${this.unchecked}
      .capabilities=${this.capabilities} .listLoaded=${this.listLoaded} .loadError=${this.data.error}
      .strings=${this.strings} .t=${this.t} .fmt=${this.fmt}
      .onChange=${this.onBodyChange}></scp-audit-manager-body>`;
  }

  /** What the body changes on the element: the tab, the card filter, the selection, a reload, closing. */
  private readonly onBodyChange = (change: ManagerChange): Promise<unknown> => {
    if ('tab' in change) this.tab = change.tab;
    if ('card' in change) this.card = change.card;
    if ('unchecked' in change) this.unchecked = change.unchecked;
    if ('close' in change) this.close();
    if ('closed' in change) this.opener = null;
    return 'reload' in change ? this.data.refresh() : this.updateComplete;
  };

  /** Nothing shown stays: on close and on a client change. */
  private forget(): void {
    this.rows = [];
    this.unchecked = new Set();
    this.listLoaded = false;
  }

  private filterRows(): readonly AuditMeta[] {
    const tab = this.tab;
    const cards = this.data.client?.cards;
    const category = tab.startsWith('category:') ? tab.slice('category:'.length) : undefined;
    return this.rows.filter(
      (r) =>
        (!this.card || r.card_key === this.card) &&
        (category === undefined || (typeof r.card_key === 'string' && cards?.category(r.card_key) === category)),
    );
  }

  private readonly onOpenRequest = (ev: ScpOpenManagerEvent) => {
    if (this.noListen) return;
    // Let every listener (the host's included) see the event first; a cancelled request is the host's.
    queueMicrotask(() => {
      if (!ev.defaultPrevented) {
        const origin = ev.composedPath()[0];
        if (!this.open) this.opener = origin instanceof HTMLElement ? origin : deepActiveElement();
        this.show(ev.detail.card);
      }
    });
  };
}

/** A change the dialog's body asks of the element. */
export type ManagerChange =
  | { tab: ManagerTab }
  | { card: undefined }
  | { unchecked: ReadonlySet<string> }
  | { close: true }
  /** The dialog closed and gave focus back. */
  | { closed: true }
  | { reload: true };
