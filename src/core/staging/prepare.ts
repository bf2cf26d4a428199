// The first step of staging a scan: validate, redact, size-check and start hashing it. Pure work:
// nothing is stored here.
import { auditTypeOf } from '../cards.js';
import { SnapshotTooLargeError, ValidationError } from '../errors/index.js';
import { canonicalJson, sha256Hex } from '../hash/index.js';
import { newAuditId } from '../ids.js';
import { checkValueLimits, type ValueLimits } from '../limits.js';
import type { Redactor } from '../redact/types.js';
import type { AuditSnapshot } from '../schemas/audit.js';
import { metaOf } from '../storage/shared.js';
import { deriveSummary, oneLine } from './summary.js';
import type { StageOptions, StageResult } from './types.js';

/** What preparing a scan depends on (the staging instance's settings). */
export interface PrepareConfig {
  redactor: Redactor;
  stageErrors: boolean;
  limits: ValueLimits;
  maxBytes: number;
  now: () => Date;
}

const encoder = new TextEncoder();

export function invalid(what: string, path: string, message: string, hint: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${path} ${message}. ${hint}`, {
    data: { what, issues: [{ path, message }] },
  });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024
    ? `${(n / 1024 / 1024).toFixed(2)} MiB`
    : n >= 1024
      ? `${(n / 1024).toFixed(1)} KiB`
      : `${n} bytes`;
}

/** An optional short text option: a string of at most `max` characters, or absent. */
export function optionalText(v: unknown, name: string, max: number): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max)
    throw invalid(
      'options',
      name,
      `must be a string of at most ${max} characters`,
      `Pass the ${name.replace('_', ' ')} as text.`,
    );
  return v;
}

/** A scan ready to store; its content hash is being computed (WebCrypto is async, so a batch overlaps them). */
export interface Prepared {
  prepared: AuditSnapshot;
  hashing: Promise<string>;
}

/** The result with secrets replaced, what fired, and its canonical JSON (for size and hash). */
function redactResult(
  redactor: PrepareConfig['redactor'],
  cardKey: string,
  result: unknown,
): { data: unknown; fired: string[]; canonical: string } {
  try {
    if (redactor.redactCanonical) {
      const { value, fired, canonical } = redactor.redactCanonical(result);
      return { data: value, fired, canonical };
    }
    const { value, fired } = redactor.redact(result);
    return { data: value, fired, canonical: canonicalJson(value) };
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
    throw new ValidationError(
      `Cannot stage "${cardKey}": the result is not JSON data (${e.message}). Pass plain objects, arrays, strings, finite numbers, booleans and null.`,
      {
        data: { what: 'stage input', issues: [{ path: 'result', message: 'not JSON' }] },
        cause: e,
      },
    );
  }
}

/** Validate, redact, size-check and start hashing one scan. Pure work: nothing is stored here. */
export function prepareScan(
  cfg: PrepareConfig,
  cardKey: unknown,
  result: unknown,
  options: StageOptions = {},
): Prepared | StageResult {
  const { redactor, stageErrors, limits, maxBytes, now } = cfg;
  const what = 'stage input';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this check rejects
  if (typeof cardKey !== 'string' || !cardKey.trim() || cardKey.length > 200 || /[\u0000-\u001f]/.test(cardKey)) {
    throw invalid(
      what,
      'card_key',
      'must be a non-empty string of at most 200 printable characters',
      'Pass the card key, e.g. "security".',
    );
  }
  if (options === null || typeof options !== 'object')
    throw invalid(what, 'options', 'must be an object', 'Pass { status, duration_s, summary, computed_at }.');
  const looksFailed =
    !!result && typeof result === 'object' && !Array.isArray(result) && !!(result as { error?: unknown }).error;
  const status = options.status ?? (looksFailed ? 'error' : 'ok');
  if (typeof status !== 'string' || !status)
    throw invalid(what, 'status', 'must be a non-empty string', 'Use "ok" or "error".');
  if (status !== 'ok' && !stageErrors) return { staged: false, reason: 'not_ok', card_key: cardKey };

  const at = options.computed_at ?? now();
  if (!(at instanceof Date) || Number.isNaN(at.getTime()))
    throw invalid(what, 'computed_at', 'must be a valid Date', 'Pass when the scan finished.');
  const duration = options.duration_s ?? 0;
  if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
    throw invalid(what, 'duration_s', 'must be a finite number of seconds >= 0', 'Pass how long the scan took.');
  }
  if (options.summary !== undefined && typeof options.summary !== 'string')
    throw invalid(what, 'summary', 'must be a string', 'Pass one line for humans.');
  if (result === undefined) throw invalid(what, 'result', 'is missing', 'Pass the scan result (any JSON value).');
  // Before the redactor walks it: too deep, too wide or too long is a typed error, never a stack overflow.
  checkValueLimits(result, limits, `scan result of card "${cardKey.slice(0, 80)}"`, 'result');

  const { data, fired, canonical } = redactResult(redactor, cardKey, result);
  const rawSummary = options.summary !== undefined ? oneLine(options.summary) : deriveSummary(cardKey, data, status);
  const summary = redactor.redact(rawSummary);

  const snapshot: AuditSnapshot = {
    snapshot_id: newAuditId(cardKey, at),
    card_key: cardKey,
    audit_type: auditTypeOf(cardKey),
    computed_at: at.getTime() / 1000,
    iso: at.toISOString(),
    status,
    duration_s: Math.round(duration * 1000) / 1000,
    summary: summary.value,
    content_hash: '',
    redacted: [...new Set([...fired, ...summary.fired])].sort(),
    data,
  };
  const dataBytes = encoder.encode(canonical);
  const bytes = dataBytes.length + encoder.encode(JSON.stringify(metaOf(snapshot))).length + 8;
  if (bytes > maxBytes) {
    throw new SnapshotTooLargeError(
      `Snapshot of card "${cardKey}" is ${formatBytes(bytes)} of JSON after redaction, over the ${formatBytes(maxBytes)} limit: trim the scan result or raise maxSnapshotBytes.`,
      { data: { card_key: cardKey, bytes, limit: maxBytes } },
    );
  }
  const hashing = sha256Hex(dataBytes);
  hashing.catch(() => undefined); // awaited by the caller; this only silences an early exit
  return { prepared: snapshot, hashing };
}
