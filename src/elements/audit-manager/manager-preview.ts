import { html, type TemplateResult } from 'lit';
import type { AuditSnapshot } from '../../core/schemas/audit.js';
import { closeIcon } from '../internal/icons.js';
import type { ScpMessageOverrides, Translate } from '../internal/messages.js';
import '../json-tree/scp-json-tree.js';

/** A pending snapshot's data in the preview pane: loading, failed, or its JSON tree. */
export type PreviewState =
  | { id: string; status: 'loading' }
  | { id: string; status: 'ready'; snapshot: AuditSnapshot }
  | { id: string; status: 'error'; message: string };

/** The manager's preview pane (`#preview`, which each row's preview button controls). */
export function previewPane(
  p: PreviewState,
  title: string,
  strings: ScpMessageOverrides | undefined,
  t: Translate,
  onClose: () => void,
): TemplateResult {
  let content: TemplateResult;
  if (p.status === 'loading') content = html`<p role="status">${t('loading')}</p>`;
  else if (p.status === 'error') content = html`<p role="alert" class="error">${p.message}</p>`;
  else content = html`<scp-json-tree .value=${p.snapshot.data} label=${title} .strings=${strings}></scp-json-tree>`;
  return html`<section class="preview" part="preview" id="preview" aria-label=${title}>
    <h3><span>${title}</span>
      <button type="button" class="icon" aria-label=${t('close')} @click=${onClose}>${closeIcon}</button></h3>
    ${content}
  </section>`;
}
