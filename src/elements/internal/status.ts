import type { ScpMessageKey, Translate } from './messages.js';
import { displayText } from './text.js';

/** The status words elements colour; anything else shows as `unknown`. */
export type StatusTone = 'ok' | 'failed' | 'partial' | 'running' | 'error' | 'unknown';

/** The colour a run or scan status is shown in (a cancelled run as partial, an abandoned one as failed). */
export function statusTone(status: unknown): StatusTone {
  if (status === 'ok' || status === 'failed' || status === 'partial' || status === 'running' || status === 'error')
    return status;
  return status === 'cancelled' ? 'partial' : status === 'abandoned' ? 'failed' : 'unknown';
}

const WORDS: Record<string, ScpMessageKey> = {
  ok: 'statusOk',
  failed: 'statusFailed',
  partial: 'statusPartial',
  running: 'statusRunning',
  error: 'statusError',
  cancelled: 'statusCancelled',
  abandoned: 'statusAbandoned',
  skipped: 'statusSkipped',
};

/** A run or scan status as a word in the page's language (never colour alone); an unknown one as itself, cut short. */
export function statusWord(t: Translate, status: unknown): string {
  const key = typeof status === 'string' && Object.hasOwn(WORDS, status) ? WORDS[status] : undefined;
  return key ? (t as (k: string) => string)(key) : t('statusUnknown', { status: displayText(status, 40) });
}
