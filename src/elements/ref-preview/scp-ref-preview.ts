import { ScpRefPreview } from './ref-preview.js';

export { ScpRefPreview };

if (!customElements.get('scp-ref-preview')) customElements.define('scp-ref-preview', ScpRefPreview);

declare global {
  interface HTMLElementTagNameMap {
    'scp-ref-preview': ScpRefPreview;
  }
}
