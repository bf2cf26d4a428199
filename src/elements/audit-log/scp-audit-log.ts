import { ScpAuditLog } from './audit-log.js';

export { ScpAuditLog };

if (!customElements.get('scp-audit-log')) customElements.define('scp-audit-log', ScpAuditLog);

declare global {
  interface HTMLElementTagNameMap {
    'scp-audit-log': ScpAuditLog;
  }
}
