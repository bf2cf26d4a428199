import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { property, state } from 'lit/decorators.js';
import { ScpPart } from '../internal/scp-part.js';
import { displayText } from '../internal/text.js';
import { jsonTreeStyles } from './json-tree.styles.js';

const MAX_DEPTH = 64;
const MAX_STRING = 500;

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;
const childPath = (path: string, key: string) => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/**
 * The tree of <scp-json-tree>, loaded on the element's first connection: only expanded branches
 * are rendered, every value as text. Which containers are open and how many children each shows
 * are its own state, reset when the value changes.
 */
export class ScpJsonTreeBody extends ScpPart {
  static override styles = [jsonTreeStyles];

  @property({ attribute: false }) accessor value: unknown = undefined;
  @property({ attribute: false }) accessor label = '';
  @property({ attribute: false }) accessor pageSize = 100;

  /** Paths of expanded containers (`''` is the root). */
  @state() private accessor expanded = new Set<string>(['']);
  /** How many children each container path shows. */
  @state() private accessor shown = new Map<string, number>();

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('value')) {
      this.expanded = new Set(['']);
      this.shown = new Map();
    }
  }

  private toggle(path: string, ev: Event): void {
    const open = (ev.currentTarget as HTMLDetailsElement).open;
    if (open === this.expanded.has(path)) return;
    const next = new Set(this.expanded);
    if (open) next.add(path);
    else next.delete(path);
    this.expanded = next;
  }

  private showMore(path: string): void {
    const next = new Map(this.shown);
    next.set(path, (next.get(path) ?? this.pageSize) + this.pageSize);
    this.shown = next;
  }

  private leaf(value: unknown): TemplateResult {
    if (typeof value === 'string') {
      const cut = value.length > MAX_STRING;
      return html`<span part="value" data-type="string">"${displayText(value.slice(0, MAX_STRING), MAX_STRING)}"</span>${
        cut
          ? html`<span part="meta">${this.t('jsonTruncatedString', { count: value.length - MAX_STRING })}</span>`
          : nothing
      }`;
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
      children = html`<ul>${items}</ul>${
        limit < size
          ? html`<button part="more" type="button" @click=${() => this.showMore(path)}>${this.t('jsonShowMore', { shown: limit, total: size })}</button>`
          : nothing
      }`;
    }
    return html`<details ?open=${open} @toggle=${(e: Event) => this.toggle(path, e)}>
    <summary>${keyPart}<span part="meta">${meta}</span></summary>${children}</details>`;
  }

  protected override render(): TemplateResult {
    return html`<div part="base" role="group" aria-label=${this.label || this.t('jsonTreeLabel')}>${this.node('', undefined, this.value, 0)}</div>`;
  }
}

if (!customElements.get('scp-json-tree-body')) customElements.define('scp-json-tree-body', ScpJsonTreeBody);

declare global {
  interface HTMLElementTagNameMap {
    'scp-json-tree-body': ScpJsonTreeBody;
  }
}
