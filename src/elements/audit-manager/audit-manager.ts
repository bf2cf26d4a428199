import type { PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Capabilities } from '../../core/host/roles.js';
import type { AuditMeta } from '../../core/schemas/audit.js';
import type { ScpOpenManagerEvent } from '../events/open-manager-event.js';
import type { LedgerProgress } from '../../core/schemas/ledger.js';
import { ScpClientController } from '../internal/client-controller.js';
import type { Formatters } from '../internal/format.js';
import { LazyView } from '../internal/lazy-view.js';
import type { Translate } from '../internal/messages.js';
import { ScpElement } from '../internal/scp-element.js';
import type { ManagerUi } from './audit-manager.view.js';

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
  // The class is the shell registered up front: properties, attributes and public methods. The
  // dialog (templates, interaction code and its styles) is the view module, loaded on first
  // connection; the manager is closed until opened, so a page that never opens it pays little.

  /** @internal The view module (audit-manager.view.ts). */
  readonly lazyView = new LazyView(this, () => import('./audit-manager.view.js'));

  /** @internal */
  readonly data = new ScpClientController(this, {
    events: ['audit:pending', 'audit:saved', 'audit:discarded', 'ledger:progress'],
    onClient: () => this.lazyView.module?.reset(this),
    // The ledger's read index catching up: the Saved tab says so and searches again as it grows.
    onEvent: (name, payload) => {
      if (name !== 'ledger:progress') return true;
      this.lazyView.module?.indexProgress(this, payload as LedgerProgress);
      return false;
    },
    // Nothing is listed while closed; opening loads the view before it refreshes.
    load: async (client, signal) => {
      // What this user may do (a viewer sees pending audits but cannot save or discard them).
      const caps = client.capabilities ? await client.capabilities().catch(() => undefined) : undefined;
      if (!signal.aborted) this.capabilities = caps;
      if (this.open) await (await this.lazyView.ready).load(this, client, signal);
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
  /** @internal Why saving / discarding is unavailable for this user, if it is. */
  get readOnlyReason(): { save?: string; discard?: string } {
    const c = this.capabilities;
    if (!c) return {};
    return {
      ...(!c.save && { save: this.t('roleCannotSave', { role: c.role }) }),
      ...(!c.discard && { discard: this.t('roleCannotDiscard', { role: c.role }) }),
    };
  }
  @state() accessor tab: ManagerTab = 'all';

  /** @internal The open dialog's state, made and changed by the view module. */
  ui: ManagerUi | undefined;
  /** @internal Where focus returns on close. */
  opener: HTMLElement | null = null;
  private viewCache: { rows: AuditMeta[]; tab: ManagerTab; card: string | undefined; view: AuditMeta[] } | undefined;

  /** Open the dialog, optionally filtered to one card. */
  show(card?: string): void {
    if (!this.open) this.opener = deepActiveElement();
    this.card = card;
    this.tab = 'all';
    // Renders once the view has loaded (the update waits for it).
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
    const cards = this.data.client?.cards;
    const category = tab.startsWith('category:') ? tab.slice('category:'.length) : undefined;
    const view = this.rows.filter(
      (r) =>
        (!this.card || r.card_key === this.card) &&
        (category === undefined || (typeof r.card_key === 'string' && cards?.category(r.card_key) === category)),
    );
    this.viewCache = { rows: this.rows, tab, card: this.card, view };
    return view;
  }

  /** Ids selected in the current view. */
  get selectedIds(): string[] {
    const unchecked = this.ui?.unchecked;
    return this.view.filter((r) => !unchecked?.has(r.snapshot_id)).map((r) => r.snapshot_id);
  }

  /** @internal The translator and formatters, for the view module. */
  get i18n(): { t: Translate; fmt: Formatters } {
    return { t: this.t, fmt: this.fmt };
  }

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener('scp-open-manager', this.onOpenRequest);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('scp-open-manager', this.onOpenRequest);
    this.lazyView.module?.disconnected(this);
  }

  // The first update waits for the view module and its styles, so nothing renders half-built.
  protected override async scheduleUpdate(): Promise<void> {
    if (!this.hasUpdated) (await this.lazyView.ready).adoptViewStyles(this);
    await super.scheduleUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    this.lazyView.module!.willUpdate(this, changed);
  }

  protected override updated(changed: PropertyValues<this>): void {
    this.lazyView.module!.updated(this, changed);
  }

  protected override render() {
    return this.lazyView.module!.render(this);
  }

  // Kept in the shell so the first request opens the manager even before the view has loaded.
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
