// The cards of <scp-ref-preview> and their remove/retry handling, loaded on the element's first
// connection. The state (refs, cache, lookups) stays on the element.
import { html, nothing, svg, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import type { Ref } from '../../core/schemas/ref.js';
import { ScpRefRemoveEvent } from '../events/ref-remove-event.js';
import { closeIcon } from '../internal/icons.js';
import { statusTone, statusWord } from '../internal/status.js';
import { displayText, safeUrl } from '../internal/text.js';
import type { ScpRefPreview } from './ref-preview.js';
import { keyOf, removeRefText } from './ref-text.js';
import { refPreviewStyles } from './ref-preview.styles.js';

/** @internal The cards' styles, adopted by the element with its own before the first render. */
export const styles = refPreviewStyles;

const ICONS = new Map<string, ReturnType<typeof svg>>([
  [
    'audit',
    svg`<path d="M5 1h6v2h2v12H3V3h2V1zm1 1v2h4V2H6zM4 4v10h8V4h-1v1H5V4H4zm1.5 4.5 1 1 3-3 .7.7-3.7 3.7-1.7-1.7z"/>`,
  ],
  ['run', svg`<path d="M4 2.5v11l9-5.5-9-5.5zm1 1.8 6.1 3.7L5 11.7V4.3z"/>`],
]);

function retry(host: ScpRefPreview, ref: Ref): void {
  const client = host.data.client;
  if (!client) return;
  host.cache.delete(keyOf(ref));
  host.ensure(client, ref);
  host.requestUpdate();
}

async function removeRef(host: ScpRefPreview, ref: Ref, index: number): Promise<void> {
  if (!host.dispatchEvent(new ScpRefRemoveEvent({ ref }))) return;
  clearTimeout(host.timer);
  host.timer = undefined;
  const source = host.source;
  if (source) {
    const { text, at } = removeRefText(source.value, ref);
    source.value = text;
    source.setSelectionRange?.(at, at);
    source.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    clearTimeout(host.timer);
    host.timer = undefined;
  } else if (!host.htmlFor) {
    host.text = removeRefText(host.text, ref).text;
  }
  host.apply();
  await host.updateComplete;
  // Keep focus in the list: the card that took this one's place, else the previous, else the input.
  const buttons = [...host.renderRoot.querySelectorAll<HTMLButtonElement>('[part~="remove"]')];
  const next = buttons[Math.min(index, buttons.length - 1)];
  if (next) next.focus();
  else source?.focus();
}

function icon(host: ScpRefPreview, kind: string): TemplateResult {
  const own = ICONS.get(kind);
  const resolver = own ? undefined : host.data.client?.refs.kinds().find((k) => k.kind === kind);
  return html`<span part="icon" aria-hidden="true">${own ? html`<svg viewBox="0 0 16 16">${own}</svg>` : displayText(resolver?.icon ?? '#', 4)}</span>`;
}

function kindLabel(host: ScpRefPreview, kind: string): string {
  if (kind === 'audit') return host.t('refKindAudit');
  if (kind === 'run') return host.t('refKindRun');
  return displayText(host.data.client?.refs.kinds().find((k) => k.kind === kind)?.label ?? kind, 40);
}

function removeButton(host: ScpRefPreview, ref: Ref, refText: string, index: number): TemplateResult {
  return html`<button type="button" part="remove" aria-label=${host.t('refRemove', { ref: refText })} @click=${() => removeRef(host, ref, index)}>${closeIcon}</button>`;
}

function card(host: ScpRefPreview, ref: Ref, index: number): TemplateResult | typeof nothing {
  const t = host.t;
  const entry = host.cache.get(keyOf(ref));
  const refText = displayText(`@${ref.kind}:${ref.id}`, 200);
  if (!entry || entry.state === 'loading') {
    return html`<li part="card card-loading" data-state="loading" aria-busy="true">
      ${icon(host, ref.kind)}
      <span class="head"><span part="id" dir="ltr">${refText}</span></span>
      ${removeButton(host, ref, refText, index)}
      <span class="skeleton short" aria-hidden="true"></span>
      <span class="visually-hidden">${t('refLoading', { ref: refText })}</span>
    </li>`;
  }
  if (entry.state === 'error') {
    return html`<li part="card card-error" data-state="error">
      ${icon(host, ref.kind)}
      <span class="head"><span part="id" dir="ltr">${refText}</span></span>
      ${removeButton(host, ref, refText, index)}
      <span class="error">${t('refError', { detail: host.errorText(entry.error) })}
        <button type="button" class="retry" @click=${() => retry(host, ref)}>${t('retry')}</button></span>
    </li>`;
  }
  const p = entry.preview;
  if (!p.exists) {
    if (!host.showMissing) return nothing;
    return html`<li part="card card-missing" data-state="missing">
      ${icon(host, ref.kind)}
      <span class="head"><span part="id" dir="ltr">${refText}</span></span>
      ${removeButton(host, ref, refText, index)}
      <span part="summary">${t('refNotFound')}</span>
    </li>`;
  }
  const title = displayText(
    p.label ??
      (p.card_key ? host.data.client?.cardLabel(p.card_key) : undefined) ??
      p.subtype ??
      p.run_type ??
      kindLabel(host, ref.kind),
    200,
  );
  const url = safeUrl((p as { url?: unknown }).url);
  const status = typeof p.status === 'string' ? p.status : undefined;
  return html`<li part="card" data-state="ready" data-kind=${ref.kind}>
    ${icon(host, ref.kind)}
    <span class="head">
      <span class="visually-hidden">${kindLabel(host, ref.kind)}</span>
      <span class="title" dir="auto" title=${title}>${title}</span>
      ${status ? html`<span part="status" class="status" data-status=${statusTone(status)}>${statusWord(host.t, status)}</span>` : nothing}
    </span>
    ${removeButton(host, ref, refText, index)}
    <span part="summary" dir="auto" title=${displayText(p.summary, 300)}>${displayText(p.summary, 300)}</span>
    <span part="id" class="id-line" dir="ltr">${url ? html`<a href=${url} target="_blank" rel="noopener noreferrer">${refText}</a>` : refText}</span>
  </li>`;
}

/** @internal The card list (the first `max` refs), the count of the rest, and the live count. */
export function render(host: ScpRefPreview): TemplateResult {
  const cards = host.shownRefs.map((ref, i) => ({ ref, card: card(host, ref, i) })).filter((c) => c.card !== nothing);
  const more = host.refCount - host.shownRefs.length;
  return html`${
    cards.length
      ? html`<ul part="base" aria-label=${host.t('refPreviewLabel')}>
      ${repeat(
        cards,
        (c) => keyOf(c.ref),
        (c) => c.card,
      )}
    </ul>`
      : nothing
  }
    ${more > 0 ? html`<p part="more" class="more">${host.t('refMore', { count: more })}</p>` : nothing}
    <span class="visually-hidden" role="status">${cards.length ? host.t('refCount', { count: cards.length }) : ''}</span>`;
}
