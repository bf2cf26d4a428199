import { adoptStyles, LitElement, supportsAdoptingStyleSheets } from 'lit';
import { property } from 'lit/decorators.js';
import type { Formatters } from './format.js';
import type { Translate } from './messages.js';

/**
 * The heavy part of an `scp-*` element (a dialog's body, a popup, a tree) as an element of its
 * own, whose module the host loads on first use (`ScpElement.usePart`), so it is not in what a
 * page loads up front. A part has no shadow root: it renders into its host's, so the host's CSS
 * parts, focus order and styles cover one tree. Its own styles join the host's shadow root when it
 * first connects. Data comes in as properties, the host's translator and formatters included;
 * what the user does goes out as events or as callbacks the host passes in.
 */
export class ScpPart extends LitElement {
  /** The host's translator (a new one when the page's language or messages change). */
  @property({ attribute: false }) accessor t: Translate = ((key: string) => key) as Translate;
  /** The host's formatters. */
  @property({ attribute: false }) accessor fmt: Formatters | undefined = undefined;

  /** The element this part belongs to: its events are the element's, dispatched on it. */
  protected get owner(): HTMLElement {
    const root = this.getRootNode();
    return root instanceof ShadowRoot ? (root.host as HTMLElement) : this;
  }

  /** Tags of the parts and elements this part renders, whose updates its `updateComplete` includes. */
  static inner: readonly string[] = [];

  protected override async getUpdateComplete(): Promise<boolean> {
    let done = await super.getUpdateComplete();
    for (const tag of (this.constructor as typeof ScpPart).inner) {
      for (const el of this.querySelectorAll(tag)) {
        done = ((await (el as Partial<LitElement>).updateComplete) ?? true) && done;
      }
    }
    return done;
  }

  protected override createRenderRoot(): HTMLElement {
    const root = this.getRootNode();
    if (root instanceof ShadowRoot) {
      const own = (this.constructor as typeof LitElement).elementStyles;
      if (supportsAdoptingStyleSheets) {
        const sheets = own.map((s) => (s instanceof CSSStyleSheet ? s : s.styleSheet!));
        const missing = sheets.filter((s) => !root.adoptedStyleSheets.includes(s));
        if (missing.length) root.adoptedStyleSheets = [...root.adoptedStyleSheets, ...missing];
      } else if (!root.querySelector(`style[data-scp-part="${this.localName}"]`)) {
        // Without constructable sheets Lit appends <style> elements (with the page's nonce).
        const before = root.querySelectorAll('style').length;
        adoptStyles(root, own);
        for (const s of [...root.querySelectorAll('style')].slice(before)) s.dataset.scpPart = this.localName;
      }
    }
    return this;
  }
}
