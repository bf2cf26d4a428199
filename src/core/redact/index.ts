export { createRedactor, normalizeKey, redactionMarker } from './redactor.js';
export { DEFAULT_KEY_RULES, DEFAULT_RULES, DEFAULT_VALUE_RULES } from './rules.js';
export type { RedactOptions, RedactRule, Redactor } from './types.js';
