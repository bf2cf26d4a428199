import { ValidationError, ValueTooLargeError, type LimitData } from './errors/index.js';

/**
 * Structural limits on a value arriving from outside (a scan result, a request body, a ledger
 * batch). They are checked before any recursive code (redaction, canonical JSON, rendering) sees
 * the value, by a loop with its own stack: no value can overflow the call stack here.
 */
export interface ValueLimits {
  /** Containers nested inside each other (the root object or array is level 1). */
  maxDepth: number;
  /** Keys of one object. */
  maxKeys: number;
  /** Items of one array. */
  maxArrayLength: number;
  /** Characters of one string (values and keys). */
  maxStringLength: number;
  /** Values in the whole thing (an object shared in many places counts at each place). */
  maxNodes: number;
}

export const DEFAULT_VALUE_LIMITS: Readonly<ValueLimits> = Object.freeze({
  maxDepth: 256,
  maxKeys: 10_000,
  maxArrayLength: 100_000,
  maxStringLength: 1_048_576,
  maxNodes: 1_000_000,
});

const LIMIT_NAMES = Object.keys(DEFAULT_VALUE_LIMITS) as (keyof ValueLimits)[];

/** Defaults overlaid with the given limits; each must be a positive whole number. */
export function valueLimits(given: Partial<ValueLimits> = {}): ValueLimits {
  const out = { ...DEFAULT_VALUE_LIMITS };
  for (const name of LIMIT_NAMES) {
    if (!Object.hasOwn(given, name) || given[name] === undefined) continue;
    const v = given[name];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new ValidationError(`Invalid limits: ${name} must be a positive whole number (got ${String(v)})`, {
        data: { what: 'limits', issues: [{ path: name, message: 'not a positive whole number' }] },
      });
    }
    out[name] = v;
  }
  return out;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$]*$/;

interface Frame {
  value: unknown;
  depth: number;
  parent: Frame | undefined;
  key: string | number | undefined;
}
/** Marks the end of a container's children: it stops being an ancestor (for cycle detection). */
interface Exit {
  exit: object;
}

function pathOf(root: string, f: Frame | undefined): string {
  const segs: string[] = [];
  for (let at = f; at && at.key !== undefined; at = at.parent) {
    const k = at.key;
    segs.push(
      typeof k === 'number'
        ? `[${k}]`
        : k.length <= 40 && PLAIN_KEY.test(k)
          ? `.${k}`
          : `[${JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k)}]`,
    );
  }
  return root + segs.reverse().join('');
}

const WORDS: Record<LimitData['limit'], string> = {
  maxDepth: 'levels of nesting',
  maxKeys: 'keys in one object',
  maxArrayLength: 'items in one array',
  maxStringLength: 'characters in one string',
  maxNodes: 'values in all',
};

/**
 * Throws when `value` goes over a limit: a ValidationError (`validation`) for nesting deeper than
 * `maxDepth` or a circular reference, a ValueTooLargeError (`value_too_large`) for the size limits. Both
 * name the limit and the path where it was exceeded (`result.items[3].name`). Visits each place
 * once, with an explicit stack; `toJSON()` is followed as JSON.stringify would.
 */
export function checkValueLimits(
  value: unknown,
  limits: ValueLimits = DEFAULT_VALUE_LIMITS,
  what = 'value',
  root = '(root)',
): void {
  const stack: (Frame | Exit)[] = [{ value, depth: 1, parent: undefined, key: undefined }];
  const ancestors = new Set<object>();
  let nodes = 0;
  const tooLarge = (limit: LimitData['limit'], actual: number, at: Frame | undefined) => {
    const path = pathOf(root, at);
    const max = limits[limit];
    return new ValueTooLargeError(
      `The ${what} is too large at ${path}: ${actual.toLocaleString('en')} ${WORDS[limit]}, over the limit of ${max.toLocaleString('en')} (${limit}). Send less, or raise the limit.`,
      { data: { what, limit, max, path, actual } },
    );
  };
  while (stack.length) {
    const top = stack.pop()!;
    if ('exit' in top) {
      ancestors.delete(top.exit);
      continue;
    }
    const f = top;
    if (++nodes > limits.maxNodes) throw tooLarge('maxNodes', nodes, f);
    const v = f.value;
    if (typeof v === 'string') {
      if (v.length > limits.maxStringLength) throw tooLarge('maxStringLength', v.length, f);
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    const toJSON = (v as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      // What JSON would store in its place, one level down (a toJSON returning itself cannot loop).
      stack.push({ value: toJSON.call(v), depth: f.depth + 1, parent: f.parent, key: f.key });
      continue;
    }
    if (ancestors.has(v)) {
      const path = pathOf(root, f);
      throw new ValidationError(
        `The ${what} refers back to one of its parents at ${path} (a circular reference cannot be stored as JSON)`,
        {
          data: { what, issues: [{ path, message: 'circular reference' }] },
        },
      );
    }
    if (f.depth > limits.maxDepth) {
      const path = pathOf(root, f);
      throw new ValidationError(
        `The ${what} is nested too deeply at ${path}: more than ${limits.maxDepth} levels of objects and arrays (maxDepth). Flatten it, or raise the limit.`,
        {
          data: {
            what,
            issues: [{ path, message: `nested deeper than ${limits.maxDepth} levels` }],
            limit: 'maxDepth',
            max: limits.maxDepth,
            path,
          },
        },
      );
    }
    ancestors.add(v);
    stack.push({ exit: v });
    if (Array.isArray(v)) {
      if (v.length > limits.maxArrayLength) throw tooLarge('maxArrayLength', v.length, f);
      for (let i = v.length - 1; i >= 0; i--) stack.push({ value: v[i], depth: f.depth + 1, parent: f, key: i });
      continue;
    }
    const keys = Object.keys(v);
    if (keys.length > limits.maxKeys) throw tooLarge('maxKeys', keys.length, f);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const child: Frame = { value: (v as Record<string, unknown>)[k], depth: f.depth + 1, parent: f, key: k };
      if (k.length > limits.maxStringLength) throw tooLarge('maxStringLength', k.length, child);
      stack.push(child);
    }
  }
}
