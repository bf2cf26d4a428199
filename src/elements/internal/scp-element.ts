import { LitElement, type ReactiveElement } from 'lit';
import { property } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import { hostStyles } from '../styles/host.styles.js';
import { formatters, localeOf, type Formatters } from './format.js';
import {
  messagesFor,
  onScpMessagesChange,
  scpMessagesVersion,
  translator,
  type ScpMessageOverrides,
  type Translate,
} from './messages.js';

const connected = new Set<ScpElement>();
let langObserver: MutationObserver | undefined;

/** Each part tag's module load, started once per page (`usePart`). */
const partLoads = new Map<string, Promise<unknown>>();

function rerenderAll() {
  for (const el of connected) el.requestUpdate();
}

onScpMessagesChange(rerenderAll);

/**
 * What every `scp-*` element shares: the `client` and `strings` properties, the message
 * translator and `Intl` formatters for the element's locale, and re-rendering when the page's
 * language or messages change, and the theme tokens below. Colours follow the page's
 * `color-scheme` (a page that does not opt into dark stays light); `theme` fixes one element's.
 *
 * @cssproperty --scp-color-text - Text colour (light #1f2328, dark #e6edf3).
 * @cssproperty --scp-color-text-muted - Secondary text: times, counts, hints (light #59636e, dark #9198a1).
 * @cssproperty --scp-color-surface - Background of dialogs, popovers, cards and lists (light #ffffff, dark #0d1117).
 * @cssproperty --scp-color-surface-muted - Background of buttons, headers and code (light #f6f8fa, dark #161b22).
 * @cssproperty --scp-color-border - Borders and separators (light #d0d7de, dark #3d444d).
 * @cssproperty --scp-color-accent - Primary buttons, focus rings, selection, links (light #0969da, dark #4493f8).
 * @cssproperty --scp-color-on-accent - Text on the accent colour (light #ffffff, dark #0d1117).
 * @cssproperty --scp-color-ok - Success: ok runs and audits (light #1a7f37, dark #3fb950).
 * @cssproperty --scp-color-danger - Failure and destructive actions (light #cf222e, dark #f85149).
 * @cssproperty --scp-color-warning - Partial results and warnings (light #9a6700, dark #d29922).
 * @cssproperty --scp-color-running - A run in progress (light #0969da, dark #4493f8).
 * @cssproperty --scp-radius - Corner radius of buttons, cards and dialogs (6px).
 * @cssproperty --scp-space - Base spacing unit (0.5rem).
 * @cssproperty --scp-shadow - Shadow of dialogs and popovers.
 * @cssproperty --scp-font-family - Font (system-ui).
 * @cssproperty --scp-font-size - Base font size (0.875rem).
 * @cssproperty --scp-font-mono - Font of ids, references and JSON (ui-monospace).
 */
export class ScpElement extends LitElement {
  static override styles = [hostStyles];

  /** The client to use; when unset the nearest `provideScpClient` ancestor's is used. */
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
  /**
   * `light` or `dark` fixes this element's colours; `auto` (the default) follows the page's
   * `color-scheme`, inherited like any CSS property.
   */
  @property({ reflect: true }) accessor theme: 'light' | 'dark' | 'auto' | undefined = undefined;
  /** Replacement strings for this element only (see `setScpMessages` for the page). */
  @property({ attribute: false }) accessor strings: ScpMessageOverrides | undefined = undefined;

  static override get observedAttributes(): string[] {
    // biome-ignore lint/complexity/noThisInStatic: Lit's getter must run with the subclass as `this`
    return [...super.observedAttributes, 'lang'];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang') this.requestUpdate();
  }

  /** The locale the element formats in (nearest `lang`, the document's, the browser's). */
  get locale(): string {
    return localeOf(this);
  }

  /** Formatters for the current locale. */
  protected get fmt(): Formatters {
    return formatters(this.locale);
  }

  /** `t(key, params)` over the messages for this element's locale. */
  protected get t(): Translate {
    const locale = this.locale;
    const version = scpMessagesVersion();
    const c = this.translation;
    if (c && c.locale === locale && c.strings === this.strings && c.version === version) return c.t;
    const t = translator(messagesFor(locale, this.strings), formatters(locale));
    this.translation = { locale, strings: this.strings, version, t };
    return t;
  }

  /** @internal Part tags this element renders (their modules started loading). */
  private readonly parts = new Set<string>();

  /**
   * @internal
   * Starts loading the module that defines the part element `tag` (once per page) and makes this
   * element's `updateComplete` wait for it and for the parts it rendered, so a settled element
   * shows everything. Until it is defined, the part's tag in the template is an empty element that
   * keeps the properties it was given and upgrades when its module arrives.
   */
  protected usePart(tag: string, load: () => Promise<unknown>): void {
    this.parts.add(tag);
    // A failed load is tried again by the next element that needs it (the stored promise never rejects).
    if (!partLoads.has(tag))
      partLoads.set(
        tag,
        load().catch(() => partLoads.delete(tag)),
      );
  }

  /** @internal Also waits for the parts (`usePart`). */
  protected override async getUpdateComplete(): Promise<boolean> {
    let done = await super.getUpdateComplete();
    for (const tag of this.parts) {
      await partLoads.get(tag);
      for (const part of this.renderRoot.querySelectorAll(tag)) {
        done = ((await (part as Partial<ReactiveElement>).updateComplete) ?? true) && done;
      }
    }
    return done;
  }

  private translation:
    | { locale: string; strings: ScpMessageOverrides | undefined; version: number; t: Translate }
    | undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    connected.add(this);
    if (!langObserver && typeof MutationObserver !== 'undefined') {
      langObserver = new MutationObserver(rerenderAll);
      langObserver.observe(document.documentElement, { attributes: true, attributeFilter: ['lang', 'dir'] });
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    connected.delete(this);
  }
}
