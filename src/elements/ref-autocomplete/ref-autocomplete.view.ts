// What <scp-ref-autocomplete> does once loaded: watches its field (keys, caret, typing), asks the
// core for suggestions and renders the list. Loaded on the element's first connection; the public
// state (open, suggestions, active) and the lookup bookkeeping stay on the element.
import { html, nothing, type TemplateResult } from 'lit';
import type { Suggestion } from '../../core/schemas/ref.js';
import { ScpRefPickedEvent } from '../events/ref-picked-event.js';
import { statusWord } from '../internal/status.js';
import { displayText } from '../internal/text.js';
import type { ScpRefAutocomplete } from './ref-autocomplete.js';
import { refAutocompleteStyles } from './ref-autocomplete.styles.js';
import { refTokenAt, replaceToken, type RefToken } from './ref-token.js';
import { reportError, userErrorText } from '../internal/errors.js';

type Field = HTMLTextAreaElement | HTMLInputElement;
type Section = Suggestion['section'];

const SECTION_ORDER: readonly Section[] = ['kinds', 'saved', 'unsaved', 'log', 'runs'];
const text = (v: unknown): string => (typeof v === 'string' ? v : '');
/** Text for display: never an object, bidi controls made visible. */
const show = (v: unknown): string => displayText(text(v));

/** Per element: the field it watches and what it has to remember about it. */
interface Watch {
  attached: Field | undefined;
  /** The field's own ARIA attributes, put back when it is let go. */
  saved: Map<string, string | null>;
  token: RefToken | undefined;
  dismissedAt: string | undefined;
  rootObserver: MutationObserver | undefined;
  on: {
    keydown: (ev: KeyboardEvent) => void;
    input: (ev: Event) => void;
    caret: () => void;
    keyup: (ev: KeyboardEvent) => void;
    blur: () => void;
  };
}

const watches = new WeakMap<ScpRefAutocomplete, Watch>();

function watchOf(host: ScpRefAutocomplete): Watch {
  let w = watches.get(host);
  if (!w) {
    w = {
      attached: undefined,
      saved: new Map(),
      token: undefined,
      dismissedAt: undefined,
      rootObserver: undefined,
      on: {
        keydown: (ev) => onKeydown(host, ev),
        // Our own insertion of a kind (`@audit:`) re-evaluates too, which opens its items.
        input: (ev) => {
          if (!(ev instanceof InputEvent && ev.isComposing)) evaluate(host);
        },
        caret: () => evaluate(host),
        keyup: (ev) => {
          if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(ev.key)) evaluate(host);
        },
        blur: () => host.close(),
      },
    };
    watches.set(host, w);
  }
  return w;
}

/** @internal Add the list's styles to the document or shadow root the element is in. */
export function connected(host: ScpRefAutocomplete): void {
  if (!host.isConnected) return;
  const root = host.getRootNode() as Document | ShadowRoot;
  const sheet = refAutocompleteStyles.styleSheet;
  if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** @internal */
export function disconnected(host: ScpRefAutocomplete): void {
  const w = watchOf(host);
  w.rootObserver?.disconnect();
  w.rootObserver = undefined;
  detach(host);
}

/**
 * @internal Before rendering: attach to the field (again) when it may have changed, so what
 * attaching reads from the field is part of this render.
 */
export function willUpdate(host: ScpRefAutocomplete, changed: Map<PropertyKey, unknown>): void {
  if (changed.has('htmlFor') || changed.has('field') || !watchOf(host).attached) attach(host);
}

function findField(host: ScpRefAutocomplete): Field | undefined {
  if (host.field) return host.field;
  if (!host.htmlFor || !host.isConnected) return undefined;
  const el = (host.getRootNode() as Document | ShadowRoot).getElementById(host.htmlFor);
  return el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el : undefined;
}

function attach(host: ScpRefAutocomplete): void {
  const w = watchOf(host);
  const next = findField(host);
  if (!next) {
    // The field may be rendered after this element: look again when the tree changes.
    if (!w.rootObserver && host.htmlFor && host.isConnected) {
      w.rootObserver = new MutationObserver(() => {
        if (!findField(host)) return;
        w.rootObserver?.disconnect();
        w.rootObserver = undefined;
        attach(host);
        syncAria(host);
      });
      w.rootObserver.observe(host.getRootNode(), { childList: true, subtree: true });
    }
  }
  if (next === w.attached) return;
  detach(host);
  if (host.open) host.close();
  if (!next) return;
  w.attached = next;
  for (const a of ['role', 'aria-autocomplete', 'aria-controls', 'aria-expanded', 'aria-activedescendant'])
    w.saved.set(a, next.getAttribute(a));
  next.addEventListener('keydown', w.on.keydown as EventListener, true);
  next.addEventListener('input', w.on.input);
  next.addEventListener('click', w.on.caret);
  next.addEventListener('keyup', w.on.keyup as EventListener);
  next.addEventListener('blur', w.on.blur);
  // Someone may already be typing in it (before this view loaded): pick up from the caret.
  if (next.matches(':focus')) evaluate(host);
}

function detach(host: ScpRefAutocomplete): void {
  const w = watchOf(host);
  const f = w.attached;
  if (!f) return;
  f.removeEventListener('keydown', w.on.keydown as EventListener, true);
  f.removeEventListener('input', w.on.input);
  f.removeEventListener('click', w.on.caret);
  f.removeEventListener('keyup', w.on.keyup as EventListener);
  f.removeEventListener('blur', w.on.blur);
  for (const [a, v] of w.saved) v === null ? f.removeAttribute(a) : f.setAttribute(a, v);
  w.saved.clear();
  w.attached = undefined;
}

/** @internal The combobox attributes on the field (a textarea may not take the combobox role). */
export function syncAria(host: ScpRefAutocomplete): void {
  const f = watchOf(host).attached;
  if (!f) return;
  const listId = `${host.uid}-list`;
  const showing = host.open && host.suggestions.length > 0;
  if (f instanceof HTMLInputElement) {
    f.setAttribute('role', 'combobox');
    f.setAttribute('aria-expanded', String(showing));
  }
  f.setAttribute('aria-autocomplete', 'list');
  f.setAttribute('aria-controls', listId);
  if (showing) f.setAttribute('aria-activedescendant', optionId(host, host.active));
  else f.removeAttribute('aria-activedescendant');
}

function optionId(host: ScpRefAutocomplete, i: number): string {
  return `${host.uid}-opt-${i}`;
}

/** Read the token at the caret and ask for its suggestions (kinds at once, items debounced). */
function evaluate(host: ScpRefAutocomplete): void {
  const w = watchOf(host);
  const f = w.attached;
  const caret = f?.selectionStart ?? null;
  const token = f && caret !== null && caret === f.selectionEnd ? refTokenAt(f.value, caret) : undefined;
  const before = w.token;
  w.token = token;
  if (!token) {
    w.dismissedAt = undefined;
    host.close();
    return;
  }
  const key = `${token.start}:${token.query}`;
  if (w.dismissedAt === key) return;
  w.dismissedAt = undefined;
  if (host.open && before && before.start === token.start && before.query === token.query) return;
  host.clearTimer();
  const isKinds = !token.query.includes(':');
  if (isKinds) {
    fetch(host, token.query);
    return;
  }
  host.pending = true;
  host.open = true;
  host.timer = setTimeout(() => {
    host.timer = undefined;
    fetch(host, token.query);
  }, host.debounce);
}

function fetch(host: ScpRefAutocomplete, query: string): void {
  const client = host.scp.client;
  host.abort?.abort();
  if (!client) {
    host.close();
    return;
  }
  const abort = new AbortController();
  host.abort = abort;
  host.pending = true;
  host.open = true;
  host.request = client.refs.autocomplete(query, { signal: abort.signal, limit: host.limit }).then(
    (items) => {
      if (abort.signal.aborted) return;
      host.suggestions = SECTION_ORDER.flatMap((s) => items.filter((i) => i.section === s)).concat(
        items.filter((i) => !SECTION_ORDER.includes(i.section)),
      );
      host.active = 0;
      host.failure = '';
      host.pending = false;
    },
    (error: unknown) => {
      if (abort.signal.aborted) return;
      host.suggestions = [];
      host.pending = false;
      host.failure = host.t('acFailed', { detail: userErrorText(error, host.t) });
      reportError(host, { action: 'search', ids: [], error, message: host.failure });
    },
  );
}

/** @internal Insert suggestion `i` in place of the typed token. */
export function pick(host: ScpRefAutocomplete, i: number): void {
  const w = watchOf(host);
  const s = host.suggestions[i];
  const f = w.attached;
  const token = w.token;
  if (!s || !f || !token) return;
  const ref = text(s.ref);
  const next = replaceToken(f.value, token, ref);
  f.value = next.text;
  f.setSelectionRange(next.caret, next.caret);
  f.focus();
  host.close();
  w.token = undefined;
  f.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertReplacementText', data: ref }));
  host.dispatchEvent(new ScpRefPickedEvent({ ref, suggestion: s }));
}

function onKeydown(host: ScpRefAutocomplete, ev: KeyboardEvent): void {
  if (!host.open || ev.isComposing || ev.altKey || ev.ctrlKey || ev.metaKey) return;
  const n = host.suggestions.length;
  const consume = () => {
    ev.preventDefault();
    ev.stopImmediatePropagation();
  };
  switch (ev.key) {
    case 'ArrowDown':
      if (!n) return;
      consume();
      host.active = (host.active + 1) % n;
      break;
    case 'ArrowUp':
      if (!n) return;
      consume();
      host.active = (host.active - 1 + n) % n;
      break;
    case 'Enter':
    case 'Tab':
      if (!n || ev.shiftKey) return;
      consume();
      pick(host, host.active);
      break;
    case 'Escape': {
      consume();
      const w = watchOf(host);
      const t = w.token;
      w.dismissedAt = t ? `${t.start}:${t.query}` : undefined;
      host.close();
      break;
    }
    default:
  }
}

// Keep the focus (and caret) in the field while the pointer is on the list.
const onOptionDown = (ev: MouseEvent) => ev.preventDefault();

// Lit calls template listeners with `this` set to the element rendering them.
function onOptionClick(this: ScpRefAutocomplete, ev: MouseEvent): void {
  const el = (ev.target as Element).closest('[role="option"]');
  const i = el ? Number(el.getAttribute('data-index')) : NaN;
  if (Number.isInteger(i)) pick(this, i);
}

function sectionLabel(host: ScpRefAutocomplete, section: Section): string {
  const t = host.t;
  switch (section) {
    case 'kinds':
      return t('acSectionKinds');
    case 'saved':
      return t('acSectionSaved');
    case 'unsaved':
      return t('acSectionUnsaved');
    case 'log':
      return t('acSectionLog');
    case 'runs':
      return t('acSectionRuns');
    default:
      return text(section);
  }
}

/** @internal The list (in light DOM), its note and hint, and the live count. */
export function render(host: ScpRefAutocomplete): TemplateResult {
  const t = host.t;
  const uid = host.uid;
  const listId = `${uid}-list`;
  const items = host.suggestions;
  const token = watchOf(host).token;
  const showing = host.open && items.length > 0;
  const groups = SECTION_ORDER.map((s) => ({ s, idx: items.flatMap((it, i) => (it.section === s ? [i] : [])) })).filter(
    (g) => g.idx.length > 0,
  );
  const other = items.flatMap((it, i) => (SECTION_ORDER.includes(it.section) ? [] : [i]));
  const option = (i: number) => {
    const s = items[i]!;
    const status = show(s.status);
    return html`<div role="option" id=${optionId(host, i)} data-index=${i} class="option" aria-selected=${i === host.active ? 'true' : 'false'}
        @mousedown=${onOptionDown} @click=${onOptionClick}>
      <span class="icon" aria-hidden="true">${show(s.icon)}</span>
      <span class="text"><bdi class="label">${show(s.label)}</bdi>${show(s.detail) ? html`<bdi class="detail">${show(s.detail)}</bdi>` : nothing}</span>
      ${status ? html`<span class="status" data-status=${status}>${statusWord(host.t, status)}</span>` : nothing}
    </div>`;
  };
  const note =
    host.failure ||
    (host.pending && host.open
      ? t('acSearching')
      : host.open && !items.length && token
        ? t('acNoMatches', { query: token.query })
        : '');
  return html`<div class="scp-ref-ac-popup" ?hidden=${!host.open}>
      <div id=${listId} role="listbox" aria-label=${t('acListLabel')} ?hidden=${!showing}>
        ${groups.map(
          ({ s, idx }) => html`<div role="group" aria-labelledby=${`${uid}-g-${s}`}>
          <div class="group-label" id=${`${uid}-g-${s}`} role="presentation">${sectionLabel(host, s)}</div>
          ${idx.map(option)}
        </div>`,
        )}
        ${other.map(option)}
      </div>
      ${note ? html`<div class="note" dir="auto" data-kind=${host.failure ? 'error' : host.pending ? 'pending' : 'empty'}>${note}</div>` : nothing}
      ${host.indexing && token?.query.includes(':') ? html`<div class="note" dir="auto" data-kind="indexing" role="status">${t('progressIndexing', host.indexing)}</div>` : nothing}
      ${showing ? html`<div class="hint" aria-hidden="true" dir="auto">${t('acHint')}</div>` : nothing}
    </div>
    <div class="scp-ref-ac-status" role="status">${showing ? t('acCount', { count: items.length }) : ''}</div>`;
}
