import type { RunStatus } from '../schemas/run.js';
import { capString } from './harvest.js';
import { own } from '../own.js';

/** The statuses a run can finish with by itself (`abandoned` is only given by recovery). */
export type FinishedStatus = Exclude<RunStatus, 'running' | 'abandoned'>;

export interface FinishInput {
  status?: FinishedStatus;
  summary?: string;
  result?: unknown;
  error?: unknown;
  /** The action threw (`error` holds what it threw, which may be `undefined`). */
  threw?: boolean;
  /** The run's AbortSignal fired before the action settled. */
  aborted?: boolean;
}

export interface Verdict {
  status: FinishedStatus;
  summary: string;
  /** Why it failed (or was cancelled), for the run's `error` field. */
  error?: string;
}

const STATUS_WORDS: Record<string, FinishedStatus> = {
  ok: 'ok',
  success: 'ok',
  succeeded: 'ok',
  failed: 'failed',
  failure: 'failed',
  error: 'failed',
  partial: 'partial',
  cancelled: 'cancelled',
  canceled: 'cancelled',
};

function oneLine(s: string): string {
  return capString(s.replace(/\s*[\r\n]+\s*/g, ' ').trim());
}

/** A human message for anything thrown or reported as an error. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'string') return oneLine(err);
  if (err instanceof Error) return oneLine(err.message || err.name);
  if (err && typeof err === 'object') {
    const m = (err as { message?: unknown; error?: unknown }).message ?? (err as { error?: unknown }).error;
    if (typeof m === 'string') return oneLine(m);
  }
  try {
    return oneLine(String(err));
  } catch {
    return 'unknown error';
  }
}

/** AbortController.abort(), fetch's AbortError, or our own AbortedError. */
export function isAbortError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { name?: unknown; code?: unknown };
  return e.name === 'AbortError' || e.code === 'aborted';
}

function isResponse(v: unknown): v is Response {
  return typeof Response !== 'undefined' && v instanceof Response;
}

function textField(obj: Record<string, unknown>, key: string): string | undefined {
  const v = obj[key];
  if (typeof v === 'string' && v.trim()) return oneLine(v);
  if (key === 'error' && v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') {
    return oneLine((v as { message: string }).message);
  }
  return undefined;
}

/** What the result itself says about success: HTTP status, `ok`, or a `status` word. */
function judgeResult(result: unknown): { status?: FinishedStatus; error?: string } {
  if (isResponse(result)) {
    return result.status >= 400
      ? { status: 'failed', error: `HTTP ${result.status}${result.statusText ? ` ${result.statusText}` : ''}` }
      : {};
  }
  if (!result || typeof result !== 'object' || Array.isArray(result)) return {};
  const r = result as Record<string, unknown>;
  const said = textField(r, 'error') ?? textField(r, 'message');
  const http = typeof r.status === 'number' ? r.status : typeof r.statusCode === 'number' ? r.statusCode : undefined;
  if (http !== undefined && http >= 400) return { status: 'failed', error: said ?? `HTTP ${http}` };
  if ('ok' in r && r.ok !== undefined && !r.ok)
    return { status: 'failed', error: said ?? 'the action reported ok: false' };
  const word = typeof r.status === 'string' ? own(STATUS_WORDS, r.status.toLowerCase()) : undefined;
  if (word === 'failed' || word === 'cancelled')
    return { status: word, error: said ?? `the action reported status "${String(r.status)}"` };
  return word ? { status: word } : {};
}

/** The summary a result offers: `summary`, then `message`, then (for failures) `error`. */
function resultSummary(result: unknown, failed: boolean): string | undefined {
  if (!result || typeof result !== 'object' || Array.isArray(result) || isResponse(result)) return undefined;
  const r = result as Record<string, unknown>;
  return textField(r, 'summary') ?? textField(r, 'message') ?? (failed ? textField(r, 'error') : undefined);
}

/**
 * How a run ended and what to say about it. An explicit status wins; then a throw (cancelled if it
 * was an abort); then what the result says; an aborted signal turns a result into `cancelled`.
 */
export function judge(input: FinishInput, subtype: string, specSummary?: string): Verdict {
  const fallback = (status: FinishedStatus) => `${subtype} ${status}`;
  if (input.threw) {
    const msg = errorMessage(input.error);
    const status = input.status ?? (input.aborted || isAbortError(input.error) ? 'cancelled' : 'failed');
    const summary = input.summary
      ? oneLine(input.summary)
      : status === 'ok'
        ? (specSummary ?? fallback(status))
        : msg || fallback(status);
    return status === 'ok' ? { status, summary } : { status, summary, error: msg || fallback(status) };
  }
  const seen = judgeResult(input.result);
  let status: FinishedStatus =
    input.status ?? (seen.status === 'failed' ? 'failed' : input.aborted ? 'cancelled' : (seen.status ?? 'ok'));
  if (input.error !== undefined && !input.status) status = isAbortError(input.error) ? 'cancelled' : 'failed';
  const error =
    status === 'failed' || status === 'cancelled'
      ? input.error !== undefined
        ? errorMessage(input.error)
        : (seen.error ?? (status === 'cancelled' ? 'cancelled' : undefined))
      : undefined;
  const summary =
    (input.summary ? oneLine(input.summary) : undefined) ??
    resultSummary(input.result, status === 'failed') ??
    (status === 'ok' ? (specSummary ? oneLine(specSummary) : undefined) : error) ??
    fallback(status);
  return error === undefined ? { status, summary } : { status, summary, error };
}
