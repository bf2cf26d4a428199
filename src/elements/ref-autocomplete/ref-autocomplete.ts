import { adoptStyles, html, nothing, render } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { Suggestion } from '../../core/schemas/ref.js';
import { ScpActionErrorEvent } from '../events/action-error-event.js';
import { ScpRefPickedEvent } from '../events/ref-picked-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { displayText } from '../internal/text.js';
import { hostStyles } from '../styles/host.styles.js';
import { refAutocompleteHostStyles, refAutocompleteStyles } from './ref-autocomplete.styles.js';
import { refTokenAt, replaceToken, type RefToken } from './ref-token.js';

type Field = HTMLTextAreaElement | HTMLInputElement;
type Section = Suggestion['section'];

const SECTION_ORDER: readonly Section[] = ['kinds', 'saved', 'unsaved', 'log', 'runs'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Text for display: never an object, bidi controls made visible. */
const show = (v: unknown): string => displayText(text(v));
let instances = 0;

/**
 * The `@` picker of a compose box. Typing `@` in the watched field opens the reference kinds;
 * after `@audit:` (or another kind) it lists matching items in sections (saved, not saved yet,
 * runs) from the core's `refs.autocomplete`. Arrow keys move, Enter or Tab insert the reference
 * at the caret (replacing the typed `@…`), Esc closes, a click picks. The field gets the ARIA
 * combobox attributes (`aria-controls`, `aria-activedescendant`, and `role="combobox"` with
 * `aria-expanded` on an `<input>`). When the list is closed the keys are left to the page, so
 * Enter still sends the message.
 *
 * The list is rendered in the element's light DOM, next to the field, so the field's ARIA ID
 * references resolve (they cannot point into a shadow root). Its styles are added to the
 * field's document or shadow root once, scoped to `scp-ref-autocomplete`.
 *
 * @summary `@` reference picker (kinds, then items) for a textarea or input.
 * @tag scp-ref-autocomplete
 * @cssproperty --scp-autocomplete-max-height - Tallest the list grows before it scrolls (default 18rem).
 * @cssproperty --scp-autocomplete-width - Width of the list (default half the element's width, 20–36rem).
 * @cssproperty --scp-color-accent - Background of the active option.
 * @event {ScpRefPickedEvent} scp-ref-picked - A suggestion was inserted; `detail.ref` is the text, `detail.suggestion` the item.
 * @event {ScpActionErrorEvent} scp-error - Suggestions could not be loaded (`action: 'search'`).
 */
export class ScpRefAutocomplete extends ScpElement {
  static override styles = [hostStyles, refAutocompleteHostStyles];

  private readonly scp = new ScpClientController(this);

  /** The id of the textarea or input to watch, in the same document or shadow root. */
  @property({ attribute: 'for', reflect: true }) accessor htmlFor = '';
  /** The field to watch, when it is not found by id (takes precedence over `for`). */
  @property({ attribute: false }) accessor field: Field | undefined = undefined;
  /** Milliseconds to wait after typing before items are asked for. */
  @property({ type: Number }) accessor debounce = 200;
  /** Most items asked for. */
  @property({ type: Number }) accessor limit = 50;
  /** Where the list opens relative to the element: `below` (default) or `above`. */
  @property({ reflect: true }) accessor placement: 'below' | 'above' = 'below';

  /** The list is showing. */
  @state() accessor open = false;
  /** The suggestions shown. */
  @state() accessor suggestions: Suggestion[] = [];
  /** Index of the active (highlighted) suggestion. */
  @state() accessor active = 0;
  @state() private accessor pending = false;
  @state() private accessor failure = '';

  private readonly uid = `scp-ref-ac-${++instances}`;
  private attached: Field | undefined;
  private saved = new Map<string, string | null>();
  private token: RefToken | undefined;
  private dismissedAt: string | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private abort: AbortController | undefined;
  private request: Promise<void> = Promise.resolve();
  private rootObserver: MutationObserver | undefined;

  /** Resolves once the suggestions for what was typed are shown. */
  async settled(): Promise<void> {
    while (this.timer !== undefined) await new Promise((r) => setTimeout(r, 10));
    await this.request;
    await this.updateComplete;
  }

  /** Close the list (the field keeps its text). */
  close(): void {
    this.clearTimer();
    this.abort?.abort();
    this.open = false;
    this.suggestions = [];
    this.pending = false;
    this.failure = '';
    this.active = 0;
  }

  protected override createRenderRoot(): HTMLElement {
    // A shadow root only for the theme tokens on :host; the list itself lives in light DOM.
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root, (this.constructor as typeof ScpRefAutocomplete).elementStyles);
    render(html`<slot></slot>`, root);
    return this;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    const root = this.getRootNode() as Document | ShadowRoot;
    const sheet = refAutocompleteStyles.styleSheet;
    if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.rootObserver?.disconnect();
    this.rootObserver = undefined;
    this.detach();
    this.close();
  }

  protected override updated(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('htmlFor') || changed.has('field') || !this.attached) this.attach();
    this.syncAria();
  }

  private findField(): Field | undefined {
    if (this.field) return this.field;
    if (!this.htmlFor || !this.isConnected) return undefined;
    const el = (this.getRootNode() as Document | ShadowRoot).getElementById(this.htmlFor);
    return el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el : undefined;
  }

  private attach(): void {
    const next = this.findField();
    if (!next) {
      // The field may be rendered after this element: look again when the tree changes.
      if (!this.rootObserver && this.htmlFor && this.isConnected) {
        this.rootObserver = new MutationObserver(() => {
          if (!this.findField()) return;
          this.rootObserver?.disconnect();
          this.rootObserver = undefined;
          this.attach();
          this.syncAria();
        });
        this.rootObserver.observe(this.getRootNode(), { childList: true, subtree: true });
      }
    }
    if (next === this.attached) return;
    this.detach();
    if (this.open) this.close();
    if (!next) return;
    this.attached = next;
    for (const a of ['role', 'aria-autocomplete', 'aria-controls', 'aria-expanded', 'aria-activedescendant']) this.saved.set(a, next.getAttribute(a));
    next.addEventListener('keydown', this.onKeydown as EventListener, true);
    next.addEventListener('input', this.onInput);
    next.addEventListener('click', this.onCaretMove);
    next.addEventListener('keyup', this.onKeyup as EventListener);
    next.addEventListener('blur', this.onBlur);
  }

  private detach(): void {
    const f = this.attached;
    if (!f) return;
    f.removeEventListener('keydown', this.onKeydown as EventListener, true);
    f.removeEventListener('input', this.onInput);
    f.removeEventListener('click', this.onCaretMove);
    f.removeEventListener('keyup', this.onKeyup as EventListener);
    f.removeEventListener('blur', this.onBlur);
    for (const [a, v] of this.saved) v === null ? f.removeAttribute(a) : f.setAttribute(a, v);
    this.saved.clear();
    this.attached = undefined;
  }

  /** The combobox attributes on the field (a textarea may not take the combobox role). */
  private syncAria(): void {
    const f = this.attached;
    if (!f) return;
    const listId = `${this.uid}-list`;
    const showing = this.open && this.suggestions.length > 0;
    if (f instanceof HTMLInputElement) {
      f.setAttribute('role', 'combobox');
      f.setAttribute('aria-expanded', String(showing));
    }
    f.setAttribute('aria-autocomplete', 'list');
    f.setAttribute('aria-controls', listId);
    if (showing) f.setAttribute('aria-activedescendant', this.optionId(this.active));
    else f.removeAttribute('aria-activedescendant');
  }

  private optionId(i: number): string {
    return `${this.uid}-opt-${i}`;
  }

  private clearTimer(): void {
    if (this.timer !== undefined) { clearTimeout(this.timer); this.timer = undefined; }
  }

  /** Read the token at the caret and ask for its suggestions (kinds at once, items debounced). */
  private evaluate(): void {
    const f = this.attached;
    const caret = f?.selectionStart ?? null;
    const token = f && caret !== null && caret === f.selectionEnd ? refTokenAt(f.value, caret) : undefined;
    const before = this.token;
    this.token = token;
    if (!token) { this.dismissedAt = undefined; this.close(); return; }
    const key = `${token.start}:${token.query}`;
    if (this.dismissedAt === key) return;
    this.dismissedAt = undefined;
    if (this.open && before && before.start === token.start && before.query === token.query) return;
    this.clearTimer();
    const isKinds = !token.query.includes(':');
    if (isKinds) { this.fetch(token.query); return; }
    this.pending = true;
    this.open = true;
    this.timer = setTimeout(() => { this.timer = undefined; this.fetch(token.query); }, this.debounce);
  }

  private fetch(query: string): void {
    const client = this.scp.client;
    this.abort?.abort();
    if (!client) { this.close(); return; }
    const abort = (this.abort = new AbortController());
    this.pending = true;
    this.open = true;
    this.request = client.refs.autocomplete(query, { signal: abort.signal, limit: this.limit }).then((items) => {
      if (abort.signal.aborted) return;
      this.suggestions = SECTION_ORDER.flatMap((s) => items.filter((i) => i.section === s))
        .concat(items.filter((i) => !SECTION_ORDER.includes(i.section)));
      this.active = 0;
      this.failure = '';
      this.pending = false;
    }, (error: unknown) => {
      if (abort.signal.aborted) return;
      this.suggestions = [];
      this.pending = false;
      const detail = error instanceof Error ? error.message : String(error);
      this.failure = this.t('acFailed', { detail });
      this.dispatchEvent(new ScpActionErrorEvent({ action: 'search', ids: [], error, message: this.failure }));
    });
  }

  /** Insert suggestion `i` in place of the typed token. */
  pick(i: number = this.active): void {
    const s = this.suggestions[i];
    const f = this.attached;
    const token = this.token;
    if (!s || !f || !token) return;
    const ref = text(s.ref);
    const next = replaceToken(f.value, token, ref);
    f.value = next.text;
    f.setSelectionRange(next.caret, next.caret);
    f.focus();
    this.close();
    this.token = undefined;
    f.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText', data: ref }));
    this.dispatchEvent(new ScpRefPickedEvent({ ref, suggestion: s }));
  }

  private readonly onInput = (ev: Event) => {
    // Our own insertion of a kind (`@audit:`) re-evaluates too, which opens its items.
    if (ev instanceof InputEvent && ev.isComposing) return;
    this.evaluate();
  };

  private readonly onCaretMove = () => this.evaluate();

  private readonly onKeyup = (ev: KeyboardEvent) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(ev.key)) this.evaluate();
  };

  private readonly onBlur = () => {
    this.close();
  };

  private readonly onKeydown = (ev: KeyboardEvent) => {
    if (!this.open || ev.isComposing || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const n = this.suggestions.length;
    const consume = () => { ev.preventDefault(); ev.stopImmediatePropagation(); };
    switch (ev.key) {
      case 'ArrowDown':
        if (!n) return;
        consume();
        this.active = (this.active + 1) % n;
        break;
      case 'ArrowUp':
        if (!n) return;
        consume();
        this.active = (this.active - 1 + n) % n;
        break;
      case 'Enter':
      case 'Tab':
        if (!n || ev.shiftKey) return;
        consume();
        this.pick(this.active);
        break;
      case 'Escape': {
        consume();
        const t = this.token;
        this.dismissedAt = t ? `${t.start}:${t.query}` : undefined;
        this.close();
        break;
      }
      default:
    }
  };

  private readonly onOptionDown = (ev: MouseEvent) => {
    // Keep the focus (and caret) in the field while the pointer is on the list.
    ev.preventDefault();
  };

  private readonly onOptionClick = (ev: MouseEvent) => {
    const el = (ev.target as Element).closest('[role="option"]');
    const i = el ? Number(el.getAttribute('data-index')) : NaN;
    if (Number.isInteger(i)) this.pick(i);
  };

  private sectionLabel(section: Section): string {
    const t = this.t;
    switch (section) {
      case 'kinds': return t('acSectionKinds');
      case 'saved': return t('acSectionSaved');
      case 'unsaved': return t('acSectionUnsaved');
      case 'log': return t('acSectionLog');
      case 'runs': return t('acSectionRuns');
      default: return text(section);
    }
  }


  protected override render() {
    const t = this.t;
    const listId = `${this.uid}-list`;
    const items = this.suggestions;
    const showing = this.open && items.length > 0;
    const groups = SECTION_ORDER.map((s) => ({ s, idx: items.flatMap((it, i) => (it.section === s ? [i] : [])) }))
      .filter((g) => g.idx.length > 0);
    const other = items.flatMap((it, i) => (SECTION_ORDER.includes(it.section) ? [] : [i]));
    const option = (i: number) => {
      const s = items[i]!;
      const status = show(s.status);
      return html`<div role="option" id=${this.optionId(i)} data-index=${i} class="option" aria-selected=${i === this.active ? 'true' : 'false'}
          @mousedown=${this.onOptionDown} @click=${this.onOptionClick}>
        <span class="icon" aria-hidden="true">${show(s.icon)}</span>
        <span class="text"><bdi class="label">${show(s.label)}</bdi>${show(s.detail) ? html`<bdi class="detail">${show(s.detail)}</bdi>` : nothing}</span>
        ${status ? html`<span class="status" data-status=${status}>${this.statusWord(status)}</span>` : nothing}
      </div>`;
    };
    const note = this.failure || (this.pending && this.open ? t('acSearching')
      : this.open && !items.length && this.token ? t('acNoMatches', { query: this.token.query }) : '');
    return html`<div class="scp-ref-ac-popup" ?hidden=${!this.open}>
        <div id=${listId} role="listbox" aria-label=${t('acListLabel')} ?hidden=${!showing}>
          ${groups.map(({ s, idx }) => html`<div role="group" aria-labelledby=${`${this.uid}-g-${s}`}>
            <div class="group-label" id=${`${this.uid}-g-${s}`} role="presentation">${this.sectionLabel(s)}</div>
            ${idx.map(option)}
          </div>`)}
          ${other.map(option)}
        </div>
        ${note ? html`<div class="note" dir="auto" data-kind=${this.failure ? 'error' : this.pending ? 'pending' : 'empty'}>${note}</div>` : nothing}
        ${showing ? html`<div class="hint" aria-hidden="true" dir="auto">${t('acHint')}</div>` : nothing}
      </div>
      <div class="scp-ref-ac-status" role="status">${showing ? t('acCount', { count: items.length }) : ''}</div>`;
  }
}
