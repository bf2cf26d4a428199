import type * as z from 'zod/mini';
import { ValidationError } from '../errors/index.js';

/** One schema failure: the path's segments ([] at the root) and what is wrong there. */
export interface SchemaIssue {
  path: string[];
  message: string;
}

/**
 * The one validation path for every trust boundary: runs the schema and gives the data, or every
 * issue with its path. `parseWith` throws the ValidationError; callers that answer in their own
 * terms (the request handler's 400 naming a field) read the issues.
 */
export function checkWith<S extends z.ZodMiniType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.infer<S> } | { ok: false; issues: SchemaIssue[]; error: unknown } {
  const r = schema.safeParse(value);
  if (r.success) return { ok: true, data: r.data as z.infer<S> };
  return {
    ok: false,
    issues: r.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    error: r.error,
  };
}

/** Parse at a trust boundary; a failure becomes a ValidationError naming each bad path. */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = checkWith(schema, value);
  if (r.ok) return r.data;
  const issues = r.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  const first = issues[0];
  throw new ValidationError(
    `Invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'does not match the schema'}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`,
    { data: { what, issues }, cause: r.error },
  );
}
