import { css, html } from 'lit';
import { property } from 'lit/decorators.js';
import { ScpElement } from '../internal/scp-element.js';
import { hostStyles } from '../styles/host.styles.js';

/**
 * A collapsible, read-only view of any JSON value. Only expanded branches are rendered, long
 * arrays and objects show `page-size` children at a time, long strings are cut; everything is text.
 *
 * @summary Collapsible JSON tree (text only, paged).
 * @tag scp-json-tree
 * @csspart base - The root list.
 * @csspart key - A property name or index.
 * @csspart value - A primitive value.
 * @csspart meta - The size hint of an object or array.
 * @csspart more - The "show more" button of a long array or object.
 * @cssproperty --scp-json-key - Colour of keys.
 * @cssproperty --scp-json-string - Colour of strings.
 * @cssproperty --scp-json-number - Colour of numbers and booleans.
 */
export class ScpJsonTree extends ScpElement {
  // The tree itself (templates, expand and "show more", its styles) is the part
  // <scp-json-tree-body>, loaded on first connection; the host's box and font are set here so
  // it holds its place meanwhile.
  static override styles = [
    hostStyles,
    css`
    :host { display: block; font-family: var(--scp-font-mono, ui-monospace, Menlo, Consolas, monospace); font-size: 0.8125rem; }
  `,
  ];

  /** The value to show (any JSON). */
  @property({ attribute: false }) accessor value: unknown = undefined;
  /** Accessible name of the tree. */
  @property() accessor label = '';
  /** Children of an array or object shown per "show more" step. */
  @property({ type: Number, attribute: 'page-size' }) accessor pageSize = 100;

  override connectedCallback(): void {
    super.connectedCallback();
    this.usePart('scp-json-tree-body', () => import('./json-tree.part.js'));
  }

  protected override render() {
    return html`<scp-json-tree-body .value=${this.value} .label=${this.label}
      .pageSize=${this.pageSize} .t=${this.t}></scp-json-tree-body>`;
  }
}
