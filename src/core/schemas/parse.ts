import type * as z from 'zod/mini';
import { ValidationError } from '../errors/index.js';

/** One schema failure: the path's segments ([] at the root) and what is wrong there. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

/** How `parseWith` names the paths of its issues. */
export interface ParseOptions {
  /** Put before every issue's path, e.g. `items.3` for the fourth of a batch. */
  prefix?: string;
  /** The path of an issue at the root (default `(root)`; the host's answers say `body` or `query`). */
  root?: string;
}

/**
 * The one validation path for every trust boundary: runs the schema and gives the data, or every
 * issue with its path. An unknown key of a strict object is an issue at that key's path, so the
 * answer names the key. `parseWith` throws the ValidationError; callers that must go on after bad
 * data (a stream skipping one event, settings falling back to defaults) read the issues.
 */
export function checkWith<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; issues: SchemaIssue[]; error: unknown } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data as z.infer<S> };
  const issues: SchemaIssue[] = [];
  for (const i of r.error.issues) {
    const path = i.path.map(String);
    if (i.code === 'unrecognized_keys') {
      for (const key of i.keys) issues.push({ path: [...path, key], message: 'not a known field' });
    } else issues.push({ path, message: i.message });
  }
  return { ok: false, issues, error: r.error };
}

/** Parse at a trust boundary; a failure becomes a ValidationError naming each bad path. */
export function parseWith<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
  what: string,
  options: ParseOptions = {},
): z.infer<S> {
  const r = checkWith(schema, value);
  if (r.ok) return r.data;
  const root = options.prefix || options.root || '(root)';
  const issues = r.issues.map((i) => ({
    path: i.path.length ? [options.prefix, ...i.path].filter(Boolean).join('.') : root,
    message: i.message,
  }));
  const first = issues[0];
  throw new ValidationError(
    `Invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'does not match the schema'}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`,
    { data: { what, issues }, cause: r.error },
  );
}
