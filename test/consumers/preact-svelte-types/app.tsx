// A Preact + TSX app using the generated element types: no declarations of its own.
import 'scp-ledger/preact';
import type { ScpAuditsSavedEvent, ScpOpenManagerEvent } from 'scp-ledger/elements';

export function Audits({ onSaved }: { onSaved(ids: readonly string[], commit: string): void }) {
  const saved = (event: ScpAuditsSavedEvent) => onSaved(event.detail.ids, event.detail.commit);
  return (
    <section>
      <h3>Security <scp-audit-badge card="security" theme="dark" onscp-open-manager={(e) => e.detail.card?.toUpperCase()} /></h3>
      <scp-audit-manager open={false} onscp-audits-saved={saved} />
      <scp-ref-autocomplete for="compose" limit={20} />
    </section>
  );
}

// @ts-expect-error: a property the badge does not have
export const typo = <scp-audit-badge cards="security" />;
// @ts-expect-error: limit is a number
export const wrongType = <scp-ref-autocomplete limit="many" />;
// @ts-expect-error: scp-audits-saved carries a ScpAuditsSavedEvent, not a ScpOpenManagerEvent
export const wrongHandler = <scp-audit-manager onscp-audits-saved={(e: ScpOpenManagerEvent) => e.detail.card} />;
