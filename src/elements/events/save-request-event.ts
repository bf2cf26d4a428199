/** `scp-save-request`: the user asked to save these pending snapshots. Cancel it to veto the save. */
export class ScpSaveRequestEvent extends Event {
  static readonly eventName = 'scp-save-request';
  readonly detail: Readonly<{ ids: readonly string[] }>;

  constructor(detail: { ids: readonly string[] }) {
    super(ScpSaveRequestEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-save-request': ScpSaveRequestEvent;
  }
}
