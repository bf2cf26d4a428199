import type { Preview } from '../../core/schemas/ref.js';

/** `scp-ref-resolved`: a reference in the watched text was resolved (from the core or the cache). */
export class ScpRefResolvedEvent extends Event {
  static readonly eventName = 'scp-ref-resolved';
  readonly detail: Readonly<{ ref: string; preview: Preview }>;

  constructor(detail: { ref: string; preview: Preview }) {
    super(ScpRefResolvedEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-ref-resolved': ScpRefResolvedEvent;
  }
}
