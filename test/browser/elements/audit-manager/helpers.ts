import type { ScpClient } from '../../../../src/core/client.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';

export const q = <T extends Element = HTMLElement>(el: Element, sel: string) => el.shadowRoot!.querySelector<T>(sel);
export const qa = <T extends Element = HTMLElement>(el: Element, sel: string) => [
  ...el.shadowRoot!.querySelectorAll<T>(sel),
];
export const rows = (el: ScpAuditManager) => qa(el, '.row');
export const tab = (el: ScpAuditManager, name: string) => q<HTMLButtonElement>(el, `[role="tab"][data-tab="${name}"]`)!;
export const buttonByText = (root: Element | ShadowRoot, text: string) =>
  [...(root instanceof Element ? root.shadowRoot! : root).querySelectorAll<HTMLButtonElement>('button')].find(
    (b) => b.textContent!.trim() === text,
  );

/** Stage one scan per [card, summary] pair; returns the ids in staging order. */
export async function stageAll(client: ScpClient, items: Array<[string, string, unknown?]>): Promise<string[]> {
  const ids: string[] = [];
  for (const [card, summary, data] of items) {
    const r = await client.staging.stage(card, data ?? { card, summary }, { summary });
    if (!r.staged) throw new Error(`not staged: ${card}`);
    ids.push(r.snapshot.snapshot_id);
  }
  return ids;
}
