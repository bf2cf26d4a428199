/** `scp-audits-discarded`: the snapshots were discarded. */
export class ScpAuditsDiscardedEvent extends Event {
  static readonly eventName = 'scp-audits-discarded';
  readonly detail: Readonly<{ ids: readonly string[] }>;

  constructor(detail: { ids: readonly string[] }) {
    super(ScpAuditsDiscardedEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-audits-discarded': ScpAuditsDiscardedEvent;
  }
}
