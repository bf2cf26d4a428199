/**
 * Keyed lookups on plain objects that never see inherited members: a card key, a status word or an
 * error code named `constructor`, `__proto__` or `toString` is data, not `Object.prototype`'s.
 */

/** `obj[key]` when `key` is an own property of `obj`, else `undefined`. */
export function own<T>(obj: Readonly<Record<string, T>> | null | undefined, key: string): T | undefined {
  return obj != null && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** An empty record without a prototype: `rec[key] = v` stores any key, `__proto__` included. */
export function nullRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** `obj[k] = v`, except that a key named `__proto__` becomes an own property, as JSON.parse makes it. */
export function setOwn(obj: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true });
  else obj[k] = v;
}
