export type ScpLogExportFormat = 'csv' | 'jsonl';

/**
 * `scp-log-export`: the audit log is about to save its filtered view as a file. Cancelable:
 * cancel it to handle `detail.text` yourself (nothing is downloaded then).
 */
export class ScpLogExportEvent extends Event {
  static readonly eventName = 'scp-log-export';
  readonly detail: Readonly<{ format: ScpLogExportFormat; text: string; count: number; filename: string }>;

  constructor(detail: { format: ScpLogExportFormat; text: string; count: number; filename: string }) {
    super(ScpLogExportEvent.eventName, { bubbles: true, composed: true, cancelable: true });
    this.detail = Object.freeze({ ...detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'scp-log-export': ScpLogExportEvent;
  }
}
