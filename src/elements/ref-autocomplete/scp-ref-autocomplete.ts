import { ScpRefAutocomplete } from './ref-autocomplete.js';

export { ScpRefAutocomplete };

if (!customElements.get('scp-ref-autocomplete')) customElements.define('scp-ref-autocomplete', ScpRefAutocomplete);

declare global {
  interface HTMLElementTagNameMap {
    'scp-ref-autocomplete': ScpRefAutocomplete;
  }
}
