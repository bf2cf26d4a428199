import { ValidationError } from '../errors/index.js';
import { canonicalJson } from '../hash/canonical.js';
import { DEFAULT_VALUE_LIMITS } from '../limits.js';
import { setOwn } from '../own.js';
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

/** Keys engines order numerically (array indices): JSON.stringify then differs from canonical order. */
const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

interface KeyInfo { rule: CompiledRule | undefined; indexLike: boolean }


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
 * One combined pattern per flag set answers "could any value rule match this text?" in a single
 * scan, so the common string with no secret costs one or two regex tests instead of one per rule.
 * It is exact for text without markers: the first rule to change such text matches it as given.
 * Rules with back-references are tested on their own (numbering shifts when combined).
 */
function buildPrefilter(valueRules: CompiledRule[]): (text: string) => boolean {
  const groups = new Map<string, string[]>();
  const alone: RegExp[] = [];
  for (const r of valueRules) {
    const re = r.value!;
    const flags = without(re.flags, 'gdy');
    if (/\\[1-9]|\\k</.test(re.source)) { alone.push(new RegExp(re.source, flags)); continue; }
    const list = groups.get(flags) ?? [];
    list.push(re.source.replace(/\(\?<[A-Za-z_$][\w$]*>/g, '(?:'));
    groups.set(flags, list);
  }
  const tests: RegExp[] = [...alone];
  for (const [flags, sources] of groups) {
    try {
      tests.push(new RegExp(sources.map((src) => `(?:${src})`).join('|'), flags));
    } catch {
      for (const src of sources) tests.push(new RegExp(src, flags));
    }
  }
  return (text) => tests.some((re) => re.test(text));
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
  const prefilter = buildPrefilter(valueRules);
  // Keys repeat endlessly in scan results (every finding has `id`, `file`, `line` ...).
  const keyDecisions = new Map<string, KeyInfo>();

  function redactString(text: string, fired: Set<string>): string {
    // Repeat until nothing changes: a marker placed by one rule can change what another rule
    // sees (word boundaries), so one pass is not always a fixed point. Each change turns at least
    // one character of plain text into a marker, so this ends.
    if (!text.includes(MARKER_PREFIX) && !prefilter(text)) return text;
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

  function keyInfo(key: string): KeyInfo {
    let info = keyDecisions.get(key);
    if (info === undefined) {
      const normalized = normalizeKey(key);
      info = { rule: keyRules.find((r) => r.key!.test(key) || r.key!.test(normalized)), indexLike: INDEX_KEY.test(key) };
      if (keyDecisions.size > 10_000) keyDecisions.clear();
      keyDecisions.set(key, info);
    }
    return info;
  }

  // The path is kept as a stack and only joined when a cycle is reported (most calls never need it).
  const pathOf = (trail: (string | number)[]) => trail.reduce<string>((p, seg) => (typeof seg === 'number' ? `${p}[${seg}]` : `${p}.${seg}`), '(root)');
  function cycle(trail: (string | number)[]): ValidationError {
    const path = pathOf(trail);
    return new ValidationError(`Cannot redact ${path}: it refers back to one of its parents (a circular reference cannot be stored as JSON)`, {
      data: { what: 'redaction input', issues: [{ path, message: 'circular reference' }] },
    });
  }

  // The walks recurse once per level: the depth is bounded here, so no value overflows the stack
  // (callers at a trust boundary check DEFAULT_VALUE_LIMITS first and report it with the path).
  const maxDepth = options.maxDepth ?? DEFAULT_VALUE_LIMITS.maxDepth;
  function enter(trail: (string | number)[]): void {
    if (trail.length < maxDepth) return;
    const path = pathOf(trail.slice(0, 200));
    throw new ValidationError(`Cannot redact ${path}: nested deeper than ${maxDepth} levels of objects and arrays (maxDepth)`, {
      data: { what: 'redaction input', issues: [{ path, message: `nested deeper than ${maxDepth} levels` }], limit: 'maxDepth', max: maxDepth, path },
    });
  }

  /** The value a secret key's value becomes, or undefined when it is kept (booleans, null, '' carry no secret). */
  function keyMarker(k: string, v: unknown, fired: Set<string>): string | undefined {
    const rule = keyInfo(k).rule;
    if (!rule || v === null || v === undefined || typeof v === 'boolean' || v === '') return undefined;
    if (v !== rule.marker) fired.add(rule.name);
    return rule.marker;
  }

  function walk(value: unknown, trail: (string | number)[], ancestors: Set<object>, fired: Set<string>): unknown {
    if (typeof value === 'string') return redactString(value, fired);
    if (value === null || typeof value !== 'object') return value;
    if (ancestors.has(value)) throw cycle(trail);
    enter(trail);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walk(toJSON.call(value), trail, ancestors, fired);
    ancestors.add(value);
    try {
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          trail.push(i);
          out[i] = walk(value[i], trail, ancestors, fired);
          trail.pop();
        }
        return out;
      }
      const out: Record<string, unknown> = {};
      for (const k of Object.keys(value)) {
        const v = (value as Record<string, unknown>)[k];
        const marker = keyMarker(k, v, fired);
        if (marker !== undefined) { setOwn(out, k, marker); continue; }
        trail.push(k);
        setOwn(out, k, walk(v, trail, ancestors, fired));
        trail.pop();
      }
      return out;
    } finally {
      ancestors.delete(value);
    }
  }

  /**
   * The same walk, also building a twin of the copy with every object's keys in sorted order, so
   * that native JSON.stringify of the twin IS the canonical JSON (RFC 8785) of the copy: staging
   * hashes and sizes a snapshot without a second, slower walk. The twin of the returned value is
   * left in `twin`. Where JSON.stringify would differ from canonicalJson (integer-like keys, which
   * engines order numerically) the canonical text is computed by canonicalJson instead; values
   * canonical JSON cannot encode (NaN, functions ...) throw TypeError as canonicalJson does.
   */
  let twin: unknown;
  let needsSlowCanonical = false;

  function walkCanonical(value: unknown, trail: (string | number)[], ancestors: Set<object>, fired: Set<string>): unknown {
    switch (typeof value) {
      case 'string': { const s = redactString(value, fired); twin = s; return s; }
      case 'boolean': twin = value; return value;
      case 'number':
        if (!Number.isFinite(value)) throw new TypeError('Canonical JSON has no form for NaN or Infinity');
        twin = value;
        return value;
      case 'object': break;
      default: throw new TypeError(`Canonical JSON cannot encode a ${typeof value}`);
    }
    if (value === null) { twin = null; return null; }
    if (ancestors.has(value)) throw cycle(trail);
    enter(trail);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return walkCanonical(toJSON.call(value), trail, ancestors, fired);
    ancestors.add(value);
    try {
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        const sorted = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          if (value[i] === undefined) { out[i] = undefined; sorted[i] = null; continue; }
          trail.push(i);
          out[i] = walkCanonical(value[i], trail, ancestors, fired);
          trail.pop();
          sorted[i] = twin;
        }
        twin = sorted;
        return out;
      }
      const out: Record<string, unknown> = {};
      const keys = Object.keys(value);
      const twins = new Array<unknown>(keys.length);
      let inOrder = true;
      for (let j = 0; j < keys.length; j++) {
        const k = keys[j]!;
        const v = (value as Record<string, unknown>)[k];
        if (keyInfo(k).indexLike) needsSlowCanonical = true;
        if (j && inOrder && keys[j - 1]! > k) inOrder = false;
        const marker = keyMarker(k, v, fired);
        if (marker !== undefined) {
          setOwn(out, k, marker);
          twins[j] = marker;
        } else if (v === undefined) {
          setOwn(out, k, undefined);
          twins[j] = undefined;
        } else {
          trail.push(k);
          setOwn(out, k, walkCanonical(v, trail, ancestors, fired));
          trail.pop();
          twins[j] = twin;
        }
      }
      const sorted: Record<string, unknown> = {};
      const order = inOrder ? keys.map((_, j) => j) : keys.map((_, j) => j).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
      for (const j of order) setOwn(sorted, keys[j]!, twins[j]);
      twin = sorted;
      return out;
    } finally {
      ancestors.delete(value);
    }
  }

  return {
    rules,
    redact<T>(value: T) {
      const fired = new Set<string>();
      const out = walk(value, [], new Set(), fired) as T;
      return { value: out, fired: [...fired].sort() };
    },
    redactCanonical<T>(value: T) {
      const fired = new Set<string>();
      needsSlowCanonical = false;
      const out = walkCanonical(value, [], new Set(), fired);
      const canonical = needsSlowCanonical ? canonicalJson(out) : JSON.stringify(twin);
      twin = undefined;
      return { value: out as T, fired: [...fired].sort(), canonical };
    },
  };
}
