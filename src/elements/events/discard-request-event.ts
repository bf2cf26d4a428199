/** `scp-discard-request`: the user asked to discard these pending snapshots. Cancel it to veto. */
export class ScpDiscardRequestEvent extends Event {
  static readonly eventName = 'scp-discard-request';
  readonly detail: Readonly<{ ids: readonly string[] }>;

  constructor(detail: { ids: readonly string[] }) {
    super(ScpDiscardRequestEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-discard-request': ScpDiscardRequestEvent;
  }
}
