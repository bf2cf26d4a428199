import { canonicalJson } from './canonical.js';

const encoder = new TextEncoder();

function hex(buf: ArrayBuffer): string {
  let s = '';
  for (const b of new Uint8Array(buf)) s += b.toString(16).padStart(2, '0');
  return s;
}

/** SHA-256 (hex) of a string's UTF-8 bytes, with WebCrypto (browser and Node 20). */
export async function sha256Hex(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === 'string' ? encoder.encode(text) : text;
  return hex(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

/** SHA-256 of the canonical JSON of `value`. */
export function contentHash(value: unknown): Promise<string> {
  return sha256Hex(canonicalJson(value));
}

/**
 * The hash an entry carries in its `sha256` field: over the canonical JSON of the entry
 * without that field, so the stored file can be re-checked by anyone with an RFC 8785 encoder.
 */
export function entryHash(entry: Record<string, unknown>): Promise<string> {
  const { sha256: _omit, ...rest } = entry;
  return contentHash(rest);
}

/** Returns a copy of `entry` with its `sha256` set. */
export async function withEntryHash<T extends Record<string, unknown>>(entry: T): Promise<T & { sha256: string }> {
  return { ...entry, sha256: await entryHash(entry) };
}
