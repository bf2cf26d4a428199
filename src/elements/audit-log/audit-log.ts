import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { EntryMeta, LedgerProgress, LedgerQuery } from '../../core/schemas/ledger.js';
import type { ScpLogExportFormat } from '../events/log-export-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { LazyView } from '../internal/lazy-view.js';
import { ScpElement } from '../internal/scp-element.js';
import { buttonStyles, hostStyles, statusStyles } from '../styles/host.styles.js';
import { auditLogStyles } from './audit-log.styles.js';
import { queryOf, type LogFilters, type LogRange } from './log-query.js';
import { reportError, userErrorText } from '../internal/errors.js';

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * "Who did what": every run, audit save, discard and delete in the ledger as a table — time,
 * actor, action (with its kind, create / change / destroy / read, in words and colour), target,
 * reason or summary, status — newest first. Free text also finds correlation ids. Filters by actor, action, status, card, free
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
 * @csspart action-kind - The create / change / destroy / read word before an entry's action.
 * @csspart load-more - The "Load more" button.
 * @csspart error - The error banner.
 * @csspart empty - The text shown when nothing matches.
 * @csspart progress - A sync, index catch-up ("Indexing 12,000 of 20,000 entries…") or verify under way.
 * @cssproperty --scp-log-max-height - Tallest the table grows before it scrolls (default none).
 * @cssproperty --scp-color-ok - Colour of an ok status.
 * @cssproperty --scp-color-danger - Colour of a failed status.
 * @cssproperty --scp-color-warning - Colour of a partial or cancelled status.
 * @cssproperty --scp-color-create - Colour of a create action (a save, a build ...).
 * @cssproperty --scp-color-change - Colour of a change action (a deploy ...).
 * @cssproperty --scp-color-destroy - Colour of a destroy action (a discard, a delete, a destroy run).
 * @cssproperty --scp-color-read - Colour of a read action (a scan, a test ...).
 * @event {ScpLogExportEvent} scp-log-export - Before `download` saves a file; `detail.format`, `detail.text`, `detail.count`, `detail.filename`. Cancelable: cancel to handle the text yourself.
 * @event {ScpActionErrorEvent} scp-error - Loading or exporting failed.
 */
export class ScpAuditLog extends ScpElement {
  static override styles = [hostStyles, buttonStyles, statusStyles, auditLogStyles];

  /** @internal Templates, handlers, the export and in-place live updates: a separate chunk, fetched on first connection. */
  private readonly view = new LazyView(this, () => import('./audit-log.view.js'));

  /** @internal The client, its loading state and reloads. */
  readonly data = new ScpClientController(this, {
    events: [
      'ledger:written',
      'ledger:synced',
      'ledger:progress',
      'audit:saved',
      'audit:discarded',
      'audit:deleted',
      'run:completed',
    ],
    onClient: () => {
      this.entries = [];
      this.cursor = undefined;
      this.seen = { actors: new Set(), subtypes: new Set(), cards: new Set() };
    },
    load: (client, signal) => this.load(client, signal),
    // Applied in place by the view; before it has loaded, an event simply causes a reload.
    onEvent: (name, payload) => {
      if (name === 'ledger:progress') return this.progressed(payload as LedgerProgress);
      return this.view.module?.applyEvent(this, name, payload) ?? true;
    },
  });

  /** Only entries by this actor (exact). */
  @property({ reflect: true }) accessor actor = '';
  /** `audit:saved`, `audit:discarded`, `audit:deleted`, `run`, a run type (`deploy`) or subtype (`deploy:k8s`); empty for all. */
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
  /** CSV field separator: `,` (default) or `;` (spreadsheets in locales where `,` is the decimal mark). */
  @property({ attribute: 'csv-separator' }) accessor csvSeparator: ',' | ';' = ',';

  /** The entries shown, newest first. */
  @state() accessor entries: EntryMeta[] = [];
  @state() private accessor cursor: string | undefined = undefined;
  /** @internal The ledger has more pages. */
  @state() accessor more = false;
  /** @internal The export's progress or result, in the toolbar. */
  @state() accessor exportNote = '';
  /** @internal */
  @state() accessor exportFailed = false;
  /** @internal Spoken when live updates add rows. */
  @state() accessor announce = '';
  /** @internal A sync, index catch-up or verify under way (from the page or the bus), shown above the rows. */
  @state() accessor progress: LedgerProgress | undefined = undefined;

  /** @internal The query behind the rows shown (what "Load more", live updates and export use). */
  viewQuery: LedgerQuery = {};
  /** @internal The pending debounced text/actor filter change. */
  textTimer: ReturnType<typeof setTimeout> | undefined;
  /** @internal Actors, subtypes and cards met so far: the filter choices (kept while the view narrows). */
  seen = { actors: new Set<string>(), subtypes: new Set<string>(), cards: new Set<string>() };
  /** @internal The latest paging or live update (what `settled()` waits for). */
  pending: Promise<unknown> = Promise.resolve();

  /** The current filters. */
  get filters(): LogFilters {
    return {
      actor: this.actor,
      action: this.action,
      status: this.status,
      card: this.card,
      text: this.text,
      range: this.range,
      from: this.from,
      to: this.to,
    };
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
    return (await this.view.ready).exportText(this, format);
  }

  /** Save the filtered view as a file (after a cancelable `scp-log-export` event). Resolves to the entry count. */
  async download(format: ScpLogExportFormat): Promise<number> {
    return (await this.view.ready).download(this, format);
  }

  /** Load the next page. */
  async loadMore(): Promise<void> {
    const client = this.data.client;
    if (!client || !this.cursor) return;
    const q = this.viewQuery;
    const p = client.ledger.list({ ...q, limit: this.pageSize, cursor: this.cursor }).then(
      (page) => {
        if (q !== this.viewQuery) return;
        const seen = new Set(this.entries.map((e) => e.id));
        this.entries = [...this.entries, ...page.entries.filter((e) => !seen.has(e.id))];
        this.cursor = page.cursor;
        this.more = page.cursor !== undefined;
      },
      (error: unknown) => this.fail(error),
    );
    this.pending = p;
    await p;
  }

  /** @internal A card key's label from the client (the key itself without one). */
  cardLabel(key: string): string {
    return this.data.client?.cardLabel(key) ?? key;
  }

  /** @internal Reports a failed load as `scp-error`. */
  fail(error: unknown): void {
    reportError(this, {
      action: 'load',
      ids: [],
      error,
      message: this.t('logLoadFailed', { detail: userErrorText(error, this.t) }),
    });
  }

  /** @internal A `ledger:progress` event: shown; rows reload as the index brings more in. */
  progressed(p: LedgerProgress): boolean {
    this.progress = p.phase === 'done' ? undefined : p;
    return p.op === 'index';
  }

  protected override async scheduleUpdate(): Promise<void> {
    // The first update waits for the view, so nothing renders half-built.
    if (!this.view.module) await this.view.ready;
    await super.scheduleUpdate();
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

  protected override render() {
    return this.view.module!.render(this);
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
      // The page says whether the ledger is still indexing (also when no event reached this tab).
      if (page.indexing)
        this.progress = { op: 'index', phase: 'indexing', loaded: page.indexing.indexed, total: page.indexing.total };
      else if (this.progress?.op === 'index') this.progress = undefined;
    } catch (error) {
      if (!signal.aborted) this.fail(error);
      throw error;
    }
  }
}
