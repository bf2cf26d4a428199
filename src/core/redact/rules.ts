import type { RedactRule } from './types.js';

/**
 * Default redaction rules.
 *
 * Key rules are tested against the key as written AND its normalized form (camelCase, kebab-case,
 * dots and spaces folded to lower snake_case: `clientSecret` → `client_secret`, `X-Api-Key` →
 * `x_api_key`). A secret word only counts when it names the value: it must be the last word, or be
 * followed only by words that still describe the secret itself (`_value`, `_hash`, `_b64` ...).
 * So `token`, `access_token`, `github_token`, `secret_access_key` are redacted, while
 * `token_count`, `max_tokens`, `token_type`, `secret_name`, `password_policy` and plural counters
 * such as `secrets` (a scanner's findings) are kept.
 *
 * Value rules find secrets inside any string, also when glued to other text (`key:AKIA...`,
 * `0ghp_...`): the distinctive prefixes make word boundaries unnecessary and their absence safer. When a rule has a named group `secret`, only that
 * group is replaced (so `Authorization: Bearer [REDACTED:bearer_auth]` stays readable).
 */

// Words that may follow a secret word and still describe the secret value itself.
const TAIL = '(?:_(?:value|hash|b64|base64|hex|raw|plain|plaintext|enc|encrypted|str|string|text|data|bytes))*';

function keyRule(name: string, words: string): RedactRule {
  return { name, key: new RegExp(`(?:^|_)(?:${words})${TAIL}$`) };
}

export const DEFAULT_KEY_RULES: readonly RedactRule[] = [
  keyRule('password', 'password|passwd|passphrase|db_pass|pass_word'),
  keyRule('secret', 'secret|secret_key|secret_access_key|client_secret|app_secret|shared_secret|webhook_secret'),
  keyRule(
    'token',
    'token|access_token|refresh_token|id_token|auth_token|bearer_token|session_token|csrf_token|api_token',
  ),
  keyRule('api_key', 'api_key|apikey|x_api_key|subscription_key|access_key|master_key|signing_key|encryption_key'),
  keyRule('private_key', 'private_key|privatekey|privkey|ssh_key'),
  keyRule('authorization', 'authorization|proxy_authorization|auth_header'),
  keyRule('cookie', 'cookie|cookies|set_cookie|session_cookie'),
  keyRule('credentials', 'credentials|credential|creds|connection_string|conn_str|dsn'),
];

/**
 * The name in lower, UPPER or Capitalized case; the credential test after it must stay case
 * sensitive, so the pattern cannot simply take the `i` flag.
 */
function secretAssignment(): RegExp {
  const words = [
    'password',
    'passwd',
    'passphrase',
    'secret',
    'secret_key',
    'secret_access_key',
    'client_secret',
    'token',
    'access_token',
    'auth_token',
    'api_key',
    'apikey',
    'private_key',
  ];
  const names = words.flatMap((w) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)]).join('|');
  const credential = `(?!\\[REDACTED:)(?=[^\\s"',;]*(?:[0-9._~+/=!@#$%^&*-]|[A-Z][a-z]*[A-Z]|[a-z][A-Z]))[^\\s"',;]{6,}`;
  return new RegExp(`\\b(?:[A-Za-z0-9]+_)*(?:${names})\\s*[=:]\\s*(?<secret>"[^"\\n]+"|'[^'\\n]+'|${credential})`);
}

export const DEFAULT_VALUE_RULES: readonly RedactRule[] = [
  {
    name: 'private_key_block',
    value:
      /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/,
  },
  { name: 'jwt', value: /eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/ },
  { name: 'aws_access_key', value: /(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[0-9A-Z]{16}/ },
  { name: 'github_token', value: /gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255}/ },
  { name: 'gitlab_token', value: /glpat-[A-Za-z0-9_-]{20,}/ },
  { name: 'slack_token', value: /xox[abposr]-[A-Za-z0-9-]{10,}/ },
  { name: 'slack_webhook', value: /https:\/\/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/ },
  { name: 'google_api_key', value: /AIza[0-9A-Za-z_-]{35}/ },
  { name: 'stripe_key', value: /(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}/ },
  { name: 'npm_token', value: /npm_[A-Za-z0-9]{36}/ },
  // A credential after the scheme word has a digit, a symbol or mixed case: prose such as
  // "Basic authentication is enabled" or "bearer authentication" is left alone.
  {
    name: 'bearer_auth',
    value:
      /\b(?:[Bb]earer|BEARER)\s+(?<secret>(?=[A-Za-z0-9._~+/=-]*(?:[0-9._~+/=-]|[A-Z][a-z]*[A-Z]))[A-Za-z0-9._~+/=-]{8,})/,
  },
  {
    name: 'basic_auth',
    value: /\bBasic\s+(?<secret>(?=[A-Za-z0-9+/]*(?:[0-9+/]|[A-Z][a-z]*[A-Z]|[A-Za-z0-9+/]=))[A-Za-z0-9+/]{8,}={0,2})/,
  },
  // NAME=value and name: "value" in free text (env files, logs, CLI output) where the name is a
  // secret word: only the value is hidden. Unquoted, the value must look like a credential (a
  // digit, a symbol or mixed case), so "password: required" stays readable.
  { name: 'secret_assignment', value: secretAssignment() },
  // scheme://user:password@host — keep the user and host, hide the password.
  { name: 'url_credentials', value: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@]*:(?<secret>[^\s@/]+)@/i },
];

export const DEFAULT_RULES: readonly RedactRule[] = [...DEFAULT_VALUE_RULES, ...DEFAULT_KEY_RULES];
