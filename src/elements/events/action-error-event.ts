/** What an element was doing when it failed. */
export type ScpAction = 'load' | 'save' | 'discard' | 'preview' | 'copy' | 'resolve' | 'search';

/** `scp-error`: an action failed (`message` is what the element showed). */
export class ScpActionErrorEvent extends Event {
  static readonly eventName = 'scp-error';
  readonly detail: Readonly<{ action: ScpAction; ids: readonly string[]; error: unknown; message: string }>;

  constructor(detail: { action: ScpAction; ids: readonly string[]; error: unknown; message: string }) {
    super(ScpActionErrorEvent.eventName, { bubbles: true, composed: true, cancelable: false });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-error': ScpActionErrorEvent;
  }
}
