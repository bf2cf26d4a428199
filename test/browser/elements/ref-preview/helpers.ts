// What the ref preview's tests share: a compose box with a preview, typing, the cards, and a client
// holding a saved and a pending audit.
import { html } from '@open-wc/testing';
import type { ScpClient } from '../../../../src/core/client.js';
import type { ScpRefPreview } from '../../../../src/elements/ref-preview/ref-preview.js';
import { mount } from '../internal/fixtures.js';

/** Counts resolve calls per `kind:id` on a real client. */
export function countResolves(client: ScpClient): Map<string, number> {
  const calls = new Map<string, number>();
  const resolve = client.refs.resolve.bind(client.refs);
  client.refs.resolve = (ref, options) => {
    const key = typeof ref === 'string' ? ref.replace(/^@/, '') : `${ref.kind}:${ref.id}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
    return resolve(ref, options);
  };
  return calls;
}

export async function compose(client: ScpClient, attrs: { debounce?: number; showMissing?: boolean } = {}) {
  const wrapper = await mount<HTMLDivElement>(html`<div>
    <textarea id="compose" aria-label="Message"></textarea>
    <scp-ref-preview for="compose" debounce=${attrs.debounce ?? 0} ?show-missing=${attrs.showMissing} .client=${client}></scp-ref-preview>
  </div>`);
  return { textarea: wrapper.querySelector('textarea')!, el: wrapper.querySelector<ScpRefPreview>('scp-ref-preview')! };
}

export function type(textarea: HTMLTextAreaElement, text: string) {
  textarea.value = text;
  textarea.dispatchEvent(new Event('input', { bubbles: true }));
}

export const cards = (el: ScpRefPreview) => [...el.shadowRoot!.querySelectorAll<HTMLElement>('li[part~="card"]')];
export const cardText = (card: HTMLElement) => card.textContent!.replace(/\s+/g, ' ').trim();

export async function savedAndPending(client: ScpClient) {
  const a = await client.staging.stage('security', { s: 1 }, { summary: '3 issues · Score: 78 · (B)' });
  const b = await client.staging.stage('k8s', { k: 1 }, { summary: '5 pods' });
  if (!a.staged || !b.staged) throw new Error('not staged');
  await client.staging.save([a.snapshot.snapshot_id]);
  return { saved: a.snapshot.snapshot_id, pending: b.snapshot.snapshot_id };
}
