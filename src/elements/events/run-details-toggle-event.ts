/** `scp-run-details-toggle`: a run badge's details popover opened or closed. */
export class ScpRunDetailsToggleEvent extends Event {
  static readonly eventName = 'scp-run-details-toggle';
  readonly detail: Readonly<{ open: boolean; runId: string | undefined }>;

  constructor(detail: { open: boolean; runId: string | undefined }) {
    super(ScpRunDetailsToggleEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-run-details-toggle': ScpRunDetailsToggleEvent;
  }
}
