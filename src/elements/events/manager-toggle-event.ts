/** `scp-manager-toggle`: the manager dialog opened or closed. */
export class ScpManagerToggleEvent extends Event {
  static readonly eventName = 'scp-manager-toggle';
  readonly detail: Readonly<{ open: boolean; card?: string | undefined }>;

  constructor(detail: { open: boolean; card?: string | undefined }) {
    super(ScpManagerToggleEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-manager-toggle': ScpManagerToggleEvent;
  }
}
