import { css } from 'lit';
import { property, state } from 'lit/decorators.js';
import { LazyView } from '../internal/lazy-view.js';
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
  // The class is the shell registered up front: properties, attributes and the tree's state. The
  // templates, the expand / "show more" handlers and the tree's styles are the view module,
  // fetched on first connection; the host's box and font are set here so it holds its place meanwhile.
  static override styles = [
    hostStyles,
    css`
    :host { display: block; font-family: var(--scp-font-mono, ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace); font-size: 0.8125rem; }
  `,
  ];

  /** @internal The view module (json-tree.view.ts). */
  private readonly view = new LazyView(this, () => import('./json-tree.view.js'));

  /** The value to show (any JSON). */
  @property({ attribute: false }) accessor value: unknown = undefined;
  /** Accessible name of the tree. */
  @property() accessor label = '';
  /** Children of an array or object shown per "show more" step. */
  @property({ type: Number, attribute: 'page-size' }) accessor pageSize = 100;

  /** @internal Paths of expanded containers (`''` is the root). */
  @state() accessor expanded = new Set<string>(['']);
  /** @internal How many children each container path shows. */
  @state() accessor shown = new Map<string, number>();

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('value')) {
      this.expanded = new Set(['']);
      this.shown = new Map();
    }
  }

  // The first update waits for the view module and its styles, so nothing renders half-built.
  protected override async scheduleUpdate(): Promise<void> {
    if (!this.hasUpdated) (await this.view.ready).adoptViewStyles(this);
    await super.scheduleUpdate();
  }

  protected override render() {
    return this.view.module!.render(this);
  }
}
