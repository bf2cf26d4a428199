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
}

export interface Redactor {
  /** A redacted deep copy of `value` and the names of the rules that fired. Idempotent. */
  redact<T>(value: T): { value: T; fired: string[] };
  readonly rules: readonly RedactRule[];
}
