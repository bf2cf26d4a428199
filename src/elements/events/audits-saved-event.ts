/** `scp-audits-saved`: the snapshots were written to the ledger in `commit`. */
export class ScpAuditsSavedEvent extends Event {
  static readonly eventName = 'scp-audits-saved';
  readonly detail: Readonly<{ ids: readonly string[]; commit: string }>;

  constructor(detail: { ids: readonly string[]; commit: string }) {
    super(ScpAuditsSavedEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-audits-saved': ScpAuditsSavedEvent;
  }
}
