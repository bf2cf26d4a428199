import { css, html, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import type { EntryMeta, LedgerProgress, LedgerQuery } from '../../core/schemas/ledger.js';
import type { ScpLogExportFormat } from '../events/log-export-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { reportError, userErrorText } from '../internal/errors.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';
import { queryOf, type LogFilters, type LogRange } from './log-query.js';

/** How long a live update waits for a finished run's group commit (doubling waits from 100 ms). */
const LANDING_WAIT_MS = 6400;

const newestFirst = (a: EntryMeta, b: EntryMeta) => {
  const ta = Date.parse(a.time) || 0;
  const tb = Date.parse(b.time) || 0;
  return ta !== tb ? tb - ta : a.id === b.id ? 0 : a.id < b.id ? 1 : -1;
};

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
  // The filters, toolbar and table (templates, handlers, their styles) are the part
  // <scp-audit-log-body>, loaded on first connection while the first page loads; the export's code
  // loads when first asked for. The rows, paging, live updates and public methods are here, so
  // they take effect whatever is still loading.
  static override styles = [
    hostStyles,
    css`
      :host { display: block; background: var(--_bg); }
    `,
  ];

  private readonly data = new ScpClientController(this, {
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
    },
    load: (client, signal) => this.load(client, signal),
    onEvent: (name, payload) => this.applyEvent(name, payload),
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
  /** Where the next page starts; `undefined` when the ledger has no more. */
  @state() private accessor cursor: string | undefined = undefined;
  /** The export's progress or result, in the toolbar. */
  @state() private accessor exportNote: { text: string; failed?: boolean } | undefined = undefined;
  /** Spoken when live updates add rows. */
  @state() private accessor announce = '';
  /** A sync, index catch-up or verify under way (from the page or the bus), shown above the rows. */
  @state() private accessor progress: LedgerProgress | undefined = undefined;

  /** The query behind the rows shown (what "Load more", live updates and export use). */
  private viewQuery: LedgerQuery = {};
  /** The latest paging or live update (what `settled()` waits for). */
  private pending: Promise<unknown> = Promise.resolve();

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
    return (await this.exported(format)).text;
  }

  /** Save the filtered view as a file (after a cancelable `scp-log-export` event). Resolves to the entry count. */
  async download(format: ScpLogExportFormat): Promise<number> {
    const t = this.t;
    this.exportNote = { text: t('logExporting') };
    try {
      const { text, count, saveFile } = await this.exported(format);
      saveFile(this, this.renderRoot, format, text, count);
      this.exportNote = { text: t('logExported', { count, format: format.toUpperCase() }) };
      return count;
    } catch (error) {
      const text = t('logExportFailed', { detail: userErrorText(error, t) });
      this.exportNote = { text, failed: true };
      reportError(this, { action: 'load', ids: [], error, message: text });
      throw error;
    }
  }

  /** Load the next page. */
  async loadMore(): Promise<void> {
    const client = this.data.client;
    if (!client || !this.cursor) return;
    const p = this.unseen(client, this.cursor).then((page) => {
      if (!page) return;
      this.entries = [...this.entries, ...page.fresh];
      this.cursor = page.cursor;
    }, this.fail);
    this.pending = p;
    await p;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.usePart('scp-audit-log-body', () => import('./audit-log.part.js'));
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const filterProps = ['actor', 'action', 'status', 'card', 'text', 'range', 'from', 'to', 'pageSize'] as const;
    if (this.hasUpdated && filterProps.some((p) => changed.has(p))) void this.data.refresh();
  }

  protected override render() {
    const data = this.data;
    return html`<scp-audit-log-body .entries=${this.entries} .filters=${this.filters} .more=${this.cursor !== undefined}
      .client=${data.client} .loaded=${data.loaded} .loading=${data.loading} .error=${data.error}
      .progress=${this.progress} .exportNote=${this.exportNote} .announce=${this.announce}
      .t=${this.t} .fmt=${this.fmt} .onChange=${this.onBodyChange}></scp-audit-log-body>`;
  }

  /** What the user asks for in the part: other filters, the next page, a retry, an export. */
  private readonly onBodyChange = (change: LogChange): void => {
    if (change.more) void this.loadMore();
    else if (change.retry) void this.data.refresh();
    else if (change.download)
      this.download(change.download).catch(() => {
        /* shown in the toolbar */
      });
    else Object.assign(this, change);
  };

  /** The export's code (loaded on first use) and its result for the current view. */
  private async exported(format: ScpLogExportFormat) {
    const { exportLog, saveFile } = await import('./log-export.js');
    // Asked for while the rows load: the export follows the filters, not what was shown before.
    await this.data.settled();
    const client = this.data.client;
    if (!client) throw new Error(this.t('notConnected'));
    return { ...(await exportLog(client, this.viewQuery, format, this.csvSeparator)), saveFile };
  }

  /** Reports a failed load as `scp-error`. */
  private readonly fail = (error: unknown): void => {
    reportError(this, {
      action: 'load',
      ids: [],
      error,
      message: this.t('logLoadFailed', { detail: userErrorText(error, this.t) }),
    });
  };

  private async load(client: ScpClient, signal: AbortSignal): Promise<void> {
    const q = queryOf(this.filters);
    try {
      const page = await client.ledger.list({ ...q, limit: this.pageSize });
      if (signal.aborted) return;
      this.viewQuery = q;
      this.entries = page.entries;
      this.cursor = page.cursor;
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

  /** A page of the current view's entries not shown yet; `undefined` when the view changed meanwhile. */
  private async unseen(client: ScpClient, cursor?: string) {
    const q = this.viewQuery;
    const page = await client.ledger.list({ ...q, limit: this.pageSize, ...(cursor && { cursor }) });
    if (q !== this.viewQuery || client !== this.data.client) return undefined;
    const shown = new Set(this.entries.map((e) => e.id));
    return { fresh: page.entries.filter((e) => !shown.has(e.id)), cursor: page.cursor };
  }

  /**
   * A bus event applied in place: progress is shown, a deleted audit leaves the rows, a finished run
   * or a save brings the newest page, merged on top. Returns `false` when handled (no reload), `true` to reload.
   */
  private applyEvent<K extends BusEventName>(name: K, payload: BusEventMap[K]): boolean {
    if (name === 'ledger:progress') {
      // Rows reload as the index brings more in.
      const p = payload as LedgerProgress;
      this.progress = p.phase === 'done' ? undefined : p;
      return p.op === 'index';
    }
    const client = this.data.client;
    if (!client || !this.data.loaded) return true;
    const ledger = client.ledger;
    let landed: (() => Promise<unknown>) | undefined;
    if (name === 'audit:deleted') {
      // The audit leaves the rows; the delete's own entry (who, why) comes in with the fresh page.
      const id = (payload as BusEventMap['audit:deleted']).snapshot_id;
      this.entries = this.entries.filter((e) => !(e.kind === 'audit' && e.id === id));
    }
    const actionId =
      name === 'audit:discarded' || name === 'audit:deleted'
        ? (payload as BusEventMap['audit:discarded']).action_id
        : undefined;
    if (actionId && ledger.getAction) landed = () => ledger.getAction!(actionId);
    if (name === 'run:completed') landed = () => ledger.getRun((payload as BusEventMap['run:completed']).run_id);
    else if (name === 'audit:saved')
      landed = () => ledger.getAudit((payload as BusEventMap['audit:saved']).snapshot_id);
    // Fetch the newest page and add what is new; a finished run reaches the ledger with the
    // runs' group commit, a moment after its event, so wait (briefly) until it has landed.
    this.pending = this.pending
      .then(async () => {
        if (landed) {
          for (let wait = 100; (await landed()) === undefined && wait <= LANDING_WAIT_MS; wait *= 2)
            await new Promise((r) => setTimeout(r, wait));
        }
        const page = await this.unseen(client);
        if (!page?.fresh.length) return;
        this.entries = [...page.fresh, ...this.entries].sort(newestFirst);
        this.announce = this.t('logNewEntries', { count: page.fresh.length });
      })
      .catch(this.fail);
    return false;
  }
}

/** What the user asks of the log in its part: other filters, the next page, a retry, an export. */
export type LogChange = Partial<LogFilters & { more: true; retry: true; download: ScpLogExportFormat }>;
