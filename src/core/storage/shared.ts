// Helpers every StagingStore adapter (and staging) shares.
import type * as z from 'zod/mini';
import { CorruptEntryError, ValidationError } from '../errors/index.js';
import type { AuditMeta, AuditSnapshot } from '../schemas/audit.js';
import { checkWith } from '../schemas/parse.js';

/**
 * A stored record checked by its schema. Records are written by the store itself, but another
 * release, another tab's code or a hand edit may have changed them: one that does not match is
 * a CorruptEntryError naming where it is, never handed on as the typed shape.
 */
export function storedAs<S extends z.ZodMiniType>(schema: S, value: unknown, where: string): z.infer<S> {
  const r = checkWith(schema, value);
  if (r.ok) return r.data;
  const first = r.issues[0];
  throw new CorruptEntryError(
    `The stored record ${where} does not match its schema (${first ? `${first.path.join('.') || '(root)'}: ${first.message}` : 'unknown'}): it was written by another release or edited by hand; repair or remove it`,
    { data: { path: where }, cause: r.error },
  );
}

/** Snapshot metadata is everything except `data` (unknown extra fields included). */
export function metaOf(snapshot: AuditSnapshot): AuditMeta {
  const { data: _data, ...meta } = snapshot;
  return meta;
}

/** Newest `computed_at` first; ties broken by id (descending) so the order is stable. */
export function newestFirst(a: AuditMeta, b: AuditMeta): number {
  return b.computed_at - a.computed_at || (a.snapshot_id < b.snapshot_id ? 1 : a.snapshot_id > b.snapshot_id ? -1 : 0);
}

/** structuredClone, with an uncloneable value (a function, a DOM node) reported as a ValidationError. */
export function cloneForStore<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch (e) {
    throw notStorable(what, e);
  }
}

export function notStorable(what: string, cause: unknown): ValidationError {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new ValidationError(
    `Cannot store ${what}: it holds a value that is not plain data (${detail}). Pass JSON-compatible data.`,
    {
      data: { what, issues: [{ path: '(root)', message: 'not cloneable' }] },
      cause,
    },
  );
}
