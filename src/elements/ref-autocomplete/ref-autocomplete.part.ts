import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { Suggestion } from '../../core/schemas/ref.js';
import { ScpRefPickedEvent } from '../events/ref-picked-event.js';
import { reportError, userErrorText } from '../internal/errors.js';
import type { ScpMessageKey } from '../internal/messages.js';
import { ScpPart } from '../internal/scp-part.js';
import { statusWord } from '../internal/status.js';
import { displayText } from '../internal/text.js';
import type { AutocompleteChange } from './ref-autocomplete.js';
import { refAutocompleteStyles } from './ref-autocomplete.styles.js';
import { refTokenAt, replaceToken, type RefToken } from './ref-token.js';

type Field = HTMLTextAreaElement | HTMLInputElement;
type Section = Suggestion['section'];

const SECTION_ORDER: readonly Section[] = ['kinds', 'saved', 'unsaved', 'log', 'runs'];
const SECTION_LABELS: Record<string, ScpMessageKey> = {
  kinds: 'acSectionKinds',
  saved: 'acSectionSaved',
  unsaved: 'acSectionUnsaved',
  log: 'acSectionLog',
  runs: 'acSectionRuns',
};
const COMBOBOX_ATTRIBUTES = ['role', 'aria-autocomplete', 'aria-controls', 'aria-expanded', 'aria-activedescendant'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Text for display: never an object, bidi controls made visible. */
const show = (v: unknown): string => displayText(text(v));
let instances = 0;

/**
 * What <scp-ref-autocomplete> does once loaded: watches its field (keys, caret, typing), asks the
 * core for suggestions, keeps the field's combobox attributes in step and renders the list. It is
 * loaded on the element's first connection and lives in the element's light DOM, next to the field,
 * so the field's ARIA id references resolve. The element hands it the field, the client, the
 * settings and the list's public state (open, suggestions, active); the popup reports changes to
 * that state through `onChange`.
 */
export class ScpRefAutocompletePopup extends ScpPart {
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /** The field given directly (takes precedence over `htmlFor`). */
  @property({ attribute: false }) accessor field: Field | undefined = undefined;
  /** The id of the field, in the same document or shadow root. */
  @property({ attribute: false }) accessor htmlFor = '';
  @property({ attribute: false }) accessor debounce = 200;
  @property({ attribute: false }) accessor limit = 50;
  @property({ attribute: false }) accessor open = false;
  @property({ attribute: false }) accessor suggestions: Suggestion[] = [];
  @property({ attribute: false }) accessor active = 0;
  /** The ledger's read index is still catching up (suggestions are from what it has so far). */
  @property({ attribute: false }) accessor indexing: { indexed: number; total: number } | undefined = undefined;
  /** The element was closed before this part was in: what was typed meanwhile does not open the list. */
  @property({ attribute: false }) accessor closedEarly = false;
  @property({ attribute: false }) accessor onChange: (change: AutocompleteChange) => void = () => {};

  @state() private accessor pending = false;
  @state() private accessor failure = '';

  private readonly uid = `scp-ref-ac-${++instances}`;
  private attached: Field | undefined;
  /** The field's own ARIA attributes, put back when it is let go. */
  private readonly saved = new Map<string, string | null>();
  private token: RefToken | undefined;
  private dismissedAt: string | undefined;
  private rootObserver: MutationObserver | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private request: Promise<void> = Promise.resolve();

  // This part is in its element's light DOM, not in a shadow root: its events are the element's.
  protected override get owner(): HTMLElement {
    return this.parentElement ?? this;
  }

  /** Resolves once the lookup for what was typed (debounced or running) has ended. */
  async settled(): Promise<void> {
    while (this.timer !== undefined) await new Promise((r) => setTimeout(r, 10));
    await this.request;
  }

  /** The element's `close()`. Before this part's first render it also keeps what was typed meanwhile closed. */
  close(): void {
    if (!this.hasUpdated) this.closedEarly = true;
    this.closeList();
  }

  /** Insert `s` (one of the suggestions shown) in place of the typed token. */
  pick(s: Suggestion | undefined): void {
    const f = this.attached;
    const token = this.token;
    if (!s || !f || !token) return;
    const ref = text(s.ref);
    const next = replaceToken(f.value, token, ref);
    f.value = next.text;
    f.setSelectionRange(next.caret, next.caret);
    f.focus();
    this.closeList();
    this.token = undefined;
    f.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText', data: ref }));
    this.owner.dispatchEvent(new ScpRefPickedEvent({ ref, suggestion: s }));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // The list's styles go to the document or shadow root the element is in (every selector is
    // scoped to scp-ref-autocomplete). On a later connection the field is looked up again.
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = refAutocompleteStyles.styleSheet;
    if (sheet && !root.adoptedStyleSheets.includes(sheet))
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    if (this.hasUpdated) this.requestUpdate();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.rootObserver?.disconnect();
    this.rootObserver = undefined;
    this.detach();
    this.closeList();
  }

  /** Attach to the field (again) when it may have changed, so what attaching reads is part of this render. */
  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('htmlFor') || changed.has('field') || !this.attached) this.attach();
  }

  protected override updated(): void {
    this.syncAria();
  }

  /** Close the list: the pending lookup is dropped, the element's state reset. */
  private closeList(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    this.pending = false;
    this.failure = '';
    this.set({ open: false, suggestions: [], active: 0 });
  }

  /** Apply a change to the list's state here and on the element at once. */
  private set(change: AutocompleteChange): void {
    Object.assign(this, change);
    this.onChange(change);
  }

  private findField(): Field | undefined {
    if (this.field) return this.field;
    if (!this.htmlFor || !this.isConnected) return undefined;
    const el = (this.getRootNode() as Document | ShadowRoot).getElementById(this.htmlFor);
    return el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el : undefined;
  }

  private attach(): void {
    const next = this.findField();
    if (!next && !this.rootObserver && this.htmlFor && this.isConnected) {
      // The field may be rendered after this element: look again when the tree changes.
      this.rootObserver = new MutationObserver(() => {
        if (!this.findField()) return;
        this.rootObserver?.disconnect();
        this.rootObserver = undefined;
        this.attach();
        this.syncAria();
      });
      this.rootObserver.observe(this.getRootNode(), { childList: true, subtree: true });
    }
    if (next === this.attached) return;
    this.detach();
    if (this.open) this.closeList();
    if (!next) return;
    this.attached = next;
    for (const a of COMBOBOX_ATTRIBUTES) this.saved.set(a, next.getAttribute(a));
    next.addEventListener('keydown', this.onKeydown, true);
    next.addEventListener('input', this.onInput);
    next.addEventListener('click', this.onCaret);
    next.addEventListener('keyup', this.onKeyup);
    next.addEventListener('blur', this.onBlur);
    // Someone may already be typing in it (before this part loaded): pick up from the caret,
    // unless the element was closed meanwhile.
    if (next.matches(':focus') && !this.closedEarly) this.evaluate();
    this.closedEarly = false;
  }

  private detach(): void {
    const f = this.attached;
    if (!f) return;
    f.removeEventListener('keydown', this.onKeydown, true);
    f.removeEventListener('input', this.onInput);
    f.removeEventListener('click', this.onCaret);
    f.removeEventListener('keyup', this.onKeyup);
    f.removeEventListener('blur', this.onBlur);
    for (const [a, v] of this.saved) v === null ? f.removeAttribute(a) : f.setAttribute(a, v);
    this.saved.clear();
    this.attached = undefined;
  }

  /** The combobox attributes on the field (a textarea may not take the combobox role). */
  private syncAria(): void {
    const f = this.attached;
    if (!f) return;
    const showing = this.open && this.suggestions.length > 0;
    if (f instanceof HTMLInputElement) {
      f.setAttribute('role', 'combobox');
      f.setAttribute('aria-expanded', String(showing));
    }
    f.setAttribute('aria-autocomplete', 'list');
    f.setAttribute('aria-controls', `${this.uid}-list`);
    if (showing) f.setAttribute('aria-activedescendant', this.optionId(this.active));
    else f.removeAttribute('aria-activedescendant');
  }

  private optionId(i: number): string {
    return `${this.uid}-opt-${i}`;
  }

  /** Read the token at the caret and ask for its suggestions (kinds at once, items debounced). */
  private evaluate(): void {
    const f = this.attached;
    const caret = f?.selectionStart ?? null;
    const token = f && caret !== null && caret === f.selectionEnd ? refTokenAt(f.value, caret) : undefined;
    const before = this.token;
    this.token = token;
    if (!token) {
      this.dismissedAt = undefined;
      this.closeList();
      return;
    }
    const key = `${token.start}:${token.query}`;
    if (this.dismissedAt === key) return;
    this.dismissedAt = undefined;
    if (this.open && before && before.start === token.start && before.query === token.query) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (!token.query.includes(':')) {
      this.fetch(token.query);
      return;
    }
    this.pending = true;
    this.set({ open: true });
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fetch(token.query);
    }, this.debounce);
  }

  private fetch(query: string): void {
    const client = this.client;
    this.abort?.abort();
    if (!client) {
      this.closeList();
      return;
    }
    const abort = new AbortController();
    this.abort = abort;
    this.pending = true;
    this.set({ open: true });
    this.request = client.refs.autocomplete(query, { signal: abort.signal, limit: this.limit }).then(
      (items) => {
        if (abort.signal.aborted) return;
        this.failure = '';
        this.pending = false;
        this.set({
          suggestions: SECTION_ORDER.flatMap((s) => items.filter((i) => i.section === s)).concat(
            items.filter((i) => !SECTION_ORDER.includes(i.section)),
          ),
          active: 0,
        });
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        this.pending = false;
        this.failure = this.t('acFailed', { detail: userErrorText(error, this.t) });
        this.set({ suggestions: [] });
        reportError(this.owner, { action: 'search', ids: [], error, message: this.failure });
      },
    );
  }

  private readonly onInput = (ev: Event): void => {
    // Our own insertion of a kind (`@audit:`) re-evaluates too, which opens its items.
    if (!(ev instanceof InputEvent && ev.isComposing)) this.evaluate();
  };

  private readonly onCaret = (): void => this.evaluate();

  private readonly onKeyup = (ev: Event): void => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes((ev as KeyboardEvent).key)) this.evaluate();
  };

  private readonly onBlur = (): void => this.closeList();

  private readonly onKeydown = (e: Event): void => {
    const ev = e as KeyboardEvent;
    if (!this.open || ev.isComposing || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const n = this.suggestions.length;
    const consume = () => {
      ev.preventDefault();
      ev.stopImmediatePropagation();
    };
    switch (ev.key) {
      case 'ArrowDown':
        if (!n) return;
        consume();
        this.set({ active: (this.active + 1) % n });
        break;
      case 'ArrowUp':
        if (!n) return;
        consume();
        this.set({ active: (this.active - 1 + n) % n });
        break;
      case 'Enter':
      case 'Tab':
        if (!n || ev.shiftKey) return;
        consume();
        this.pick(this.suggestions[this.active]);
        break;
      case 'Escape': {
        consume();
        const t = this.token;
        this.dismissedAt = t ? `${t.start}:${t.query}` : undefined;
        this.closeList();
        break;
      }
      default:
    }
  };

  // Keep the focus (and caret) in the field while the pointer is on the list.
  private readonly onOptionDown = (ev: MouseEvent): void => ev.preventDefault();

  private readonly onOptionClick = (ev: MouseEvent): void => {
    const el = (ev.target as Element).closest('[role="option"]');
    const i = el ? Number(el.getAttribute('data-index')) : Number.NaN;
    if (Number.isInteger(i)) this.pick(this.suggestions[i]);
  };

  private sectionLabel(section: Section): string {
    const key = Object.hasOwn(SECTION_LABELS, section) ? SECTION_LABELS[section] : undefined;
    return key ? this.t(key) : text(section);
  }

  private option(i: number): TemplateResult {
    const s = this.suggestions[i]!;
    const status = show(s.status);
    return html`<div role="option" id=${this.optionId(i)} data-index=${i} class="option" aria-selected=${i === this.active ? 'true' : 'false'}
        @mousedown=${this.onOptionDown} @click=${this.onOptionClick}>
      <span class="icon" aria-hidden="true">${show(s.icon)}</span>
      <span class="text"><bdi class="label">${show(s.label)}</bdi>${show(s.detail) ? html`<bdi class="detail">${show(s.detail)}</bdi>` : nothing}</span>
      ${status ? html`<span class="status" data-status=${status}>${statusWord(this.t, status)}</span>` : nothing}
    </div>`;
  }

  /** The list, its note and hint, and the live count. */
  protected override render(): TemplateResult {
    const t = this.t;
    const uid = this.uid;
    const items = this.suggestions;
    const token = this.token;
    const showing = this.open && items.length > 0;
    const groups = SECTION_ORDER.map((s) => ({
      s,
      idx: items.flatMap((it, i) => (it.section === s ? [i] : [])),
    })).filter((g) => g.idx.length > 0);
    const other = items.flatMap((it, i) => (SECTION_ORDER.includes(it.section) ? [] : [i]));
    const option = (i: number) => this.option(i);
    const note =
      this.failure ||
      (this.pending && this.open
        ? t('acSearching')
        : this.open && !items.length && token
          ? t('acNoMatches', { query: token.query })
          : '');
    return html`<div class="scp-ref-ac-popup" ?hidden=${!this.open}>
      <div id=${`${uid}-list`} role="listbox" aria-label=${t('acListLabel')} ?hidden=${!showing}>
        ${groups.map(
          ({ s, idx }) => html`<div role="group" aria-labelledby=${`${uid}-g-${s}`}>
          <div class="group-label" id=${`${uid}-g-${s}`} role="presentation">${this.sectionLabel(s)}</div>
          ${idx.map(option)}
        </div>`,
        )}
        ${other.map(option)}
      </div>
      ${note ? html`<div class="note" dir="auto" data-kind=${this.failure ? 'error' : this.pending ? 'pending' : 'empty'}>${note}</div>` : nothing}
      ${this.indexing && token?.query.includes(':') ? html`<div class="note" dir="auto" data-kind="indexing" role="status">${t('progressIndexing', this.indexing)}</div>` : nothing}
      ${showing ? html`<div class="hint" aria-hidden="true" dir="auto">${t('acHint')}</div>` : nothing}
    </div>
    <div class="scp-ref-ac-status" role="status">${showing ? t('acCount', { count: items.length }) : ''}</div>`;
  }
}

if (!customElements.get('scp-ref-autocomplete-popup'))
  customElements.define('scp-ref-autocomplete-popup', ScpRefAutocompletePopup);

declare global {
  interface HTMLElementTagNameMap {
    'scp-ref-autocomplete-popup': ScpRefAutocompletePopup;
  }
}
