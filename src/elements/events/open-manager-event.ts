/** `scp-open-manager`: a badge asks for the manager, filtered to `card`. Cancel it to open your own UI; `<scp-audit-manager>` listens for it on the document. */
export class ScpOpenManagerEvent extends Event {
  static readonly eventName = 'scp-open-manager';
  readonly detail: Readonly<{ card?: string | undefined }>;

  constructor(detail: { card?: string | undefined }) {
    super(ScpOpenManagerEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-open-manager': ScpOpenManagerEvent;
  }
}
