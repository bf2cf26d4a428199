import { ScpJsonTree } from './json-tree.js';

export { ScpJsonTree };

if (!customElements.get('scp-json-tree')) customElements.define('scp-json-tree', ScpJsonTree);

declare global {
  interface HTMLElementTagNameMap {
    'scp-json-tree': ScpJsonTree;
  }
}
