import { LitElement } from 'lit';
import { property } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import { hostStyles } from '../styles/host.styles.js';
import { formatters, localeOf, type Formatters } from './format.js';
import { messagesFor, onScpMessagesChange, scpMessagesVersion, translator, type ScpMessageOverrides, type Translate } from './messages.js';

const connected = new Set<ScpElement>();
let langObserver: MutationObserver | undefined;

function rerenderAll() {
  for (const el of connected) el.requestUpdate();
}

onScpMessagesChange(rerenderAll);

/**
 * What every `scp-*` element shares: the `client` and `strings` properties, the message
 * translator and `Intl` formatters for the element's locale, and re-rendering when the page's
 * language or messages change.
 */
export class ScpElement extends LitElement {
  static override styles = [hostStyles];

  /** The client to use; when unset the nearest `provideScpClient` ancestor's is used. */
  @property({ attribute: false }) accessor client: ScpClient | undefined = undefined;
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

  /** A run or scan status as a word in the page's language (never colour alone). */
  protected statusWord(status: string): string {
    const t = this.t;
    switch (status) {
      case 'ok': return t('statusOk');
      case 'failed': return t('statusFailed');
      case 'partial': return t('statusPartial');
      case 'running': return t('statusRunning');
      case 'error': return t('statusError');
      case 'cancelled': return t('statusCancelled');
      case 'abandoned': return t('statusAbandoned');
      case 'skipped': return t('statusSkipped');
      default: return t('statusUnknown', { status });
    }
  }

  private translation: { locale: string; strings: ScpMessageOverrides | undefined; version: number; t: Translate } | undefined;

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
