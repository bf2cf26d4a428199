import { html, nothing, svg, type TemplateResult } from 'lit';
import { property } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ScpClient } from '../../core/client.js';
import type { Ref } from '../../core/schemas/ref.js';
import { ScpRefRemoveEvent } from '../events/ref-remove-event.js';
import { userErrorText } from '../internal/errors.js';
import { closeIcon } from '../internal/icons.js';
import { ScpPart } from '../internal/scp-part.js';
import { statusTone, statusWord } from '../internal/status.js';
import { displayText, safeUrl } from '../internal/text.js';
import { statusStyles } from '../styles/host.styles.js';
import type { CacheEntry } from './preview-cache.js';
import { refPreviewStyles } from './ref-preview.styles.js';
import { keyOf, removeRefText } from './ref-text.js';

const ICONS = new Map<string, ReturnType<typeof svg>>([
  [
    'audit',
    svg`<path d="M5 1h6v2h2v12H3V3h2V1zm1 1v2h4V2H6zM4 4v10h8V4h-1v1H5V4H4zm1.5 4.5 1 1 3-3 .7.7-3.7 3.7-1.7-1.7z"/>`,
  ],
  ['run', svg`<path d="M4 2.5v11l9-5.5-9-5.5zm1 1.8 6.1 3.7L5 11.7V4.3z"/>`],
]);

/**
 * The cards of <scp-ref-preview>, loaded on the element's first connection: one card per shown
 * ref (loading, failed with a retry button, missing, or resolved), the "+N more" line and the
 * live count. The element keeps the refs, the lookups and the cache and hands them to the part;
 * a retry or a removal goes back to it through `onRetry` / `onRemoved`.
 */
export class ScpRefPreviewCards extends ScpPart {
  static override styles = [statusStyles, refPreviewStyles];

  /** The refs that get a card, in order. */
  @property({ attribute: false }) accessor refs: readonly Ref[] = [];
  /**
   * The element's answers by `keyOf(ref)`. The element changes it in place and hands it over on
   * every update, so the cards follow it.
   */
  @property({ attribute: false, hasChanged: () => true }) accessor cache: ReadonlyMap<string, CacheEntry> = new Map();
  /** How many different refs the text holds (`refs` are the first of them). */
  @property({ attribute: false }) accessor refCount = 0;
  @property({ attribute: false }) accessor showMissing = false;
  /** For host-registered kinds' icons and labels and card labels. */
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /** The element's `for` and `text`: a removed ref leaves the watched input's value, or the text. */
  @property({ attribute: false }) accessor htmlFor: string | undefined = undefined;
  @property({ attribute: false }) accessor text = '';
  @property({ attribute: false }) accessor onRetry: (ref: Ref) => void = () => {};
  /**
   * A ref left the text: the element scans it at once (`text` is its new text when no `for` is
   * given). Resolves once the cards show that.
   */
  @property({ attribute: false }) accessor onRemoved: (text?: string) => Promise<unknown> = async () => {};

  private async removeRef(ref: Ref, index: number): Promise<void> {
    if (!this.owner.dispatchEvent(new ScpRefRemoveEvent({ ref }))) return;
    // The watched input (the element's `for`), looked up now as the element does when it scans.
    const el = this.htmlFor ? (this.owner.getRootNode() as Document | ShadowRoot).getElementById(this.htmlFor) : null;
    const source = el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el : undefined;
    if (source) {
      const { text, at } = removeRefText(source.value, ref);
      source.value = text;
      source.setSelectionRange?.(at, at);
      source.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    }
    await this.onRemoved(this.htmlFor ? undefined : removeRefText(this.text, ref).text);
    // Keep focus in the list: the card that took this one's place, else the previous, else the input.
    const buttons = [...this.querySelectorAll<HTMLButtonElement>('[part~="remove"]')];
    const next = buttons[Math.min(index, buttons.length - 1)];
    if (next) next.focus();
    else source?.focus();
  }

  private kindOf(kind: string) {
    return this.client?.refs.kinds().find((k) => k.kind === kind);
  }

  private icon(kind: string): TemplateResult {
    const own = ICONS.get(kind);
    return html`<span part="icon" aria-hidden="true">${own ? html`<svg viewBox="0 0 16 16">${own}</svg>` : displayText(this.kindOf(kind)?.icon ?? '#', 4)}</span>`;
  }

  private kindLabel(kind: string): string {
    if (kind === 'audit') return this.t('refKindAudit');
    if (kind === 'run') return this.t('refKindRun');
    return displayText(this.kindOf(kind)?.label ?? kind, 40);
  }

  /** The kind icon, the ref and its remove button: how a loading, failed or missing card starts. */
  private head(ref: Ref, refText: string, index: number): TemplateResult {
    return html`${this.icon(ref.kind)}
      <span class="head"><span part="id" dir="ltr">${refText}</span></span>
      ${this.removeButton(ref, refText, index)}`;
  }

  private removeButton(ref: Ref, refText: string, index: number): TemplateResult {
    return html`<button type="button" part="remove" aria-label=${this.t('refRemove', { ref: refText })} @click=${() => this.removeRef(ref, index)}>${closeIcon}</button>`;
  }

  private card(ref: Ref, entry: CacheEntry | undefined, index: number): TemplateResult | typeof nothing {
    const t = this.t;
    const refText = displayText(`@${ref.kind}:${ref.id}`, 200);
    if (!entry || entry.state === 'loading') {
      return html`<li part="card card-loading" data-state="loading" aria-busy="true">
      ${this.head(ref, refText, index)}
      <span class="skeleton short" aria-hidden="true"></span>
      <span class="visually-hidden">${t('refLoading', { ref: refText })}</span>
    </li>`;
    }
    if (entry.state === 'error') {
      return html`<li part="card card-error" data-state="error">
      ${this.head(ref, refText, index)}
      <span class="error">${t('refError', { detail: userErrorText(entry.error, t) })}
        <button type="button" class="retry" @click=${() => this.onRetry(ref)}>${t('retry')}</button></span>
    </li>`;
    }
    const p = entry.preview;
    if (!p.exists) {
      if (!this.showMissing) return nothing;
      return html`<li part="card card-missing" data-state="missing">
      ${this.head(ref, refText, index)}
      <span part="summary">${t('refNotFound')}</span>
    </li>`;
    }
    const title = displayText(
      p.label ??
        (p.card_key ? this.client?.cardLabel(p.card_key) : undefined) ??
        p.subtype ??
        p.run_type ??
        this.kindLabel(ref.kind),
      200,
    );
    const url = safeUrl((p as { url?: unknown }).url);
    const status = typeof p.status === 'string' ? p.status : undefined;
    return html`<li part="card" data-state="ready" data-kind=${ref.kind}>
    ${this.icon(ref.kind)}
    <span class="head">
      <span class="visually-hidden">${this.kindLabel(ref.kind)}</span>
      <span class="title" dir="auto" title=${title}>${title}</span>
      ${status ? html`<span part="status" class="status" data-status=${statusTone(status)}>${statusWord(t, status)}</span>` : nothing}
    </span>
    ${this.removeButton(ref, refText, index)}
    <span part="summary" dir="auto" title=${displayText(p.summary, 300)}>${displayText(p.summary, 300)}</span>
    <span part="id" class="id-line" dir="ltr">${url ? html`<a href=${url} target="_blank" rel="noopener noreferrer">${refText}</a>` : refText}</span>
  </li>`;
  }

  protected override render(): TemplateResult {
    const cards = this.refs
      .map((ref, i) => ({ ref, card: this.card(ref, this.cache.get(keyOf(ref)), i) }))
      .filter((c) => c.card !== nothing);
    const more = this.refCount - this.refs.length;
    return html`${
      cards.length
        ? html`<ul part="base" aria-label=${this.t('refPreviewLabel')}>
      ${repeat(
        cards,
        (c) => keyOf(c.ref),
        (c) => c.card,
      )}
    </ul>`
        : nothing
    }
    ${more > 0 ? html`<p part="more" class="more">${this.t('refMore', { count: more })}</p>` : nothing}
    <span class="visually-hidden" role="status">${cards.length ? this.t('refCount', { count: cards.length }) : ''}</span>`;
  }
}

if (!customElements.get('scp-ref-preview-cards')) customElements.define('scp-ref-preview-cards', ScpRefPreviewCards);

declare global {
  interface HTMLElementTagNameMap {
    'scp-ref-preview-cards': ScpRefPreviewCards;
  }
}
