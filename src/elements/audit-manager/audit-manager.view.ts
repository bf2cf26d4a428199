// The manager's view: the dialog's templates, its interaction code and its styles. Loaded on the
// element's first connection, so a page that never opens the manager loads none of it up front.
import { adoptStyles, html, nothing, supportsAdoptingStyleSheets, type PropertyValues, type TemplateResult } from 'lit';
import { repeat } from 'lit/directives/repeat.js';
import '../json-tree/scp-json-tree.js';
import type { ScpClient } from '../../core/client.js';
import type { AuditMeta, AuditSnapshot } from '../../core/schemas/audit.js';
import type { EntryMeta, LedgerProgress } from '../../core/schemas/ledger.js';
import type { ScpAction } from '../events/action-error-event.js';
import { ScpAuditsDiscardedEvent } from '../events/audits-discarded-event.js';
import { ScpAuditsSavedEvent } from '../events/audits-saved-event.js';
import { ScpDiscardRequestEvent } from '../events/discard-request-event.js';
import { ScpManagerToggleEvent } from '../events/manager-toggle-event.js';
import { ScpRefCopiedEvent } from '../events/ref-copied-event.js';
import { ScpSaveRequestEvent } from '../events/save-request-event.js';
import { cssProps } from '../internal/css-props.js';
import { closeIcon } from '../internal/icons.js';
import { displayText } from '../internal/text.js';
import { buttonStyles } from '../styles/host.styles.js';
import type { ManagerTab, ScpAuditManager } from './audit-manager.js';
import { auditManagerStyles, ROW_HEIGHT } from './audit-manager.styles.js';
import { reportError, userErrorText } from '../internal/errors.js';

/** All, one tab per category the host declared, Saved. */
function tabsOf(host: ScpAuditManager): ManagerTab[] {
  return ['all', ...(host.data.client?.cards.categories ?? []).map((c): ManagerTab => `category:${c}`), 'saved'];
}
const OVERSCAN = 6;
const SAVED_PAGE = 50;
const SEARCH_DEBOUNCE_MS = 250;

interface Busy {
  action: 'save' | 'discard';
  ids: string[];
}
type PreviewState =
  | { id: string; status: 'loading' }
  | { id: string; status: 'ready'; snapshot: AuditSnapshot }
  | { id: string; status: 'error'; message: string };
interface SavedState {
  query: string;
  entries: EntryMeta[];
  cursor?: string | undefined;
  loading: boolean;
  error?: string | undefined;
  /** The last page said the ledger's read index is still catching up (results are from what it has so far). */
  indexing?: { indexed: number; total: number } | undefined;
}
/** Pending rows per tab (all, and `category:<name>`). */
type Counts = Map<ManagerTab, number>;

/** @internal The open dialog's state, kept on the element (`host.ui`); `patch` changes it and re-renders. */
export interface ManagerUi {
  /** Ids the user unchecked: every other row counts as selected, so new rows arrive checked. */
  unchecked: Set<string>;
  listScroll: number;
  viewportHeight: number;
  focusIndex: number;
  busy: Busy | undefined;
  banner: string | undefined;
  announcement: string;
  preview: PreviewState | undefined;
  saved: SavedState;
  copyFallback: string | undefined;
  /** An index catch-up this tab's ledger reports on the bus (`ledger:progress`), until it is done. */
  indexEvent: { indexed: number; total: number } | undefined;
  /** The pending list was loaded since the dialog opened. */
  listLoaded: boolean;
  /** Not rendered: caches, timers and counters. */
  countCache: { rows: AuditMeta[]; card: string | undefined; counts: Counts } | undefined;
  previewAbort: AbortController | undefined;
  searchTimer: ReturnType<typeof setTimeout> | undefined;
  searchSeq: number;
  resizeObserver: ResizeObserver | undefined;
  announcedCount: number;
}

const ui = (host: ScpAuditManager): ManagerUi =>
  (host.ui ??= {
    unchecked: new Set(),
    listScroll: 0,
    viewportHeight: 480,
    focusIndex: -1,
    busy: undefined,
    banner: undefined,
    announcement: '',
    preview: undefined,
    saved: { query: '', entries: [], loading: false },
    copyFallback: undefined,
    indexEvent: undefined,
    listLoaded: false,
    countCache: undefined,
    previewAbort: undefined,
    searchTimer: undefined,
    searchSeq: 0,
    resizeObserver: undefined,
    announcedCount: -1,
  });

function patch(host: ScpAuditManager, changes: Partial<ManagerUi>): void {
  Object.assign(ui(host), changes);
  host.requestUpdate();
}

// The core's messages end with a full stop; the banner adds its own sentence after them.
// What the user reads (the error's own message, with the developer's hints, goes to the console).
const errorText = (host: ScpAuditManager, e: unknown) => userErrorText(e, host.i18n.t);

const dialogOf = (host: ScpAuditManager) => host.renderRoot.querySelector('dialog');
const viewportOf = (host: ScpAuditManager) => host.renderRoot.querySelector<HTMLElement>('.viewport');

/** @internal Adds the dialog's styles to those the shell adopted when its shadow root was made. */
export function adoptViewStyles(host: ScpAuditManager): void {
  const own = [buttonStyles, auditManagerStyles];
  // Without constructable sheets Lit appended <style> elements: append only the new ones.
  adoptStyles(
    host.renderRoot as ShadowRoot,
    supportsAdoptingStyleSheets ? [...(host.constructor as typeof ScpAuditManager).elementStyles, ...own] : own,
  );
}

// ---- lifecycle ----

/** @internal Before each render: closing forgets what was shown, opening refreshes the list. */
export function willUpdate(host: ScpAuditManager, changed: PropertyValues<ScpAuditManager>): void {
  if (changed.has('open') && !host.open && changed.get('open') === true) reset(host);
  if (changed.has('open') && host.open) void host.data.refresh();
  if (changed.has('tab') || changed.has('card'))
    Object.assign(ui(host), { listScroll: 0, focusIndex: -1, announcedCount: -1 });
}

/** Dialogs this element closed itself, whose close event is still to come. */
const closedByHost = new WeakSet<HTMLDialogElement>();

/** @internal After each render: shows or closes the native dialog, sizes the windowed list. */
export function updated(host: ScpAuditManager, changed: PropertyValues<ScpAuditManager>): void {
  const u = ui(host);
  const dialog = dialogOf(host);
  const viewport = viewportOf(host);
  if (changed.has('open') && dialog) {
    if (host.open && !dialog.open) {
      dialog.showModal();
      host.dispatchEvent(new ScpManagerToggleEvent({ open: true, card: host.card }));
    } else if (!host.open && dialog.open) {
      closedByHost.add(dialog);
      dialog.close();
    }
    if (!host.open && changed.get('open') === true) afterClose(host);
  }
  if (host.open && viewport && !u.resizeObserver) {
    u.resizeObserver = new ResizeObserver(([entry]) => {
      if (entry) patch(host, { viewportHeight: entry.contentRect.height || u.viewportHeight });
    });
    u.resizeObserver.observe(viewport);
  }
  if (!host.open && u.resizeObserver) {
    u.resizeObserver.disconnect();
    u.resizeObserver = undefined;
  }
  if ((changed.has('tab') || changed.has('card')) && viewport) viewport.scrollTop = 0;
  if (changed.has('tab') && host.tab === 'saved' && host.open && u.saved.entries.length === 0 && !u.saved.loading)
    void search(host, u.saved.query);
}

/** @internal The element left the document: stop observing and searching. */
export function disconnected(host: ScpAuditManager): void {
  const u = ui(host);
  u.resizeObserver?.disconnect();
  u.resizeObserver = undefined;
  clearTimeout(u.searchTimer);
}

// ---- data ----

/** @internal Lists the pending snapshots while the dialog is open. */
export async function load(host: ScpAuditManager, client: ScpClient, signal: AbortSignal): Promise<void> {
  if (!host.open) return;
  const rows = await client.staging.list();
  if (signal.aborted || !host.open) return;
  const u = ui(host);
  host.rows = rows;
  const present = new Set(rows.map((r) => r.snapshot_id));
  if ([...u.unchecked].some((id) => !present.has(id)))
    u.unchecked = new Set([...u.unchecked].filter((id) => present.has(id)));
  if (u.preview && !present.has(u.preview.id)) closePreview(host);
  patch(host, { listLoaded: true });
  // Announce the count when it changes (not on every refetch, which would talk over results).
  if (host.view.length !== u.announcedCount) {
    u.announcedCount = host.view.length;
    if (!u.busy) patch(host, { announcement: host.i18n.t('pendingCount', { count: host.view.length }) });
  }
}

/** @internal Forget everything shown (on close and on a client change): no stale rows next time. */
export function reset(host: ScpAuditManager): void {
  host.rows = [];
  closePreview(host);
  patch(host, {
    listLoaded: false,
    announcedCount: -1,
    unchecked: new Set(),
    banner: undefined,
    busy: undefined,
    announcement: '',
    saved: { query: '', entries: [], loading: false },
    copyFallback: undefined,
    indexEvent: undefined,
    focusIndex: -1,
    listScroll: 0,
    searchSeq: ui(host).searchSeq + 1,
  });
}

function afterClose(host: ScpAuditManager): void {
  host.dispatchEvent(new ScpManagerToggleEvent({ open: false, card: host.card }));
  const opener = host.opener;
  host.opener = null;
  if (opener?.isConnected) opener.focus();
}

function counts(host: ScpAuditManager): Counts {
  const u = ui(host);
  const c = u.countCache;
  if (c && c.rows === host.rows && c.card === host.card) return c.counts;
  const cards = host.data.client?.cards;
  const counts: Counts = new Map([['all', 0]]);
  for (const c of cards?.categories ?? []) counts.set(`category:${c}`, 0);
  for (const r of host.rows) {
    if (host.card && r.card_key !== host.card) continue;
    counts.set('all', counts.get('all')! + 1);
    const category = typeof r.card_key === 'string' ? cards?.category(r.card_key) : undefined;
    if (category !== undefined) counts.set(`category:${category}`, (counts.get(`category:${category}`) ?? 0) + 1);
  }
  u.countCache = { rows: host.rows, card: host.card, counts };
  return counts;
}

function label(host: ScpAuditManager, r: { card_key?: string | undefined }): string {
  const key = r.card_key ?? '';
  return displayText(host.data.client?.cardLabel(key) ?? key, 200);
}

/** "Security Posture (2), Testing and 3 more" for a banner: each card once, with its count. */
function itemsText(host: ScpAuditManager, ids: readonly string[]): string {
  const { t, fmt } = host.i18n;
  const byId = new Map(host.rows.map((r) => [r.snapshot_id, r]));
  const counts = new Map<string, number>();
  for (const id of ids) {
    const r = byId.get(id);
    const name = r ? label(host, r) : displayText(id, 120);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const names = [...counts].slice(0, 3).map(([name, n]) => (n > 1 ? `${name} (${fmt.number(n)})` : name));
  if (counts.size > 3) names.push(t('moreItems', { count: counts.size - 3 }));
  return fmt.list(names);
}

function fail(host: ScpAuditManager, action: ScpAction, ids: readonly string[], error: unknown, message: string): void {
  reportError(host, { action, ids, error, message });
}

// ---- actions ----

async function act(host: ScpAuditManager, action: 'save' | 'discard', ids: string[]): Promise<void> {
  const client = host.data.client;
  const { t } = host.i18n;
  if (!client || ids.length === 0 || ui(host).busy) return;
  const request = action === 'save' ? new ScpSaveRequestEvent({ ids }) : new ScpDiscardRequestEvent({ ids });
  if (!host.dispatchEvent(request)) {
    patch(host, { announcement: t('actionVetoed') });
    return;
  }
  patch(host, {
    busy: { action, ids },
    banner: undefined,
    announcement: action === 'save' ? t('saving', { count: ids.length }) : t('discarding', { count: ids.length }),
  });
  try {
    if (action === 'save') {
      const result = await client.staging.save(ids);
      patch(host, { announcement: t('savedDone', { count: result.saved.length }) });
      host.dispatchEvent(new ScpAuditsSavedEvent({ ids: result.saved, commit: result.commit }));
    } else {
      const result = await client.staging.discard(ids);
      patch(host, { announcement: t('discardedDone', { count: result.discarded.length }) });
      host.dispatchEvent(new ScpAuditsDiscardedEvent({ ids: result.discarded }));
    }
  } catch (e) {
    const text = t(action === 'save' ? 'saveFailed' : 'discardFailed', {
      items: itemsText(host, ids),
      detail: errorText(host, e),
    });
    patch(host, { banner: text });
    fail(host, action, ids, e, text);
  } finally {
    patch(host, { busy: undefined });
  }
  // The core removes what it saved or discarded; show exactly what is still pending.
  const result = ui(host).announcement;
  await host.data.refresh();
  patch(host, { announcement: result });
}

function toggleRow(host: ScpAuditManager, id: string, checked: boolean): void {
  const next = new Set(ui(host).unchecked);
  if (checked) next.delete(id);
  else next.add(id);
  patch(host, { unchecked: next });
}

function toggleAll(host: ScpAuditManager, checked: boolean): void {
  const next = new Set(ui(host).unchecked);
  for (const r of host.view) {
    if (checked) next.delete(r.snapshot_id);
    else next.add(r.snapshot_id);
  }
  patch(host, { unchecked: next });
}

async function togglePreview(host: ScpAuditManager, row: AuditMeta): Promise<void> {
  const u = ui(host);
  if (u.preview?.id === row.snapshot_id) {
    closePreview(host);
    return;
  }
  const client = host.data.client;
  if (!client) return;
  u.previewAbort?.abort();
  const abort = new AbortController();
  u.previewAbort = abort;
  patch(host, { preview: { id: row.snapshot_id, status: 'loading' } });
  try {
    const snapshot = await client.staging.get(row.snapshot_id);
    if (!abort.signal.aborted) patch(host, { preview: { id: row.snapshot_id, status: 'ready', snapshot } });
  } catch (e) {
    if (abort.signal.aborted) return;
    const message = host.i18n.t('previewLoadFailed', { detail: errorText(host, e) });
    patch(host, { preview: { id: row.snapshot_id, status: 'error', message } });
    fail(host, 'preview', [row.snapshot_id], e, message);
  }
}

function closePreview(host: ScpAuditManager): void {
  ui(host).previewAbort?.abort();
  patch(host, { previewAbort: undefined, preview: undefined });
}

function scheduleSearch(host: ScpAuditManager, query: string): void {
  const u = ui(host);
  patch(host, { saved: { ...u.saved, query } });
  clearTimeout(u.searchTimer);
  u.searchTimer = setTimeout(() => void search(host, query), SEARCH_DEBOUNCE_MS);
}

async function search(host: ScpAuditManager, query: string, cursor?: string): Promise<void> {
  const client = host.data.client;
  if (!client) return;
  const u = ui(host);
  const seq = ++u.searchSeq;
  patch(host, { saved: { ...u.saved, query, loading: true, error: undefined } });
  try {
    const page = await client.ledger.list({
      kind: 'audit',
      limit: SAVED_PAGE,
      ...(query.trim() && { text: query.trim() }),
      ...(cursor && { cursor }),
    });
    if (seq !== u.searchSeq) return;
    patch(host, {
      saved: {
        query,
        entries: cursor ? [...u.saved.entries, ...page.entries] : page.entries,
        cursor: page.cursor,
        loading: false,
        indexing: page.indexing,
      },
    });
  } catch (e) {
    if (seq !== u.searchSeq) return;
    const message = host.i18n.t('errorDetail', { detail: errorText(host, e) });
    patch(host, { saved: { ...u.saved, loading: false, error: message } });
    fail(host, 'search', [], e, message);
  }
}

/** @internal A `ledger:progress` event: an index catch-up is shown, and the Saved tab's first page follows it. */
export function indexProgress(host: ScpAuditManager, p: LedgerProgress): void {
  if (p.op !== 'index' || !host.ui) return;
  const u = ui(host);
  const indexEvent = p.phase === 'done' ? undefined : { indexed: p.loaded, total: p.total ?? p.loaded };
  patch(host, { indexEvent, ...(!indexEvent && { saved: { ...u.saved, indexing: undefined } }) });
  // Only the first page is refreshed: pages already loaded further down stay as they are.
  if (host.open && host.tab === 'saved' && !u.saved.loading && !u.saved.cursor) void search(host, u.saved.query);
}

async function copyRef(host: ScpAuditManager, id: string): Promise<void> {
  const { t } = host.i18n;
  const ref = `@audit:${id}`;
  patch(host, { copyFallback: undefined });
  let ok = false;
  try {
    await navigator.clipboard.writeText(ref);
    ok = true;
  } catch {
    ok = copyWithSelection(host, ref);
  }
  if (ok) {
    patch(host, { announcement: t('refCopied', { ref: displayText(ref) }) });
    host.dispatchEvent(new ScpRefCopiedEvent({ ref }));
  } else {
    const message = t('copyFailed', { ref: displayText(ref) });
    patch(host, { announcement: message, copyFallback: ref });
    fail(host, 'copy', [id], new Error('clipboard unavailable'), message);
    await host.updateComplete;
    const input = host.renderRoot.querySelector<HTMLInputElement>('.copy-fallback');
    input?.focus();
    input?.select();
  }
}

/** Clipboard API refused (no permission, insecure page): copy through a selected text field. */
function copyWithSelection(host: ScpAuditManager, text: string): boolean {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  (dialogOf(host) ?? host.renderRoot).appendChild(area);
  area.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  area.remove();
  return ok;
}

// ---- keyboard ----

function onTabKey(host: ScpAuditManager, ev: KeyboardEvent): void {
  const TABS = tabsOf(host);
  const i = TABS.indexOf(host.tab);
  let next = -1;
  if (ev.key === 'ArrowRight' || ev.key === 'ArrowLeft') {
    const rtl = getComputedStyle(host).direction === 'rtl';
    const forward = (ev.key === 'ArrowRight') !== rtl;
    next = (i + (forward ? 1 : TABS.length - 1)) % TABS.length;
  } else if (ev.key === 'Home') next = 0;
  else if (ev.key === 'End') next = TABS.length - 1;
  if (next < 0) return;
  ev.preventDefault();
  host.tab = TABS[next]!;
  void host.updateComplete.then(() => host.renderRoot.querySelector<HTMLElement>(`#tab-${next}`)?.focus());
}

/** Arrow keys move between rows (keeping the same control focused), Home/End to the ends. */
function onListKey(host: ScpAuditManager, ev: KeyboardEvent): void {
  const target = ev.target as HTMLElement;
  const row = target.closest<HTMLElement>('.row');
  if (!row) return;
  const index = Number(row.dataset.index);
  const total = host.view.length;
  const page = Math.max(1, Math.floor(ui(host).viewportHeight / ROW_HEIGHT));
  let next = -1;
  if (ev.key === 'ArrowDown') next = Math.min(total - 1, index + 1);
  else if (ev.key === 'ArrowUp') next = Math.max(0, index - 1);
  else if (ev.key === 'Home' && ev.ctrlKey) next = 0;
  else if (ev.key === 'End' && ev.ctrlKey) next = total - 1;
  else if (ev.key === 'PageDown') next = Math.min(total - 1, index + page);
  else if (ev.key === 'PageUp') next = Math.max(0, index - page);
  if (next < 0 || next === index) return;
  ev.preventDefault();
  void focusRow(host, next, target.dataset.control ?? 'select');
}

async function focusRow(host: ScpAuditManager, index: number, control: string): Promise<void> {
  const vp = viewportOf(host);
  if (!vp) return;
  const top = index * ROW_HEIGHT;
  if (top < vp.scrollTop) vp.scrollTop = top;
  else if (top + ROW_HEIGHT > vp.scrollTop + vp.clientHeight) vp.scrollTop = top + ROW_HEIGHT - vp.clientHeight;
  patch(host, { listScroll: vp.scrollTop, focusIndex: index });
  await host.updateComplete;
  host.renderRoot.querySelector<HTMLElement>(`.row[data-index='${index}'] [data-control='${control}']`)?.focus();
}

// ---- rendering ----

function renderTabs(host: ScpAuditManager): TemplateResult {
  const { t } = host.i18n;
  const n = counts(host);
  const name = (tab: ManagerTab) =>
    tab === 'all' ? t('tabAll') : tab === 'saved' ? t('tabSaved') : displayText(tab.slice('category:'.length), 80);
  return html`<div role="tablist" part="tabs" aria-label=${t('managerTabs')} @keydown=${(e: KeyboardEvent) => onTabKey(host, e)}>
    ${tabsOf(host).map(
      (tab, i) => html`<button role="tab" part="tab" type="button" id="tab-${i}" data-tab=${tab}
        aria-selected=${host.tab === tab ? 'true' : 'false'} aria-controls="panel" tabindex=${host.tab === tab ? 0 : -1}
        @click=${() => {
          host.tab = tab;
        }}>
        <span class="tab-name" title=${name(tab)}>${name(tab)}</span>${tab === 'saved' ? nothing : html`<span class="count">${t('tabCount', { count: n.get(tab) ?? 0 })}</span>`}
      </button>`,
    )}
  </div>`;
}

function renderRow(host: ScpAuditManager, r: AuditMeta, index: number, total: number): TemplateResult {
  const { t, fmt } = host.i18n;
  const u = ui(host);
  const name = label(host, r);
  const id = r.snapshot_id;
  const busy = !!u.busy;
  const ro = host.readOnlyReason;
  const previewed = u.preview?.id === id;
  return html`<div class="row" part="row" role="listitem" data-index=${index} aria-posinset=${index + 1} aria-setsize=${total}
      ?data-previewed=${previewed} ${cssProps({ 'inset-block-start': `${index * ROW_HEIGHT}px` })}>
    <input type="checkbox" data-control="select" .checked=${!u.unchecked.has(id)} ?disabled=${busy}
      aria-label=${t('selectRow', { label: name })} @change=${(e: Event) => toggleRow(host, id, (e.target as HTMLInputElement).checked)}>
    <span class="card" part="row-card" dir="auto" title=${name}>${name}</span>
    <span class="summary" part="row-summary" dir="auto" title=${displayText(r.summary, 300)}>${displayText(r.summary, 300)}</span>
    <time datetime=${displayText(r.iso, 40)} title=${fmt.dateTime(displayText(r.iso, 40))}>${fmt.relative(displayText(r.iso, 40))}</time>
    <span class="actions">
      <button type="button" data-control="preview" aria-expanded=${previewed ? 'true' : 'false'} aria-controls="preview"
        aria-label=${t('previewRowLabel', { label: name })} @click=${() => togglePreview(host, r)}>${t('previewRow')}</button>
      <button type="button" data-control="save" ?disabled=${busy || !!ro.save} aria-label=${t('saveRowLabel', { label: name })}
        aria-describedby=${ro.save ? 'role-note' : nothing} @click=${() => act(host, 'save', [id])}>${t('saveRow')}</button>
      <button type="button" class="danger" data-control="discard" ?disabled=${busy || !!ro.discard} aria-label=${t('discardRowLabel', { label: name })}
        aria-describedby=${ro.discard ? 'role-note' : nothing} @click=${() => act(host, 'discard', [id])}>${t('discardRow')}</button>
    </span>
  </div>`;
}

function renderList(host: ScpAuditManager): TemplateResult {
  const { t } = host.i18n;
  const u = ui(host);
  const view = host.view;
  const total = view.length;
  if (total === 0) {
    const text = !u.listLoaded ? t('loading') : host.rows.length === 0 ? t('emptyPending') : t('emptyView');
    return html`<div class="viewport" part="list"><p class="empty">${text}</p></div>`;
  }
  const first = Math.max(0, Math.floor(u.listScroll / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(total, Math.ceil((u.listScroll + u.viewportHeight) / ROW_HEIGHT) + OVERSCAN);
  const indexes: number[] = [];
  if (u.focusIndex >= 0 && u.focusIndex < first && u.focusIndex < total) indexes.push(u.focusIndex);
  for (let i = first; i < last; i++) indexes.push(i);
  if (u.focusIndex >= last && u.focusIndex < total) indexes.push(u.focusIndex);
  // Scroll events come at most once per frame; Lit batches the re-render.
  return html`<div class="viewport" part="list" @scroll=${(e: Event) => patch(host, { listScroll: (e.currentTarget as HTMLElement).scrollTop })}
      @keydown=${(e: KeyboardEvent) => onListKey(host, e)}
      @focusin=${(e: Event) => {
        const row = (e.target as HTMLElement).closest<HTMLElement>('.row');
        if (row) patch(host, { focusIndex: Number(row.dataset.index) });
      }}>
    <div class="spacer-rows" role="list" aria-label=${t('listLabel')} aria-busy=${u.busy ? 'true' : 'false'}
      ${cssProps({ 'block-size': `${total * ROW_HEIGHT}px` })}>
      ${repeat(
        indexes,
        (i) => view[i]!.snapshot_id,
        (i) => renderRow(host, view[i]!, i, total),
      )}
    </div>
  </div>`;
}

function renderPreview(host: ScpAuditManager): TemplateResult | typeof nothing {
  const { t } = host.i18n;
  const p = ui(host).preview;
  if (!p) return nothing;
  const row = host.rows.find((r) => r.snapshot_id === p.id);
  const title = t('previewTitle', { label: row ? label(host, row) : displayText(p.id, 120) });
  return html`<section class="preview" part="preview" id="preview" aria-label=${title}>
    <h3><span>${title}</span>
      <button type="button" class="icon" aria-label=${t('close')} @click=${() => closePreview(host)}>${closeIcon}</button></h3>
    ${
      p.status === 'loading'
        ? html`<p role="status">${t('loading')}</p>`
        : p.status === 'error'
          ? html`<p role="alert" class="error">${p.message}</p>`
          : html`<scp-json-tree .value=${p.snapshot.data} label=${title} .strings=${host.strings}></scp-json-tree>`
    }
  </section>`;
}

function renderPending(host: ScpAuditManager): TemplateResult {
  const { t } = host.i18n;
  const view = host.view;
  const selectedIds = host.selectedIds;
  const selected = selectedIds.length;
  const allChecked = view.length > 0 && selected === view.length;
  const busy = ui(host).busy;
  const busyText =
    busy &&
    (busy.action === 'save' ? t('saving', { count: busy.ids.length }) : t('discarding', { count: busy.ids.length }));
  const card = host.card && label(host, { card_key: host.card });
  const ro = host.readOnlyReason;
  // One sentence for both when neither is allowed (a viewer), else the one that is not.
  const roleNote =
    ro.save && ro.discard && host.capabilities
      ? t('roleReadOnly', { role: host.capabilities.role })
      : (ro.save ?? ro.discard);
  return html`
    <div class="toolbar" part="toolbar">
      <label><input type="checkbox" .checked=${allChecked} .indeterminate=${selected > 0 && !allChecked}
        ?disabled=${view.length === 0 || !!busy} @change=${(e: Event) => toggleAll(host, (e.target as HTMLInputElement).checked)}>${t('selectAll')}</label>
      <span>${t('selectedCount', { selected, total: view.length })}</span>
      ${
        card
          ? html`<button type="button" class="chip" aria-label=${t('clearCardFilter', { card })}
        @click=${() => {
          host.card = undefined;
        }}><span class="chip-text" title=${card}>${t('tabCard', { card })}</span>${closeIcon}</button>`
          : nothing
      }
      <span class="spacer"></span>
      ${
        busyText
          ? html`<span class="progress" part="progress"><progress aria-label=${busyText}></progress>
        ${busyText}</span>`
          : nothing
      }
    </div>
    ${renderList(host)}
    ${renderPreview(host)}
    <footer part="footer">
      ${roleNote ? html`<span id="role-note" part="role-note" class="role-note" role="note">${roleNote}</span>` : nothing}
      <span class="spacer"></span>
      <button type="button" class="danger" ?disabled=${selected === 0 || !!busy || !!ro.discard} aria-describedby=${ro.discard ? 'role-note' : nothing}
        @click=${() => act(host, 'discard', host.selectedIds)}>${t('discardSelected')}</button>
      <button type="button" class="primary" ?disabled=${selected === 0 || !!busy || !!ro.save} aria-describedby=${ro.save ? 'role-note' : nothing}
        @click=${() => act(host, 'save', host.selectedIds)}>${t('saveSelected')}</button>
    </footer>`;
}

function renderSaved(host: ScpAuditManager): TemplateResult {
  const { t, fmt } = host.i18n;
  const u = ui(host);
  const s = u.saved;
  // The bus is fresher while events arrive; a page also knows when no event reached this tab.
  const indexing = u.indexEvent ?? s.indexing;
  return html`
    <div class="search" part="search">
      <input type="search" aria-label=${t('searchSaved')} placeholder=${t('searchSaved')} .value=${s.query}
        @input=${(e: Event) => scheduleSearch(host, (e.target as HTMLInputElement).value)}>
    </div>
    ${u.copyFallback ? html`<div class="more"><input class="copy-fallback" readonly aria-label=${t('copyRef')} .value=${u.copyFallback}></div>` : nothing}
    ${s.error ? html`<p class="banner" data-kind="error" role="alert">${s.error}</p>` : nothing}
    <p class="indexing" part="progress" role="status" dir="auto" ?hidden=${!indexing}>${indexing ? t('progressIndexing', indexing) : ''}</p>
    ${
      s.entries.length === 0
        ? html`<p class="empty">${s.loading ? t('loading') : s.query.trim() ? t('savedNoMatch', { query: displayText(s.query, 200) }) : t('savedEmpty')}</p>`
        : html`<ul class="saved" part="saved-list" aria-label=${t('savedListLabel')}>
        ${repeat(
          s.entries,
          (e) => e.id,
          (e) => {
            const ref = `@audit:${e.id}`;
            return html`<li>
            <span class="card" dir="auto" title=${label(host, e)}>${label(host, e)}</span>
            <span class="summary"><span dir="auto">${displayText(e.summary, 300)}</span><br><code dir="ltr">${displayText(ref, 200)}</code></span>
            <time datetime=${displayText(e.time, 40)} title=${fmt.dateTime(displayText(e.time, 40))}>${fmt.relative(displayText(e.time, 40))}</time>
            <button type="button" aria-label=${t('copyRefLabel', { ref: displayText(ref, 200) })} @click=${() => copyRef(host, e.id)}>${t('copyRef')}</button>
          </li>`;
          },
        )}
      </ul>
      ${s.cursor ? html`<div class="more"><button type="button" ?disabled=${s.loading} @click=${() => search(host, s.query, s.cursor)}>${t('savedLoadMore')}</button></div>` : nothing}`
    }`;
}

/** @internal The element's shadow content. */
export function render(host: ScpAuditManager): TemplateResult {
  const { t } = host.i18n;
  const u = ui(host);
  const data = host.data;
  const title = host.card ? t('managerTitleCard', { card: label(host, { card_key: host.card }) }) : t('managerTitle');
  return html`<dialog part="dialog" aria-labelledby="title"
      @close=${(ev: Event) => {
        // The close event arrives a task after dialog.close(): when that close was ours, a show()
        // made since then must stand, so only a close the user made (Escape, form) closes the host.
        if (closedByHost.delete(ev.currentTarget as HTMLDialogElement)) return;
        if (host.open) host.open = false;
      }}
      @keydown=${(ev: KeyboardEvent) => {
        // Escape closes even where the browser's own dialog cancel does not run (e.g. an unfocused window).
        if (ev.key !== 'Escape' || ev.defaultPrevented) return;
        ev.preventDefault();
        host.close();
      }}>
    ${
      host.open
        ? html`<div part="base">
      <header part="header">
        <h2 id="title">${title}</h2>
        <button type="button" class="icon" aria-label=${t('close')} @click=${() => host.close()}>${closeIcon}</button>
      </header>
      ${renderTabs(host)}
      ${
        u.banner
          ? html`<div class="banner" part="banner" data-kind="error" role="alert"><p>${u.banner}</p>
        <button type="button" @click=${() => patch(host, { banner: undefined })}>${t('dismiss')}</button></div>`
          : nothing
      }
      ${data.client ? nothing : html`<p class="banner" data-kind="error" role="alert">${t('notConnected')}</p>`}
      ${
        data.error && host.rows.length === 0
          ? html`<p class="banner" data-kind="error" role="alert">${t('errorDetail', { detail: errorText(host, data.error) })}
        <button type="button" @click=${() => data.refresh()}>${t('retry')}</button></p>`
          : nothing
      }
      <div class="panel" id="panel" role="tabpanel" aria-labelledby="tab-${Math.max(0, tabsOf(host).indexOf(host.tab))}">
        ${host.tab === 'saved' ? renderSaved(host) : renderPending(host)}
      </div>
      <div class="visually-hidden" role="status" aria-live="polite">${u.announcement}</div>
    </div>`
        : nothing
    }
  </dialog>`;
}
