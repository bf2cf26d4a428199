import { html, nothing, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ScpElement } from '../internal/scp-element.js';
import { displayText } from '../internal/text.js';
import { hostStyles } from '../styles/host.styles.js';
import { jsonTreeStyles } from './json-tree.styles.js';

const MAX_DEPTH = 64;
const MAX_STRING = 500;

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;
const childPath = (path: string, key: string) => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

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
  static override styles = [hostStyles, jsonTreeStyles];

  /** The value to show (any JSON). */
  @property({ attribute: false }) accessor value: unknown = undefined;
  /** Accessible name of the tree. */
  @property() accessor label = '';
  /** Children of an array or object shown per "show more" step. */
  @property({ type: Number, attribute: 'page-size' }) accessor pageSize = 100;

  /** Paths of expanded containers (`''` is the root). */
  @state() private accessor expanded = new Set<string>(['']);
  /** How many children each container path shows. */
  @state() private accessor shown = new Map<string, number>();

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('value')) {
      this.expanded = new Set(['']);
      this.shown = new Map();
    }
  }

  private toggle(path: string, ev: Event) {
    const open = (ev.currentTarget as HTMLDetailsElement).open;
    if (open === this.expanded.has(path)) return;
    const next = new Set(this.expanded);
    if (open) next.add(path); else next.delete(path);
    this.expanded = next;
  }

  private showMore(path: string) {
    const next = new Map(this.shown);
    next.set(path, (next.get(path) ?? this.pageSize) + this.pageSize);
    this.shown = next;
  }

  private leaf(value: unknown): TemplateResult {
    if (typeof value === 'string') {
      const cut = value.length > MAX_STRING;
      return html`<span part="value" data-type="string">"${displayText(value.slice(0, MAX_STRING), MAX_STRING)}"</span>${cut
        ? html`<span part="meta">${this.t('jsonTruncatedString', { count: value.length - MAX_STRING })}</span>` : nothing}`;
    }
    const type = value === null ? 'null' : typeof value;
    return html`<span part="value" data-type=${type}>${value === undefined ? 'undefined' : displayText(value)}</span>`;
  }

  private node(path: string, key: string | undefined, value: unknown, depth: number): TemplateResult {
    const keyPart = key === undefined ? nothing : html`<span part="key">${displayText(key, 200)}</span>: `;
    if (!isContainer(value) || depth >= MAX_DEPTH) {
      return html`${keyPart}${isContainer(value) ? html`<span part="meta">…</span>` : this.leaf(value)}`;
    }
    const isArray = Array.isArray(value);
    const keys = isArray ? null : Object.keys(value);
    const size = isArray ? value.length : keys!.length;
    const meta = isArray ? `[ ] ${this.t('jsonItems', { count: size })}` : `{ } ${this.t('jsonKeys', { count: size })}`;
    if (size === 0) return html`${keyPart}<span part="meta">${isArray ? '[ ]' : '{ }'}</span>`;
    const open = this.expanded.has(path);
    let children: unknown = nothing;
    if (open) {
      const limit = Math.min(size, this.shown.get(path) ?? this.pageSize);
      const items: TemplateResult[] = [];
      for (let i = 0; i < limit; i++) {
        const k = isArray ? String(i) : keys![i]!;
        const v = isArray ? value[i] : (value as Record<string, unknown>)[k];
        items.push(html`<li>${this.node(childPath(path, k), k, v, depth + 1)}</li>`);
      }
      children = html`<ul>${items}</ul>${limit < size
        ? html`<button part="more" type="button" @click=${() => this.showMore(path)}>${this.t('jsonShowMore', { shown: limit, total: size })}</button>`
        : nothing}`;
    }
    return html`<details ?open=${open} @toggle=${(e: Event) => this.toggle(path, e)}>
      <summary>${keyPart}<span part="meta">${meta}</span></summary>${children}</details>`;
  }

  protected override render() {
    return html`<div part="base" role="group" aria-label=${this.label || this.t('jsonTreeLabel')}>${this.node('', undefined, this.value, 0)}</div>`;
  }
}
