import { ValidationError } from '../errors/index.js';
import { DEFAULT_RULES } from './rules.js';
import type { RedactOptions, RedactRule, Redactor } from './types.js';

const RULE_NAME = /^[A-Za-z0-9_.:-]{1,64}$/;
/** Markers already in a string are never matched again: this is what makes redaction idempotent. */
const MARKER = /\[REDACTED:[A-Za-z0-9_.:-]{1,64}\]/g;
const MARKER_PREFIX = '[REDACTED:';

export function redactionMarker(rule: string): string {
  return `[REDACTED:${rule}]`;
}

/** `clientSecret` → `client_secret`, `X-Api-Key` → `x_api_key`, `db.password` → `db_password`. */
export function normalizeKey(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

interface CompiledRule {
  name: string;
  marker: string;
  key?: RegExp;
  value?: RegExp;
  /** Replace only the `secret` named group, not the whole match. */
  groupOnly: boolean;
}

function without(flags: string, drop: string): string {
  return [...flags].filter((f) => !drop.includes(f)).join('');
}

function compile(rule: RedactRule, index: number): CompiledRule {
  const where = `redaction rule #${index + 1}`;
  const bad = (message: string) =>
    new ValidationError(`Invalid ${where}${typeof rule?.name === 'string' ? ` "${rule.name}"` : ''}: ${message}`, {
      data: { what: 'redaction rule', issues: [{ path: `rules.${index}`, message }] },
    });
  if (!rule || typeof rule !== 'object') throw bad('a rule is an object { name, key?, value? }');
  if (typeof rule.name !== 'string' || !RULE_NAME.test(rule.name)) {
    throw bad('name must be 1-64 letters, digits, "_", ".", ":" or "-" (it becomes the marker [REDACTED:<name>])');
  }
  if (rule.key !== undefined && !(rule.key instanceof RegExp)) throw bad('key must be a RegExp');
  if (rule.value !== undefined && !(rule.value instanceof RegExp)) throw bad('value must be a RegExp');
  if (!rule.key && !rule.value) throw bad('give a key pattern, a value pattern, or both');
  const compiled: CompiledRule = { name: rule.name, marker: redactionMarker(rule.name), groupOnly: false };
  // Our own copies: stateful flags (g, y) would make `test` depend on the previous call.
  if (rule.key) compiled.key = new RegExp(rule.key.source, without(rule.key.flags, 'gy'));
  if (rule.value) {
    if (new RegExp(`^(?:${rule.value.source})$`, without(rule.value.flags, 'gy')).test('')) {
      throw bad('value pattern must not match the empty string');
    }
    compiled.value = new RegExp(rule.value.source, `${without(rule.value.flags, 'gyd')}gd`);
    compiled.groupOnly = /\(\?<secret>/.test(rule.value.source);
  }
  return compiled;
}

/** Apply one value rule to text that holds no marker. */
function replaceIn(text: string, rule: CompiledRule): string {
  const re = rule.value!;
  re.lastIndex = 0;
  let out = '';
  let last = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0].length === 0) { re.lastIndex++; continue; }
    let [start, end] = m.indices![0]!;
    const group = rule.groupOnly ? m.indices!.groups?.secret : undefined;
    if (group) [start, end] = group;
    if (end > start) {
      out += text.slice(last, start) + rule.marker;
      last = end;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Apply one value rule to the parts of `text` that are not markers. */
function applyRule(text: string, rule: CompiledRule): string {
  if (!text.includes(MARKER_PREFIX)) return replaceIn(text, rule);
  let out = '';
  let last = 0;
  MARKER.lastIndex = 0;
  for (let m = MARKER.exec(text); m; m = MARKER.exec(text)) {
    out += replaceIn(text.slice(last, m.index), rule) + m[0];
    last = m.index + m[0].length;
  }
  return out + replaceIn(text.slice(last), rule);
}

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
  const valueRules = compiled.filter((r) => r.value);
  const rules = Object.freeze(given.map((r) => ({ ...r })));

  function redactString(text: string, fired: Set<string>): string {
    // Repeat until nothing changes: a marker placed by one rule can change what another rule
    // sees (word boundaries), so one pass is not always a fixed point. Each change turns at least
    // one character of plain text into a marker, so this ends.
    let current = text;
    for (;;) {
      let next = current;
      for (const rule of valueRules) {
        const after = applyRule(next, rule);
        if (after !== next) { fired.add(rule.name); next = after; }
      }
      if (next === current) return current;
      current = next;
    }
  }

  function keyRuleFor(key: string): CompiledRule | undefined {
    const normalized = normalizeKey(key);
    return keyRules.find((r) => r.key!.test(key) || r.key!.test(normalized));
  }

  function walk(value: unknown, path: string, ancestors: Set<object>, fired: Set<string>): unknown {
    if (typeof value === 'string') return redactString(value, fired);
    if (value === null || typeof value !== 'object') return value;
    if (ancestors.has(value)) {
      throw new ValidationError(`Cannot redact ${path}: it refers back to one of its parents (a circular reference cannot be stored as JSON)`, {
        data: { what: 'redaction input', issues: [{ path, message: 'circular reference' }] },
      });
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), path, ancestors, fired);
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((v, i) => walk(v, `${path}[${i}]`, ancestors, fired));
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const rule = keyRuleFor(k);
        // Booleans, null and '' carry no secret (`password_set: true`), so they are kept.
        if (rule && v !== null && v !== undefined && typeof v !== 'boolean' && v !== '') {
          if (v !== rule.marker) fired.add(rule.name);
          out[k] = rule.marker;
        } else {
          out[k] = walk(v, `${path}.${k}`, ancestors, fired);
        }
      }
      return out;
    } finally {
      ancestors.delete(value);
    }
  }

  return {
    rules,
    redact<T>(value: T) {
      const fired = new Set<string>();
      const out = walk(value, '(root)', new Set(), fired) as T;
      return { value: out, fired: [...fired].sort() };
    },
  };
}
