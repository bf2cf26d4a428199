import { ValidationError } from '../errors/index.js';
import { canonicalJson } from '../hash/canonical.js';
import { DEFAULT_VALUE_LIMITS } from '../limits.js';
import { compile, normalizeKey, stringRedactor } from './compile.js';
import { DEFAULT_RULES } from './rules.js';
import type { RedactOptions, Redactor } from './types.js';
import { CanonicalWalk, redactWalk, type KeyInfo, type WalkContext } from './walk.js';

export { normalizeKey, redactionMarker } from './compile.js';

/** Keys engines order numerically (array indices): JSON.stringify then differs from canonical order. */
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

/**
 * Creates a redactor. Default rules cover common secret formats and secret-looking keys (see
 * `rules.ts`); `rules` adds the host's own (after the defaults), `replaceDefaults` drops the
 * defaults. The result is a deep copy: the input is never mutated. A value that contains itself
 * (a cycle) cannot be stored as JSON and is refused with a ValidationError naming the path.
 *
 * `fired` lists the rules that changed something in this call, so redacting an already redacted
 * value returns the same value and an empty `fired`.
 */
export function createRedactor(options: RedactOptions = {}): Redactor {
  if (options.rules !== undefined && !Array.isArray(options.rules)) {
    throw new ValidationError('Invalid redaction options: rules must be an array of { name, key?, value? }', {
      data: { what: 'redaction options', issues: [{ path: 'rules', message: 'not an array' }] },
    });
  }
  const given = [...(options.replaceDefaults ? [] : DEFAULT_RULES), ...(options.rules ?? [])];
  const compiled = given.map(compile);
  const keyRules = compiled.filter((r) => r.key);
  const rules = Object.freeze(given.map((r) => ({ ...r })));
  // Keys repeat endlessly in scan results (every finding has `id`, `file`, `line` ...).
  const keyDecisions = new Map<string, KeyInfo>();

  const ctx: WalkContext = {
    redactString: stringRedactor(compiled.filter((r) => r.value)),
    keyInfo(key) {
      let info = keyDecisions.get(key);
      if (info === undefined) {
        const normalized = normalizeKey(key);
        info = {
          rule: keyRules.find((r) => r.key!.test(key) || r.key!.test(normalized)),
          indexLike: INDEX_KEY.test(key),
        };
        if (keyDecisions.size > 10_000) keyDecisions.clear();
        keyDecisions.set(key, info);
      }
      return info;
    },
    maxDepth: options.maxDepth ?? DEFAULT_VALUE_LIMITS.maxDepth,
  };

  return {
    rules,
    redact<T>(value: T) {
      const fired = new Set<string>();
      const out = redactWalk(ctx, value, [], new Set(), fired) as T;
      return { value: out, fired: [...fired].sort() };
    },
    redactCanonical<T>(value: T) {
      const fired = new Set<string>();
      const walk = new CanonicalWalk(ctx, fired);
      const out = walk.walk(value, [], new Set());
      const canonical = walk.needsSlowCanonical ? canonicalJson(out) : JSON.stringify(walk.twin);
      return { value: out as T, fired: [...fired].sort(), canonical };
    },
  };
}
