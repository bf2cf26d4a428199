import type * as z from 'zod/mini';
import { ValidationError } from '../errors/index.js';

/** Parse at a trust boundary; a failure becomes a ValidationError naming each bad path. */
export function parseWith<S extends z.ZodMiniType>(schema: S, value: unknown, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data as z.infer<S>;
  const issues = r.error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = issues[0];
  throw new ValidationError(
    `Invalid ${what}: ${first ? `${first.path}: ${first.message}` : 'does not match the schema'}${issues.length > 1 ? ` (+${issues.length - 1} more)` : ''}`,
    { data: { what, issues }, cause: r.error },
  );
}
