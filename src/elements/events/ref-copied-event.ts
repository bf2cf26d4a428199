/** `scp-ref-copied`: a reference text such as `@audit:<id>` was copied to the clipboard. */
export class ScpRefCopiedEvent extends Event {
  static readonly eventName = 'scp-ref-copied';
  readonly detail: Readonly<{ ref: string }>;

  constructor(detail: { ref: string }) {
    super(ScpRefCopiedEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-ref-copied': ScpRefCopiedEvent;
  }
}
