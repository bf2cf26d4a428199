/**
 * Turning untrusted values into display text. Everything from snapshots, runs and refs goes
 * through `displayText` before it reaches a Lit binding: a binding given an object could be taken
 * for a template (`{"_$litType$": ...}`), a string never is.
 */

// Embedding, override and isolate controls reorder what surrounds them ("Trojan Source").
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/** Any value as plain text, with bidi controls made visible (`⟪U+202E⟫`). */
export function displayText(value: unknown, maxLength = 2000): string {
  let s: string;
  if (typeof value === 'string') s = value;
  else if (value === undefined || value === null) s = '';
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') s = String(value);
  else {
    try {
      s = JSON.stringify(value) ?? '';
    } catch {
      s = Object.prototype.toString.call(value);
    }
  }
  if (s.length > maxLength) s = `${s.slice(0, maxLength)}…`;
  return s.replace(BIDI_CONTROLS, (c) => `⟪U+${c.charCodeAt(0).toString(16).toUpperCase()}⟫`);
}

/** A stored string for display; any other value (a crafted ledger object) shows as nothing. */
export function stringText(value: unknown): string {
  return displayText(typeof value === 'string' ? value : '');
}

const SAFE_SCHEMES = new Set(['http:', 'https:']);

/** `url` if it is http(s) (relative URLs resolve against the page), else `undefined`. */
export function safeUrl(url: unknown): string | undefined {
  if (typeof url !== 'string' || !url) return undefined;
  try {
    const u = new URL(url, document.baseURI);
    return SAFE_SCHEMES.has(u.protocol) ? u.href : undefined;
  } catch {
    return undefined;
  }
}
