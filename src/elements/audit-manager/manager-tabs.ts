import { html, nothing, type TemplateResult } from 'lit';
import type { ScpClient } from '../../core/client.js';
import type { AuditMeta } from '../../core/schemas/audit.js';
import type { Formatters } from '../internal/format.js';
import type { Translate } from '../internal/messages.js';
import { displayText } from '../internal/text.js';
import type { ManagerTab } from './audit-manager.js';

/** Pending rows per tab (all, and one per declared card category), within the card filter. */
export function countRows(
  rows: readonly AuditMeta[],
  card: string | undefined,
  cards: ScpClient['cards'] | undefined,
): Map<ManagerTab, number> {
  const counts = new Map<ManagerTab, number>([['all', 0]]);
  for (const c of cards?.categories ?? []) counts.set(`category:${c}`, 0);
  for (const r of rows) {
    if (card && r.card_key !== card) continue;
    counts.set('all', counts.get('all')! + 1);
    const category = typeof r.card_key === 'string' ? cards?.category(r.card_key) : undefined;
    if (category !== undefined) counts.set(`category:${category}`, (counts.get(`category:${category}`) ?? 0) + 1);
  }
  return counts;
}

/** "Security Posture (2), Testing and 3 more" for a banner: each card once, with its count. */
export function itemsText(
  ids: readonly string[],
  rows: readonly AuditMeta[],
  label: (cardKey: string | undefined) => string,
  t: Translate,
  fmt: Formatters,
): string {
  const byId = new Map(rows.map((r) => [r.snapshot_id, r]));
  const counts = new Map<string, number>();
  for (const id of ids) {
    const r = byId.get(id);
    const name = r ? label(r.card_key) : displayText(id, 120);
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const names = [...counts].slice(0, 3).map(([name, n]) => (n > 1 ? `${name} (${fmt.number(n)})` : name));
  if (counts.size > 3) names.push(t('moreItems', { count: counts.size - 3 }));
  return fmt.list(names);
}

/** The manager's tab list: All, one tab per category (with counts), Saved; roving tabindex. */
export function tabList(o: {
  tabs: readonly ManagerTab[];
  tab: ManagerTab;
  counts: ReadonlyMap<ManagerTab, number>;
  t: Translate;
  onKey: (ev: KeyboardEvent) => void;
  onTab: (tab: ManagerTab) => void;
}): TemplateResult {
  const { t, tab: current } = o;
  const name = (tab: ManagerTab) =>
    tab === 'all' ? t('tabAll') : tab === 'saved' ? t('tabSaved') : displayText(tab.slice('category:'.length), 80);
  return html`<div role="tablist" part="tabs" aria-label=${t('managerTabs')} @keydown=${o.onKey}>
    ${o.tabs.map(
      (tab, i) => html`<button role="tab" part="tab" type="button" id="tab-${i}" data-tab=${tab}
        aria-selected=${current === tab ? 'true' : 'false'} aria-controls="panel" tabindex=${current === tab ? 0 : -1}
        @click=${() => o.onTab(tab)}>
        <span class="tab-name" title=${name(tab)}>${name(tab)}</span>${tab === 'saved' ? nothing : html`<span class="count">${t('tabCount', { count: o.counts.get(tab) ?? 0 })}</span>`}
      </button>`,
    )}
  </div>`;
}
