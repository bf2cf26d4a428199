import type { ScpAction } from '../events/action-error-event.js';
import { ScpActionErrorEvent } from '../events/action-error-event.js';
import type { Translate } from './messages.js';
import { displayText } from './text.js';

/**
 * What an end user reads about a failure: a short sentence chosen by the error's `code`. The
 * error's own message is written for the developer (what to check, which option to pass) and
 * goes to the console and the `scp-error` event only.
 */
export function userErrorText(error: unknown, t: Translate): string {
  const e = error as { code?: unknown; data?: { status?: unknown }; cause?: unknown } | null;
  // A failed write says why through its cause (the ledger could not be reached, the disk is full …).
  if (e?.code === 'ledger_write_failed' && (e.cause as { code?: unknown } | undefined)?.code)
    return userErrorText(e.cause, t);
  switch (typeof e === 'object' && e ? e.code : undefined) {
    case 'network':
    case 'timeout':
      return t('errUnreachable');
    case 'ledger_unavailable':
    case 'ledger_read_failed':
    case 'worker_crashed':
      return t('errUnavailable');
    case 'quota_exceeded':
    case 'disk_full':
      return t('errFull');
    case 'storage_blocked':
      return t('errBlocked');
    case 'ledger_write_failed':
      return t('errNotWritten');
    case 'conflict':
    case 'push_rejected':
    case 'sync_failed':
      return t('errChanged');
    case 'aborted':
      return t('errCancelled');
    case 'http_error':
      return e!.data?.status === 401 || e!.data?.status === 403 ? t('errForbidden') : t('errUnreachable');
    case undefined:
      // A plain Error thrown by the host's own code (a resolver, a custom ledger) carries the host's words.
      return error instanceof Error && error.name === 'Error' && error.message
        ? displayText(error.message, 200)
        : t('errUnexpected');
    default:
      return t('errUnexpected');
  }
}

/** Tells the developer (console, with the whole error) and the page (`scp-error`) about a failure. */
export function reportError(
  host: HTMLElement,
  detail: { action: ScpAction; ids: readonly string[]; error: unknown; message: string },
): void {
  console.warn(`<${host.localName}> ${detail.action} failed: ${detail.message}`, detail.error);
  host.dispatchEvent(new ScpActionErrorEvent(detail));
}
