/**
 * A redaction rule. `key` rules replace the whole value of a matching object key; `value` rules
 * replace each match inside strings. The replacement is `[REDACTED:<name>]`.
 */
export interface RedactRule {
  name: string;
  key?: RegExp;
  value?: RegExp;
}

export interface RedactOptions {
  /** Extra rules, applied after the defaults. */
  rules?: RedactRule[];
  /** Use only `rules`, not the defaults. */
  replaceDefaults?: boolean;
  /** Deepest nesting walked (default 256, DEFAULT_VALUE_LIMITS.maxDepth); deeper is a ValidationError, never a stack overflow. */
  maxDepth?: number;
}

export interface Redactor {
  /** A redacted deep copy of `value` and the names of the rules that fired. Idempotent. */
  redact<T>(value: T): { value: T; fired: string[] };
  /**
   * `redact`, plus the canonical JSON (RFC 8785) of the redacted copy from the same walk; throws
   * TypeError where `canonicalJson` would (NaN, functions ...). Optional: staging falls back to
   * `redact` + `canonicalJson` for redactors without it.
   */
  redactCanonical?<T>(value: T): { value: T; fired: string[]; canonical: string };
  readonly rules: readonly RedactRule[];
}
