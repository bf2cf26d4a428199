import { css, html, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { defineCards } from '../../core/cards.js';
import type { ScpClient } from '../../core/client.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import type { Run, RunEvent } from '../../core/schemas/run.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';
import { subtypeMatches, type CardOf } from './card-of.js';
import { reportError } from '../internal/errors.js';

/** How many of the newest events the details show. */
const EVENTS_SHOWN = 5;
/** Pages of the ledger searched for a card's last run (runs of other cards are skipped). */
const SEARCH_PAGES = 10;
const PAGE_SIZE = 100;
// For a client made without `cards` support: runs named after the card still match.
const NO_CARDS = defineCards();

// Only strings are compared (a crafted ledger value of another type sorts as empty).
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
const byNewest = (a: Run, b: Run) =>
  text(a.started_at) < text(b.started_at) ? 1 : text(a.started_at) > text(b.started_at) ? -1 : 0;

/**
 * The state of a card's runs (or of one run subtype): a spinner while a matching run is live,
 * then a dot with the last run's status and summary. Activating it opens a popover with the
 * run's type, subtype, status, duration, summary, its `@run:<id>` reference (with a copy button)
 * and its last five events. Runs are matched to cards as the host declared them in
 * `createScp({ cards })` (a card's `runs`, else runs whose type or detail names the card:
 * `deploy:api` → `api`); a `cardOf` function replaces that mapping.
 * With `card`, the last run is looked for among the ledger's newest 1,000 runs (runs of
 * other cards are skipped); with an exact `subtype` the ledger is asked for that subtype directly.
 *
 * @summary Live / last-run status of a card's runs, with a details popover.
 * @tag scp-run-badge
 * @csspart base - The button that opens the details.
 * @csspart indicator - The spinner (running) or the status dot.
 * @csspart label - The visible status and summary.
 * @csspart popover - The details popover.
 * @csspart heading - The popover's title.
 * @csspart details - The list of the run's fields.
 * @csspart ref - The `@run:<id>` reference.
 * @csspart copy-button - Copies the reference.
 * @csspart events - The list of the last events.
 * @csspart close-button - Closes the popover.
 * @cssproperty --scp-run-badge-max-width - Widest the badge's label grows before it is cut (default 18rem).
 * @cssproperty --scp-color-ok - Dot colour of a successful run.
 * @cssproperty --scp-color-danger - Dot colour of a failed run.
 * @cssproperty --scp-color-running - Spinner colour.
 * @event {ScpRunDetailsToggleEvent} scp-run-details-toggle - The details popover opened or closed; `detail.open`, `detail.runId`.
 * @event {ScpRefCopiedEvent} scp-ref-copied - The `@run:<id>` reference was copied; `detail.ref`.
 * @event {ScpActionErrorEvent} scp-error - Loading the runs or copying failed.
 */
export class ScpRunBadge extends ScpElement {
  // The element holds the properties, the public methods and the runs (loaded and followed here,
  // so the data is on its way while the part loads). The badge, its details popover, the copy
  // handler and their styles are the part <scp-run-badge-body>, loaded on first connection; the
  // host's box is set here so the badge holds its place meanwhile.
  static override styles = [hostStyles, css`:host { display: inline-block; vertical-align: middle; }`];

  private readonly data = new ScpClientController(this, {
    events: ['run:started', 'run:event', 'run:completed', 'ledger:written', 'ledger:synced'],
    onClient: () => this.forget(),
    load: (client, signal) => this.load(client, signal),
    onEvent: (name, payload) => this.apply(name, payload),
  });

  /** The card whose runs are shown (mapped by the client's declared cards, or by `cardOf`). */
  @property({ reflect: true }) accessor card: string | undefined = undefined;
  /** A run subtype to show instead of a card: exact (`deploy:k8s`) or `type:*`. */
  @property({ reflect: true }) accessor subtype: string | undefined = undefined;
  /** Maps a run subtype to a card key, in place of the cards declared in `createScp({ cards })`. */
  @property({ attribute: false }) accessor cardOf: CardOf | undefined = undefined;

  /** Matching runs in progress, newest first. */
  @state() accessor live: Run[] = [];
  /** The newest finished matching run. */
  @state() accessor last: Run | undefined = undefined;
  /** Events of the run the details show (the newest live run, else the last one). */
  @state() private accessor events: RunEvent[] = [];
  /** `showDetails()` was called before the popover was there: it opens once the part has rendered. */
  private detailsAsked = false;

  /** Resolves once what the badge shows reflects the core. */
  async settled(): Promise<void> {
    // A pending update may start a reload (a changed card or subtype): let it run first.
    await this.updateComplete;
    await this.data.settled();
    await this.eventsLoad;
    await this.updateComplete;
  }

  /** Open the details popover. */
  showDetails(): void {
    const popover = this.popoverEl;
    this.detailsAsked = !popover;
    if (popover) popover.showPopover();
    else void this.updateComplete.then(() => this.detailsAsked && this.popoverEl?.showPopover());
  }

  /** Close the details popover. */
  hideDetails(): void {
    this.detailsAsked = false;
    if (this.popoverEl?.matches(':popover-open')) this.popoverEl.hidePopover();
  }

  private eventsLoad: Promise<void> = Promise.resolve();
  private eventsFor: string | undefined;

  /** The details popover, once the part has rendered it. */
  private get popoverEl(): HTMLElement | null | undefined {
    return this.shadowRoot?.querySelector('[popover]');
  }

  /** The run the badge and the details are about. */
  private get shown(): Run | undefined {
    return this.live[0] ?? this.last;
  }

  private isMatch(subtype: unknown): boolean {
    if (typeof subtype !== 'string') return false;
    if (this.subtype) return subtypeMatches(this.subtype, subtype);
    if (this.card) {
      if (this.cardOf) return this.cardOf(subtype) === this.card;
      return (this.data.client?.cards ?? NO_CARDS).runBelongs(this.card, subtype);
    }
    return true;
  }

  private forget(): void {
    this.live = [];
    this.last = undefined;
    this.events = [];
    this.eventsFor = undefined;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The first update is on first connection: the badge's part starts loading then.
    this.usePart('scp-run-badge-body', () => import('./run-badge.part.js'));
    if ((changed.has('card') || changed.has('subtype') || changed.has('cardOf')) && this.hasUpdated) {
      this.forget();
      void this.data.refresh();
    }
  }

  private async load(client: ScpClient, signal: AbortSignal): Promise<void> {
    let live: Run[];
    let last: Run | undefined;
    try {
      [live, last] = await Promise.all([client.runs.live(), this.findLast(client, signal)]);
    } catch (error) {
      if (!signal.aborted) {
        reportError(this, { action: 'load', ids: [], error, message: this.t('runBadgeLoadFailed') });
      }
      throw error;
    }
    if (signal.aborted) return;
    this.live = live.filter((r) => this.isMatch(r.subtype)).sort(byNewest);
    // A run that just completed may still wait for its group commit: keep the newer one.
    if (last && (!this.last || byNewest(last, this.last) <= 0)) this.last = last;
    await this.loadEvents(client, true);
  }

  /** The newest finished matching run in the ledger. */
  private async findLast(client: ScpClient, signal: AbortSignal): Promise<Run | undefined> {
    const exact = this.subtype && !this.subtype.endsWith('*') ? this.subtype : undefined;
    let cursor: string | undefined;
    for (let page = 0; page < SEARCH_PAGES && !signal.aborted; page++) {
      const res = await client.ledger.list({
        kind: 'run',
        limit: exact ? 1 : PAGE_SIZE,
        ...(exact && { action: exact }),
        ...(cursor && { cursor }),
      });
      const hit = res.entries.find((e) => this.isMatch(e.subtype));
      if (hit) return (await client.runs.get(hit.id))?.run;
      if (!res.cursor || exact) return undefined;
      cursor = res.cursor;
    }
    return undefined;
  }

  /** Fetch the shown run's record for its events (once per run unless `force`). */
  private loadEvents(client: ScpClient, force = false): Promise<void> {
    const run = this.shown;
    if (!run) {
      this.events = [];
      this.eventsFor = undefined;
      return this.eventsLoad;
    }
    if (!force && this.eventsFor === run.run_id) return this.eventsLoad;
    this.eventsFor = run.run_id;
    const id = run.run_id;
    this.eventsLoad = client.runs.get(id).then(
      (rec) => {
        if (!rec || this.shown?.run_id !== id) return;
        this.events = rec.events.slice(-EVENTS_SHOWN);
        if (this.last?.run_id === id && rec.run.status !== 'running') this.last = { ...this.last, ...rec.run };
      },
      () => {
        /* the badge keeps what it has; the next event retries */
      },
    );
    return this.eventsLoad;
  }

  /** Apply a bus event in place; `false` = no reload needed. */
  private apply<K extends BusEventName>(name: K, payload: BusEventMap[K]): boolean {
    const client = this.data.client;
    if (name === 'run:started') {
      const p = payload as BusEventMap['run:started'];
      if (!this.isMatch(p.subtype) || this.live.some((r) => r.run_id === p.run_id)) return false;
      const run: Run = {
        run_id: p.run_id,
        type: p.type,
        subtype: p.subtype,
        summary: p.summary,
        status: 'running',
        user: p.user ?? '',
        code_ref: '',
        started_at: p.started_at ?? new Date().toISOString(),
        ...(p.target !== undefined && { target: p.target }),
      };
      this.live = [run, ...this.live].sort(byNewest);
      this.events = [];
      this.eventsFor = run.run_id;
      return false;
    }
    if (name === 'run:event') {
      const p = payload as BusEventMap['run:event'];
      if (p.run_id === this.shown?.run_id) this.events = [...this.events, p.event].slice(-EVENTS_SHOWN);
      return false;
    }
    if (name === 'run:completed') {
      const p = payload as BusEventMap['run:completed'];
      if (!this.isMatch(p.subtype)) return false;
      const was = this.live.find((r) => r.run_id === p.run_id);
      const wasShown = this.shown?.run_id === p.run_id;
      this.live = this.live.filter((r) => r.run_id !== p.run_id);
      const done: Run = {
        ...(was ?? { run_id: p.run_id, user: '', code_ref: '', started_at: new Date().toISOString() }),
        type: p.type,
        subtype: p.subtype,
        status: p.status,
        summary: p.summary,
        duration_ms: p.duration_ms,
        ended_at: new Date().toISOString(),
        ...(p.metadata && { metadata: p.metadata }),
      };
      if (!this.last || byNewest(done, this.last) <= 0) this.last = done;
      if (!wasShown) this.eventsFor = undefined;
      // The full record (end time, error, all events) from the core.
      if (client) void this.loadEvents(client, true);
      return false;
    }
    // ledger:written / ledger:synced: runs written elsewhere (another process, a sync).
    return true;
  }

  protected override render() {
    const data = this.data;
    // One line: the template's text is shipped as written.
    return html`<scp-run-badge-body .live=${this.live} .run=${this.shown} .events=${this.events} .subtype=${this.subtype} .card=${this.card} .client=${data.client} .loading=${!data.loaded && data.loading} .failed=${!!data.error} .t=${this.t} .fmt=${this.fmt}></scp-run-badge-body>`;
  }
}
