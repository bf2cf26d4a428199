import { adoptStyles, css, html, render } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { LedgerProgress } from '../../core/schemas/ledger.js';
import type { Suggestion } from '../../core/schemas/ref.js';
import { ScpClientController } from '../internal/client-controller.js';
import { LazyView } from '../internal/lazy-view.js';
import type { Translate } from '../internal/messages.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';

type Field = HTMLTextAreaElement | HTMLInputElement;
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
  // On the element itself (its shadow root holds only a slot). The list's styles, added to the
  // document or shadow root the element is in, come with the view.
  static override styles = [hostStyles, css`:host { display: block; position: relative; block-size: 0; }`];

  // Watching the field, the keys, the lookups and the list: loaded on first connection (see
  // LazyView). The field is attached once the view is in; what was typed meanwhile is read then.
  private readonly view = new LazyView(this, () => import('./ref-autocomplete.view.js'));

  /** @internal */
  readonly scp = new ScpClientController(this, {
    events: ['ledger:progress'],
    onClient: () => {
      this.indexing = undefined;
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
  /** @internal */
  @state() accessor pending = false;
  /** @internal */
  @state() accessor failure = '';
  /** @internal The ledger's read index is still catching up (suggestions are from what it has so far). */
  @state() accessor indexing: { indexed: number; total: number } | undefined = undefined;

  /** @internal */
  readonly uid = `scp-ref-ac-${++instances}`;
  /** @internal */
  timer: ReturnType<typeof setTimeout> | undefined;
  /** @internal */
  abort: AbortController | undefined;
  /** @internal */
  request: Promise<void> = Promise.resolve();

  /** Resolves once the suggestions for what was typed are shown. */
  async settled(): Promise<void> {
    // The first update (after the view loaded) may start a lookup for what was typed meanwhile.
    await this.updateComplete;
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

  /** Insert suggestion `i` in place of the typed token. */
  pick(i: number = this.active): void {
    // Without the view nothing has been suggested yet, so there is nothing to pick.
    this.view.module?.pick(this, i);
  }

  /** @internal The view reaches the element's messages through this. */
  override get t(): Translate {
    return super.t;
  }

  /** @internal */
  clearTimer(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
  }

  protected override createRenderRoot(): HTMLElement {
    // A shadow root only for the theme tokens on :host; the list itself lives in light DOM.
    const root = this.attachShadow({ mode: 'open' });
    adoptStyles(root, (this.constructor as typeof ScpRefAutocomplete).elementStyles);
    render(html`<slot></slot>`, root);
    return this;
  }

  protected override async scheduleUpdate(): Promise<void> {
    if (!this.view.module) await this.view.ready;
    await super.scheduleUpdate();
  }

  protected override render() {
    return this.view.module!.render(this);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.view.module?.connected(this);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.view.module?.disconnected(this);
    this.close();
  }

  protected override firstUpdated(): void {
    this.view.module!.connected(this);
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    this.view.module!.willUpdate(this, changed);
  }

  protected override updated(): void {
    this.view.module!.syncAria(this);
  }
}
