import { adoptStyles, html, nothing, supportsAdoptingStyleSheets, type TemplateResult } from 'lit';
import type { Translate } from '../internal/messages.js';
import { displayText } from '../internal/text.js';
import type { ScpJsonTree } from './json-tree.js';
import { jsonTreeStyles } from './json-tree.styles.js';

/*
 * The view of <scp-json-tree>: the tree's templates and styles, and the expand / "show more"
 * handlers. It is loaded on the element's first connection, so none of it is in the up-front
 * script. The expanded paths and page counts stay on the element; these functions read and set them.
 */

/** The element as its view sees it: with the base class's translator. */
type Host = ScpJsonTree & { readonly t: Translate };

const MAX_DEPTH = 64;
const MAX_STRING = 500;

const isContainer = (v: unknown): v is Record<string, unknown> | unknown[] => typeof v === 'object' && v !== null;
const childPath = (path: string, key: string) => `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;

/** @internal Adds the tree's styles to those the shell adopted when its shadow root was made. */
export function adoptViewStyles(host: ScpJsonTree): void {
  const own = [jsonTreeStyles];
  // Without constructable sheets Lit appended <style> elements: append only the new ones.
  adoptStyles(
    host.renderRoot as ShadowRoot,
    supportsAdoptingStyleSheets ? [...(host.constructor as typeof ScpJsonTree).elementStyles, ...own] : own,
  );
}

function toggle(host: ScpJsonTree, path: string, ev: Event): void {
  const open = (ev.currentTarget as HTMLDetailsElement).open;
  if (open === host.expanded.has(path)) return;
  const next = new Set(host.expanded);
  if (open) next.add(path);
  else next.delete(path);
  host.expanded = next;
}

function showMore(host: ScpJsonTree, path: string): void {
  const next = new Map(host.shown);
  next.set(path, (next.get(path) ?? host.pageSize) + host.pageSize);
  host.shown = next;
}

function leaf(host: Host, value: unknown): TemplateResult {
  if (typeof value === 'string') {
    const cut = value.length > MAX_STRING;
    return html`<span part="value" data-type="string">"${displayText(value.slice(0, MAX_STRING), MAX_STRING)}"</span>${
      cut
        ? html`<span part="meta">${host.t('jsonTruncatedString', { count: value.length - MAX_STRING })}</span>`
        : nothing
    }`;
  }
  const type = value === null ? 'null' : typeof value;
  return html`<span part="value" data-type=${type}>${value === undefined ? 'undefined' : displayText(value)}</span>`;
}

function node(host: Host, path: string, key: string | undefined, value: unknown, depth: number): TemplateResult {
  const keyPart = key === undefined ? nothing : html`<span part="key">${displayText(key, 200)}</span>: `;
  if (!isContainer(value) || depth >= MAX_DEPTH) {
    return html`${keyPart}${isContainer(value) ? html`<span part="meta">…</span>` : leaf(host, value)}`;
  }
  const isArray = Array.isArray(value);
  const keys = isArray ? null : Object.keys(value);
  const size = isArray ? value.length : keys!.length;
  const meta = isArray ? `[ ] ${host.t('jsonItems', { count: size })}` : `{ } ${host.t('jsonKeys', { count: size })}`;
  if (size === 0) return html`${keyPart}<span part="meta">${isArray ? '[ ]' : '{ }'}</span>`;
  const open = host.expanded.has(path);
  let children: unknown = nothing;
  if (open) {
    const limit = Math.min(size, host.shown.get(path) ?? host.pageSize);
    const items: TemplateResult[] = [];
    for (let i = 0; i < limit; i++) {
      const k = isArray ? String(i) : keys![i]!;
      const v = isArray ? value[i] : (value as Record<string, unknown>)[k];
      items.push(html`<li>${node(host, childPath(path, k), k, v, depth + 1)}</li>`);
    }
    children = html`<ul>${items}</ul>${
      limit < size
        ? html`<button part="more" type="button" @click=${() => showMore(host, path)}>${host.t('jsonShowMore', { shown: limit, total: size })}</button>`
        : nothing
    }`;
  }
  return html`<details ?open=${open} @toggle=${(e: Event) => toggle(host, path, e)}>
    <summary>${keyPart}<span part="meta">${meta}</span></summary>${children}</details>`;
}

/** @internal The tree: only expanded branches are rendered, every value as text. */
export function render(el: ScpJsonTree): TemplateResult {
  const host = el as Host;
  return html`<div part="base" role="group" aria-label=${host.label || host.t('jsonTreeLabel')}>${node(host, '', undefined, host.value, 0)}</div>`;
}
