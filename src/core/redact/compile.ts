// Redaction rules compiled to RegExps, and applying the value rules to a string.
import { ValidationError } from '../errors/index.js';
import type { RedactRule } from './types.js';

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

export interface CompiledRule {
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

export function compile(rule: RedactRule, index: number): CompiledRule {
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
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
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
    if (/\\[1-9]|\\k</.test(re.source)) {
      alone.push(new RegExp(re.source, flags));
      continue;
    }
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
 * Redacts one string with the value rules, adding each rule that changed it to `fired`. Repeats
 * until nothing changes: a marker placed by one rule can change what another rule sees (word
 * boundaries), so one pass is not always a fixed point. Each change turns at least one character
 * of plain text into a marker, so this ends.
 */
export function stringRedactor(valueRules: CompiledRule[]): (text: string, fired: Set<string>) => string {
  const prefilter = buildPrefilter(valueRules);
  return (text, fired) => {
    if (!text.includes(MARKER_PREFIX) && !prefilter(text)) return text;
    let current = text;
    for (;;) {
      let next = current;
      for (const rule of valueRules) {
        const after = applyRule(next, rule);
        if (after !== next) {
          fired.add(rule.name);
          next = after;
        }
      }
      if (next === current) return current;
      current = next;
    }
  };
}
