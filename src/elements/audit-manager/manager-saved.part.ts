import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import type { ScpClient } from '../../core/client.js';
import type { EntryMeta } from '../../core/schemas/ledger.js';
import { ScpRefCopiedEvent } from '../events/ref-copied-event.js';
import { reportError, userErrorText } from '../internal/errors.js';
import type { Formatters } from '../internal/format.js';
import { ScpPart } from '../internal/scp-part.js';
import { displayText } from '../internal/text.js';

const SAVED_PAGE = 50;
const SEARCH_DEBOUNCE_MS = 250;

interface SavedState {
  query: string;
  entries: EntryMeta[];
  cursor?: string | undefined;
  loading: boolean;
  error?: string | undefined;
  /** The last page said the ledger's read index is still catching up (results are from what it has so far). */
  indexing?: { indexed: number; total: number } | undefined;
}

/**
 * The manager's Saved tab: searches the ledger's saved audits page by page and copies an
 * `@audit:<id>` reference (through a selected field where the clipboard is refused). While the
 * ledger's index catches up it says so and searches its first page again as the index grows.
 */
export class ScpAuditManagerSaved extends ScpPart {
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /** The Saved tab is the one shown (the part stays, hidden, while another is, keeping its search). */
  @property({ attribute: false }) accessor active = false;
  /** An index catch-up the bus reports, until it is done. */
  @property({ attribute: false }) accessor indexEvent: { indexed: number; total: number } | undefined = undefined;
  @property({ attribute: false }) accessor cardLabel: (key: string) => string = (k) => k;
  /** Says something in the dialog's live region. */
  @property({ attribute: false }) accessor announce: (text: string) => void = () => {};

  @state() private accessor saved: SavedState = { query: '', entries: [], loading: false };
  @state() private accessor copyFallback: string | undefined = undefined;
  private searchTimer: ReturnType<typeof setTimeout> | undefined;
  private searchSeq = 0;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.search(this.saved.query);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.searchTimer);
    this.searchSeq++;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('indexEvent') || !this.isConnected || !this.active) return;
    if (!this.indexEvent) this.saved = { ...this.saved, indexing: undefined };
    // Only the first page is refreshed: pages already loaded further down stay as they are.
    if (!this.saved.loading && !this.saved.cursor) void this.search(this.saved.query);
  }

  private scheduleSearch(query: string): void {
    this.saved = { ...this.saved, query };
    clearTimeout(this.searchTimer);
    this.searchTimer = setTimeout(() => void this.search(query), SEARCH_DEBOUNCE_MS);
  }

  private async search(query: string, cursor?: string): Promise<void> {
    const client = this.client;
    if (!client) return;
    const seq = ++this.searchSeq;
    this.saved = { ...this.saved, query, loading: true, error: undefined };
    try {
      const page = await client.ledger.list({
        kind: 'audit',
        limit: SAVED_PAGE,
        ...(query.trim() && { text: query.trim() }),
        ...(cursor && { cursor }),
      });
      if (seq !== this.searchSeq) return;
      this.saved = {
        query,
        entries: cursor ? [...this.saved.entries, ...page.entries] : page.entries,
        cursor: page.cursor,
        loading: false,
        indexing: page.indexing,
      };
    } catch (e) {
      if (seq !== this.searchSeq) return;
      const message = this.t('errorDetail', { detail: userErrorText(e, this.t) });
      this.saved = { ...this.saved, loading: false, error: message };
      reportError(this.owner, { action: 'search', ids: [], error: e, message });
    }
  }

  private async copyRef(id: string): Promise<void> {
    const ref = `@audit:${id}`;
    this.copyFallback = undefined;
    let ok = false;
    try {
      await navigator.clipboard.writeText(ref);
      ok = true;
    } catch {
      ok = this.copyWithSelection(ref);
    }
    if (ok) {
      this.announce(this.t('refCopied', { ref: displayText(ref) }));
      this.owner.dispatchEvent(new ScpRefCopiedEvent({ ref }));
    } else {
      const message = this.t('copyFailed', { ref: displayText(ref) });
      this.announce(message);
      this.copyFallback = ref;
      reportError(this.owner, { action: 'copy', ids: [id], error: new Error('clipboard unavailable'), message });
      await this.updateComplete;
      const input = this.querySelector<HTMLInputElement>('.copy-fallback');
      input?.focus();
      input?.select();
    }
  }

  /** Clipboard API refused (no permission, insecure page): copy through a selected text field. */
  private copyWithSelection(text: string): boolean {
    const area = document.createElement('textarea');
    area.value = text;
    area.setAttribute('readonly', '');
    area.style.position = 'fixed';
    area.style.opacity = '0';
    this.appendChild(area);
    area.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    area.remove();
    return ok;
  }

  private renderEntry(e: EntryMeta): TemplateResult {
    const fmt = this.fmt as Formatters;
    const ref = `@audit:${e.id}`;
    const name = displayText(this.cardLabel(e.card_key ?? ''), 200);
    const time = displayText(e.time, 40);
    return html`<li>
      <span class="card" dir="auto" title=${name}>${name}</span>
      <span class="summary"><span dir="auto">${displayText(e.summary, 300)}</span><br><code dir="ltr">${displayText(ref, 200)}</code></span>
      <time datetime=${time} title=${fmt.dateTime(time)}>${fmt.relative(time)}</time>
      <button type="button" aria-label=${this.t('copyRefLabel', { ref: displayText(ref, 200) })} @click=${() => this.copyRef(e.id)}>${this.t('copyRef')}</button>
    </li>`;
  }

  protected override render(): TemplateResult {
    const t = this.t;
    const s = this.saved;
    // The bus is fresher while events arrive; a page also knows when no event reached this tab.
    const indexing = this.indexEvent ?? s.indexing;
    const empty = s.loading
      ? t('loading')
      : s.query.trim()
        ? t('savedNoMatch', { query: displayText(s.query, 200) })
        : t('savedEmpty');
    return html`
    <div class="search" part="search">
      <input type="search" aria-label=${t('searchSaved')} placeholder=${t('searchSaved')} .value=${s.query}
        @input=${(e: Event) => this.scheduleSearch((e.target as HTMLInputElement).value)}>
    </div>
    ${this.copyFallback ? html`<div class="more"><input class="copy-fallback" readonly aria-label=${t('copyRef')} .value=${this.copyFallback}></div>` : nothing}
    ${s.error ? html`<p class="banner" data-kind="error" role="alert">${s.error}</p>` : nothing}
    <p class="indexing" part="progress" role="status" dir="auto" ?hidden=${!indexing}>${indexing ? t('progressIndexing', indexing) : ''}</p>
    ${
      s.entries.length === 0
        ? html`<p class="empty">${empty}</p>`
        : html`<ul class="saved" part="saved-list" aria-label=${t('savedListLabel')}>
        ${repeat(
          s.entries,
          (e) => e.id,
          (e) => this.renderEntry(e),
        )}
      </ul>
      ${s.cursor ? html`<div class="more"><button type="button" ?disabled=${s.loading} @click=${() => this.search(s.query, s.cursor)}>${t('savedLoadMore')}</button></div>` : nothing}`
    }`;
  }
}

if (!customElements.get('scp-audit-manager-saved'))
  customElements.define('scp-audit-manager-saved', ScpAuditManagerSaved);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-manager-saved': ScpAuditManagerSaved;
  }
}
