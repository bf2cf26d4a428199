import { ScpRunBadge } from './run-badge.js';

export { ScpRunBadge };

if (!customElements.get('scp-run-badge')) customElements.define('scp-run-badge', ScpRunBadge);

declare global {
  interface HTMLElementTagNameMap {
    'scp-run-badge': ScpRunBadge;
  }
}
