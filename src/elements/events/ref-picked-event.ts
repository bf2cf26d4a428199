import type { Suggestion } from '../../core/schemas/ref.js';

/** `scp-ref-picked`: a reference (or a kind such as `@audit:`) was inserted into the compose field. */
export class ScpRefPickedEvent extends Event {
  static readonly eventName = 'scp-ref-picked';
  readonly detail: Readonly<{ ref: string; suggestion: Suggestion }>;

  constructor(detail: { ref: string; suggestion: Suggestion }) {
    super(ScpRefPickedEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-ref-picked': ScpRefPickedEvent;
  }
}
