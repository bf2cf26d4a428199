import type { Ref } from '../../core/schemas/ref.js';

/** `scp-ref-remove`: the user removes a reference from the text. Cancel it to keep the text unchanged. */
export class ScpRefRemoveEvent extends Event {
  static readonly eventName = 'scp-ref-remove';
  readonly detail: Readonly<{ ref: Ref }>;

  constructor(detail: { ref: Ref }) {
    super(ScpRefRemoveEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-ref-remove': ScpRefRemoveEvent;
  }
}
