import { ScpAuditManager } from './audit-manager.js';

export { ScpAuditManager };

if (!customElements.get('scp-audit-manager')) customElements.define('scp-audit-manager', ScpAuditManager);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-manager': ScpAuditManager;
  }
}
