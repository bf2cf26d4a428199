import { adoptStyles, html, nothing, supportsAdoptingStyleSheets } from 'lit';
import type { Run } from '../../core/schemas/run.js';
import { ScpRefCopiedEvent } from '../events/ref-copied-event.js';
import { ScpRunDetailsToggleEvent } from '../events/run-details-toggle-event.js';
import type { Formatters } from '../internal/format.js';
import type { Translate } from '../internal/messages.js';
import { closeIcon } from '../internal/icons.js';
import { statusWord } from '../internal/status.js';
import { displayText } from '../internal/text.js';
import { buttonStyles, statusStyles } from '../styles/host.styles.js';
import type { ScpRunBadge } from './run-badge.js';
import { runBadgeStyles } from './run-badge.styles.js';
import { reportError } from '../internal/errors.js';

/*
 * The view of <scp-run-badge>: the badge's and the details popover's templates and styles, and
 * the toggle and copy handlers. It is loaded on the element's first connection, so none of it is
 * in the up-front script. The runs (live, last, events) are loaded and kept up to date by the
 * element; these functions only read them.
 */

/** The element as its view sees it: with the base class's translator, formatters and status words. */
type Host = ScpRunBadge & { readonly t: Translate; readonly fmt: Formatters };

/** Text for display: only strings (a crafted ledger object never reaches Lit), bidi controls made visible. */
const show = (v: unknown): string => displayText(typeof v === 'string' ? v : '');

/** @internal Adds the badge's styles to those the shell adopted when its shadow root was made. */
export function adoptViewStyles(host: ScpRunBadge): void {
  const own = [buttonStyles, statusStyles, runBadgeStyles];
  // Without constructable sheets Lit appended <style> elements: append only the new ones.
  adoptStyles(
    host.renderRoot as ShadowRoot,
    supportsAdoptingStyleSheets ? [...(host.constructor as typeof ScpRunBadge).elementStyles, ...own] : own,
  );
}

// Lit calls listeners with `this` set to the element that rendered them, so these handlers
// need no per-element binding.

function onToggle(this: ScpRunBadge, ev: ToggleEvent): void {
  const open = ev.newState === 'open';
  if (!open) this.copyNote = '';
  this.dispatchEvent(new ScpRunDetailsToggleEvent({ open, runId: this.shown?.run_id }));
}

async function onCopy(this: ScpRunBadge): Promise<void> {
  const host = this as Host;
  const run = host.shown;
  if (!run) return;
  const ref = `@run:${run.run_id}`;
  try {
    await navigator.clipboard.writeText(ref);
    host.copyNote = host.t('refCopied', { ref });
    host.dispatchEvent(new ScpRefCopiedEvent({ ref }));
  } catch (error) {
    host.copyNote = host.t('copyFailed', { ref });
    // Select the reference so copying by hand is one keystroke.
    const code = host.renderRoot.querySelector('[part="ref"]');
    if (code) getSelection()?.selectAllChildren(code);
    reportError(host, { action: 'copy', ids: [run.run_id], error, message: host.copyNote });
  }
}

/** What the badge is about: its subtype, its card's label, or all runs. */
function subject(host: Host): string {
  if (host.subtype) return host.subtype;
  if (host.card) return host.data.client?.cardLabel(host.card) ?? host.card;
  return host.t('runBadgeAllRuns');
}

function renderDetails(host: Host, run: Run | undefined) {
  const t = host.t;
  const fmt = host.fmt;
  if (!run) return html`<p part="empty">${t('runBadgeNone')}</p>`;
  const status = show(run.status);
  const duration =
    typeof run.duration_ms === 'number'
      ? fmt.duration(run.duration_ms)
      : status === 'running'
        ? t('runDurationRunning')
        : '—';
  const ref = `@run:${show(run.run_id)}`;
  const field = (label: string, value: unknown) => html`<dt>${label}</dt><dd><bdi>${value}</bdi></dd>`;
  return html`
    <dl part="details">
      ${field(t('runFieldType'), show(run.type))}
      ${field(t('runFieldSubtype'), show(run.subtype))}
      <dt>${t('runFieldStatus')}</dt>
      <dd><span class="status" data-status=${status || 'unknown'}>${statusWord(host.t, status)}</span></dd>
      ${show(run.started_at) ? html`<dt>${t('runFieldStarted')}</dt><dd><time datetime=${show(run.started_at)}>${fmt.dateTime(show(run.started_at))}</time></dd>` : nothing}
      ${field(t('runFieldDuration'), duration)}
      ${field(t('runFieldSummary'), show(run.summary) || '—')}
      ${show(run.user) ? field(t('runFieldActor'), show(run.user)) : nothing}
      ${show(run.target) ? field(t('runFieldTarget'), show(run.target)) : nothing}
      ${show(run.error) ? field(t('runFieldError'), show(run.error)) : nothing}
      <dt>${t('runFieldRef')}</dt>
      <dd class="ref-row">
        <code part="ref" id="ref" dir="ltr">${ref}</code>
        <button part="copy-button" type="button" aria-describedby="ref" @click=${onCopy}>${t('copyRef')}</button>
      </dd>
    </dl>
    <p class="note" role="status">${host.copyNote}</p>
    <h3 id="events-title">${t('runEventsTitle')}</h3>
    ${
      host.events.length === 0
        ? html`<p part="events-empty">${t('runEventsNone')}</p>`
        : html`
      <ol part="events" aria-labelledby="events-title">
        ${host.events.map(
          (e) => html`<li>
          <time datetime=${show(e.ts)}>${fmt.dateTime(show(e.ts))}</time>
          <bdi class="event-type">${show(e.type)}</bdi>
          ${show(e.target) ? html`<bdi class="event-target">${show(e.target)}</bdi>` : nothing}
          ${show(e.status) ? html`<span class="status" data-status=${show(e.status)}>${statusWord(host.t, show(e.status))}</span>` : nothing}
          ${typeof e.duration_ms === 'number' ? html`<span class="event-duration">${fmt.duration(e.duration_ms)}</span>` : nothing}
        </li>`,
        )}
      </ol>`
    }`;
}

// Does a summary already say the status ("deploy:api ok")? Then it is shown alone, not "ok — deploy:api ok".
function says(summary: string, word: string): boolean {
  const at = summary.toLowerCase().indexOf(word.toLowerCase());
  if (!word || at < 0) return false;
  const edge = (c: string | undefined) => c === undefined || !/[\p{L}\p{N}]/u.test(c);
  return edge(summary[at - 1]) && edge(summary[at + word.length]);
}

/** @internal The badge (a button opening the details) and its details popover. */
export function render(el: ScpRunBadge) {
  const host = el as Host;
  const t = host.t;
  const data = host.data;
  const run = host.shown;
  const about = subject(host);
  const running = host.live.length > 0;
  const loading = !data.loaded && data.loading;
  const status = running ? 'running' : run ? show(run.status) || 'unknown' : loading ? 'loading' : 'none';
  const summary = show(run?.summary);
  const word = run ? statusWord(host.t, show(run.status)) : '';
  const visible = running
    ? host.live.length === 1 && says(summary, t('runBadgeRunning', { count: 1, summary: '' }))
      ? summary
      : t('runBadgeRunning', { count: host.live.length, summary })
    : run
      ? says(summary, word)
        ? summary
        : t('runBadgeStatus', { status: word, summary })
      : loading
        ? t('loading')
        : data.error
          ? t('runBadgeLoadFailed')
          : t('runBadgeNone');
  const name = t('runBadgeName', { subject: about, state: visible });
  return html`
    <button part="base" type="button" popovertarget="details" aria-label=${name} title=${name} data-state=${status}>
      <span part="indicator" class=${running ? 'spinner' : 'dot'} data-status=${status} aria-hidden="true"></span>
      <span part="label"><bdi>${visible}</bdi></span>
    </button>
    <div part="popover" id="details" popover role="dialog" aria-labelledby="details-title" @toggle=${onToggle}>
      <div class="head">
        <h2 part="heading" id="details-title">${running ? t('runDetailsLive', { subject: about }) : t('runDetailsLast', { subject: about })}</h2>
        <button part="close-button" class="icon" type="button" popovertarget="details" popovertargetaction="hide" aria-label=${t('close')}>${closeIcon}</button>
      </div>
      ${renderDetails(host, run)}
    </div>`;
}
