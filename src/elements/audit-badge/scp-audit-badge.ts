import { ScpAuditBadge } from './audit-badge.js';

export { ScpAuditBadge };

if (!customElements.get('scp-audit-badge')) customElements.define('scp-audit-badge', ScpAuditBadge);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-badge': ScpAuditBadge;
  }
}
