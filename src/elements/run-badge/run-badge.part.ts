import { html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { Run, RunEvent } from '../../core/schemas/run.js';
import { ScpRefCopiedEvent } from '../events/ref-copied-event.js';
import { ScpRunDetailsToggleEvent } from '../events/run-details-toggle-event.js';
import { reportError } from '../internal/errors.js';
import { closeIcon } from '../internal/icons.js';
import { ScpPart } from '../internal/scp-part.js';
import { statusWord } from '../internal/status.js';
import { stringText } from '../internal/text.js';
import { buttonStyles, statusStyles } from '../styles/host.styles.js';
import { runBadgeStyles } from './run-badge.styles.js';

// Does a summary already say the status ("deploy:api ok")? Then it is shown alone, not "ok — deploy:api ok".
function says(summary: string, word: string): boolean {
  const at = summary.toLowerCase().indexOf(word.toLowerCase());
  if (!word || at < 0) return false;
  const edge = (c: string | undefined) => c === undefined || !/[\p{L}\p{N}]/u.test(c);
  return edge(summary[at - 1]) && edge(summary[at + word.length]);
}

/**
 * The badge of <scp-run-badge> and its details popover, loaded on the badge's first connection:
 * the button (indicator and status), the popover (the run's fields, its `@run:<id>` with a copy
 * button, its last events) and the toggle and copy handlers. The badge loads the runs and keeps
 * them up to date; this part only shows what it is given.
 */
export class ScpRunBadgeBody extends ScpPart {
  static override styles = [buttonStyles, statusStyles, runBadgeStyles];

  /** Matching runs in progress, newest first. */
  @property({ attribute: false }) accessor live: readonly Run[] = [];
  /** The run shown: the newest live one, else the last finished one. */
  @property({ attribute: false }) accessor run: Run | undefined = undefined;
  /** The shown run's last events. */
  @property({ attribute: false }) accessor events: readonly RunEvent[] = [];
  /** The badge's subtype, card and client: what it is about. */
  @property({ attribute: false }) accessor subtype: string | undefined = undefined;
  @property({ attribute: false }) accessor card: string | undefined = undefined;
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /** The runs are loading for the first time. */
  @property({ attribute: false }) accessor loading = false;
  /** Loading the runs failed. */
  @property({ attribute: false }) accessor failed = false;

  /** Spoken after a copy: done, or failed (copy by hand). */
  @state() private accessor copyNote = '';
  /** What the badge is about: its subtype, its card's label, or all runs; derived in `willUpdate`. */
  private about = '';

  protected override willUpdate(): void {
    const card = this.card;
    // The translator changes with the page's language, so this is derived on every update.
    this.about = this.subtype || (card ? (this.client?.cardLabel(card) ?? card) : this.t('runBadgeAllRuns'));
  }

  private onToggle(ev: ToggleEvent): void {
    const open = ev.newState === 'open';
    if (!open) this.copyNote = '';
    this.owner.dispatchEvent(new ScpRunDetailsToggleEvent({ open, runId: this.run?.run_id }));
  }

  private async onCopy(): Promise<void> {
    const run = this.run;
    if (!run) return;
    const ref = `@run:${run.run_id}`;
    try {
      await navigator.clipboard.writeText(ref);
      this.copyNote = this.t('refCopied', { ref });
      this.owner.dispatchEvent(new ScpRefCopiedEvent({ ref }));
    } catch (error) {
      this.copyNote = this.t('copyFailed', { ref });
      // Select the reference so copying by hand is one keystroke.
      const code = this.querySelector('[part="ref"]');
      if (code) getSelection()?.selectAllChildren(code);
      reportError(this.owner, { action: 'copy', ids: [run.run_id], error, message: this.copyNote });
    }
  }

  /** The visible status: what runs, or the last run's status and summary. */
  private stateText(): string {
    const t = this.t;
    const run = this.run;
    const summary = stringText(run?.summary);
    if (this.live.length > 0) {
      return this.live.length === 1 && says(summary, t('runBadgeRunning', { count: 1, summary: '' }))
        ? summary
        : t('runBadgeRunning', { count: this.live.length, summary });
    }
    if (run) {
      const word = statusWord(t, stringText(run.status));
      return says(summary, word) ? summary : t('runBadgeStatus', { status: word, summary });
    }
    return this.loading ? t('loading') : this.failed ? t('runBadgeLoadFailed') : t('runBadgeNone');
  }

  private details(run: Run | undefined): TemplateResult {
    const t = this.t;
    const fmt = this.fmt!;
    if (!run) return html`<p part="empty">${t('runBadgeNone')}</p>`;
    const status = stringText(run.status);
    const duration =
      typeof run.duration_ms === 'number'
        ? fmt.duration(run.duration_ms)
        : status === 'running'
          ? t('runDurationRunning')
          : '—';
    const ref = `@run:${stringText(run.run_id)}`;
    const field = (label: string, value: unknown) => html`<dt>${label}</dt><dd><bdi>${value}</bdi></dd>`;
    return html`
    <dl part="details">
      ${field(t('runFieldType'), stringText(run.type))}
      ${field(t('runFieldSubtype'), stringText(run.subtype))}
      <dt>${t('runFieldStatus')}</dt>
      <dd><span class="status" data-status=${status || 'unknown'}>${statusWord(t, status)}</span></dd>
      ${stringText(run.started_at) ? html`<dt>${t('runFieldStarted')}</dt><dd><time datetime=${stringText(run.started_at)}>${fmt.dateTime(stringText(run.started_at))}</time></dd>` : nothing}
      ${field(t('runFieldDuration'), duration)}
      ${field(t('runFieldSummary'), stringText(run.summary) || '—')}
      ${stringText(run.user) ? field(t('runFieldActor'), stringText(run.user)) : nothing}
      ${stringText(run.target) ? field(t('runFieldTarget'), stringText(run.target)) : nothing}
      ${stringText(run.error) ? field(t('runFieldError'), stringText(run.error)) : nothing}
      <dt>${t('runFieldRef')}</dt>
      <dd class="ref-row">
        <code part="ref" id="ref" dir="ltr">${ref}</code>
        <button part="copy-button" type="button" aria-describedby="ref" @click=${this.onCopy}>${t('copyRef')}</button>
      </dd>
    </dl>
    <p class="note" role="status">${this.copyNote}</p>
    <h3 id="events-title">${t('runEventsTitle')}</h3>
    ${this.eventList()}`;
  }

  private eventList(): TemplateResult {
    const t = this.t;
    const fmt = this.fmt!;
    if (this.events.length === 0) return html`<p part="events-empty">${t('runEventsNone')}</p>`;
    return html`
      <ol part="events" aria-labelledby="events-title">
        ${this.events.map(
          (e) => html`<li>
          <time datetime=${stringText(e.ts)}>${fmt.dateTime(stringText(e.ts))}</time>
          <bdi class="event-type">${stringText(e.type)}</bdi>
          ${stringText(e.target) ? html`<bdi class="event-target">${stringText(e.target)}</bdi>` : nothing}
          ${stringText(e.status) ? html`<span class="status" data-status=${stringText(e.status)}>${statusWord(t, stringText(e.status))}</span>` : nothing}
          ${typeof e.duration_ms === 'number' ? html`<span class="event-duration">${fmt.duration(e.duration_ms)}</span>` : nothing}
        </li>`,
        )}
      </ol>`;
  }

  protected override render(): TemplateResult {
    const t = this.t;
    const run = this.run;
    const about = this.about;
    const running = this.live.length > 0;
    const status = running ? 'running' : run ? stringText(run.status) || 'unknown' : this.loading ? 'loading' : 'none';
    const visible = this.stateText();
    const name = t('runBadgeName', { subject: about, state: visible });
    return html`
    <button part="base" type="button" popovertarget="details" aria-label=${name} title=${name} data-state=${status}>
      <span part="indicator" class=${running ? 'spinner' : 'dot'} data-status=${status} aria-hidden="true"></span>
      <span part="label"><bdi>${visible}</bdi></span>
    </button>
    <div part="popover" id="details" popover role="dialog" aria-labelledby="details-title" @toggle=${this.onToggle}>
      <div class="head">
        <h2 part="heading" id="details-title">${running ? t('runDetailsLive', { subject: about }) : t('runDetailsLast', { subject: about })}</h2>
        <button part="close-button" class="icon" type="button" popovertarget="details" popovertargetaction="hide" aria-label=${t('close')}>${closeIcon}</button>
      </div>
      ${this.details(run)}
    </div>`;
  }
}

if (!customElements.get('scp-run-badge-body')) customElements.define('scp-run-badge-body', ScpRunBadgeBody);

declare global {
  interface HTMLElementTagNameMap {
    'scp-run-badge-body': ScpRunBadgeBody;
  }
}
