// The deep copy a redaction makes: secret keys' values become markers, strings go through the
// value rules, cycles and depth beyond the limit are refused with the path.
import { ValidationError } from '../errors/index.js';
import { setOwn } from '../own.js';
import type { CompiledRule } from './compile.js';

/** What a walk knows about a key (decided once per distinct key). */
export interface KeyInfo {
  rule: CompiledRule | undefined;
  indexLike: boolean;
}

/** What both walks need from the redactor that runs them. */
export interface WalkContext {
  redactString(text: string, fired: Set<string>): string;
  keyInfo(key: string): KeyInfo;
  maxDepth: number;
}

type Trail = (string | number)[];

// The path is kept as a stack and only joined when a problem is reported (most calls never need it).
const pathOf = (trail: Trail) =>
  trail.reduce<string>((p, seg) => (typeof seg === 'number' ? `${p}[${seg}]` : `${p}.${seg}`), '(root)');

function cycle(trail: Trail): ValidationError {
  const path = pathOf(trail);
  return new ValidationError(
    `Cannot redact ${path}: it refers back to one of its parents (a circular reference cannot be stored as JSON)`,
    {
      data: { what: 'redaction input', issues: [{ path, message: 'circular reference' }] },
    },
  );
}

/**
 * The walks recurse once per level: the depth is bounded here, so no value overflows the stack
 * (callers at a trust boundary check DEFAULT_VALUE_LIMITS first and report it with the path).
 */
function enter(ctx: WalkContext, trail: Trail): void {
  if (trail.length < ctx.maxDepth) return;
  const max = ctx.maxDepth;
  const path = pathOf(trail.slice(0, 200));
  throw new ValidationError(
    `Cannot redact ${path}: nested deeper than ${max} levels of objects and arrays (maxDepth)`,
    {
      data: {
        what: 'redaction input',
        issues: [{ path, message: `nested deeper than ${max} levels` }],
        limit: 'maxDepth',
        max,
        path,
      },
    },
  );
}

/** The value a secret key's value becomes, or undefined when it is kept (booleans, null, '' carry no secret). */
function keyMarker(ctx: WalkContext, k: string, v: unknown, fired: Set<string>): string | undefined {
  const rule = ctx.keyInfo(k).rule;
  if (!rule || v === null || v === undefined || typeof v === 'boolean' || v === '') return undefined;
  if (v !== rule.marker) fired.add(rule.name);
  return rule.marker;
}

/** The redacted deep copy of `value`; each rule that changed something is added to `fired`. */
export function redactWalk(
  ctx: WalkContext,
  value: unknown,
  trail: Trail,
  ancestors: Set<object>,
  fired: Set<string>,
): unknown {
  if (typeof value === 'string') return ctx.redactString(value, fired);
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) throw cycle(trail);
  enter(ctx, trail);
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return redactWalk(ctx, toJSON.call(value), trail, ancestors, fired);
  ancestors.add(value);
  try {
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        trail.push(i);
        out[i] = redactWalk(ctx, value[i], trail, ancestors, fired);
        trail.pop();
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[k];
      const marker = keyMarker(ctx, k, v, fired);
      if (marker !== undefined) {
        setOwn(out, k, marker);
        continue;
      }
      trail.push(k);
      setOwn(out, k, redactWalk(ctx, v, trail, ancestors, fired));
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
 * hashes and sizes a snapshot without a second, slower walk. After `walk`, `twin` holds the twin
 * of the returned value. Where JSON.stringify would differ from canonicalJson (integer-like keys,
 * which engines order numerically) `needsSlowCanonical` is set and the caller computes the
 * canonical text with canonicalJson instead; values canonical JSON cannot encode (NaN,
 * functions ...) throw TypeError as canonicalJson does.
 */
export class CanonicalWalk {
  twin: unknown;
  needsSlowCanonical = false;

  constructor(
    private readonly ctx: WalkContext,
    private readonly fired: Set<string>,
  ) {}

  walk(value: unknown, trail: Trail, ancestors: Set<object>): unknown {
    switch (typeof value) {
      case 'string': {
        const s = this.ctx.redactString(value, this.fired);
        this.twin = s;
        return s;
      }
      case 'boolean':
        this.twin = value;
        return value;
      case 'number':
        if (!Number.isFinite(value)) throw new TypeError('Canonical JSON has no form for NaN or Infinity');
        this.twin = value;
        return value;
      case 'object':
        break;
      default:
        throw new TypeError(`Canonical JSON cannot encode a ${typeof value}`);
    }
    if (value === null) {
      this.twin = null;
      return null;
    }
    if (ancestors.has(value)) throw cycle(trail);
    enter(this.ctx, trail);
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.walk(toJSON.call(value), trail, ancestors);
    ancestors.add(value);
    try {
      return Array.isArray(value)
        ? this.array(value, trail, ancestors)
        : this.object(value as Record<string, unknown>, trail, ancestors);
    } finally {
      ancestors.delete(value);
    }
  }

  private array(value: unknown[], trail: Trail, ancestors: Set<object>): unknown[] {
    const out = new Array<unknown>(value.length);
    const sorted = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) {
        out[i] = undefined;
        sorted[i] = null;
        continue;
      }
      trail.push(i);
      out[i] = this.walk(value[i], trail, ancestors);
      trail.pop();
      sorted[i] = this.twin;
    }
    this.twin = sorted;
    return out;
  }

  private object(value: Record<string, unknown>, trail: Trail, ancestors: Set<object>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(value);
    const twins = new Array<unknown>(keys.length);
    let inOrder = true;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j]!;
      const v = value[k];
      if (this.ctx.keyInfo(k).indexLike) this.needsSlowCanonical = true;
      if (j && inOrder && keys[j - 1]! > k) inOrder = false;
      const marker = keyMarker(this.ctx, k, v, this.fired);
      if (marker !== undefined) {
        setOwn(out, k, marker);
        twins[j] = marker;
      } else if (v === undefined) {
        setOwn(out, k, undefined);
        twins[j] = undefined;
      } else {
        trail.push(k);
        setOwn(out, k, this.walk(v, trail, ancestors));
        trail.pop();
        twins[j] = this.twin;
      }
    }
    const sorted: Record<string, unknown> = {};
    const order = inOrder
      ? keys.map((_, j) => j)
      : keys.map((_, j) => j).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
    for (const j of order) setOwn(sorted, keys[j]!, twins[j]);
    this.twin = sorted;
    return out;
  }
}
