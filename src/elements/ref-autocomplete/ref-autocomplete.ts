import { adoptStyles, css, html, render } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { LedgerProgress } from '../../core/schemas/ledger.js';
import type { Suggestion } from '../../core/schemas/ref.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';
import type { ScpRefAutocompletePopup } from './ref-autocomplete.part.js';

type Field = HTMLTextAreaElement | HTMLInputElement;

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
  // On the element itself (its shadow root holds only a slot). Watching the field, the keys, the
  // lookups and the list are the part <scp-ref-autocomplete-popup>, loaded on first connection and
  // rendered in light DOM; the list's styles come with it. What was typed meanwhile is read then.
  static override styles = [hostStyles, css`:host { display: block; position: relative; block-size: 0; }`];

  private readonly scp = new ScpClientController(this, {
    events: ['ledger:progress'],
    onClient: () => {
      this.indexing = undefined;
      // The popup looks items up with the client it is given.
      this.requestUpdate();
    },
    // The ledger's read index catching up: suggestions come from what is indexed so far (newest
    // first), and the list says so. Nothing is reloaded.
    onEvent: (name, payload) => {
      const p = payload as LedgerProgress;
      if (name === 'ledger:progress' && p.op === 'index')
        this.indexing = p.phase === 'done' ? undefined : { indexed: p.loaded, total: p.total ?? p.loaded };
      return false;
    },
  });

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
  /** The ledger's read index is still catching up (suggestions are from what it has so far). */
  @state() private accessor indexing: { indexed: number; total: number } | undefined = undefined;
  /** `close()` was called before the popup's code was in. */
  @state() private accessor closedEarly = false;

  /** The popup part (a plain element until its module is in). */
  private get popup(): Partial<ScpRefAutocompletePopup> | null {
    return this.querySelector('scp-ref-autocomplete-popup');
  }

  /** Resolves once the suggestions for what was typed are shown. */
  async settled(): Promise<void> {
    // The popup's first update (once loaded) may start a lookup for what was typed meanwhile.
    await this.updateComplete;
    await this.popup?.settled?.();
    await this.updateComplete;
  }

  /** Close the list (the field keeps its text). */
  close(): void {
    const popup = this.popup;
    if (popup?.close) popup.close();
    else this.closedEarly = true;
  }

  /** Insert suggestion `i` in place of the typed token. */
  pick(i: number = this.active): void {
    // Without the popup nothing has been suggested yet, so there is nothing to pick.
    this.popup?.pick?.(this.suggestions[i]);
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
    this.usePart('scp-ref-autocomplete-popup', () => import('./ref-autocomplete.part.js'));
  }

  protected override render() {
    return html`<scp-ref-autocomplete-popup .client=${this.scp.client} .field=${this.field} .htmlFor=${this.htmlFor}
      .debounce=${this.debounce} .limit=${this.limit} .open=${this.open} .suggestions=${this.suggestions}
      .active=${this.active} .indexing=${this.indexing} .closedEarly=${this.closedEarly} .t=${this.t}
      .onChange=${this.onPopupChange}></scp-ref-autocomplete-popup>`;
  }

  /** The popup opened, closed, listed or moved: the element's state follows. */
  private readonly onPopupChange = (change: AutocompleteChange) => Object.assign(this, change);
}

/** A change of the list's state the popup reports to the element. */
export type AutocompleteChange = Partial<Pick<ScpRefAutocomplete, 'open' | 'suggestions' | 'active'>>;
