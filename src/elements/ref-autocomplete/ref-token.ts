/** The `@…` being typed at the caret of a compose field. */
export interface RefToken {
  /** Offset of the `@`. */
  start: number;
  /** End of the token (it may continue past the caret). */
  end: number;
  /** From the `@` to the caret: what suggestions are asked for (`@`, `@au`, `@audit:sec`). */
  query: string;
}

// The origin's ref grammar: `@<kind>:<id>` with ids of [A-Za-z0-9_-/.]; the kind is a word.
const isRefChar = (c: string) => /[A-Za-z0-9_\-/.:]/.test(c);
const isWordChar = (c: string) => /[A-Za-z0-9_]/.test(c);

/**
 * The ref token the caret is in, or `undefined`. An `@` inside a word (`me@host`) does not
 * start a ref, so e-mail addresses never open the picker.
 */
export function refTokenAt(text: string, caret: number): RefToken | undefined {
  if (caret < 1 || caret > text.length) return undefined;
  let i = caret - 1;
  while (i >= 0 && text[i] !== '@' && isRefChar(text[i]!)) i--;
  if (i < 0 || text[i] !== '@') return undefined;
  if (i > 0 && (isWordChar(text[i - 1]!) || text[i - 1] === '@')) return undefined;
  const query = text.slice(i, caret);
  // At most one kind separator before the id part, and the kind is a plain word.
  const colon = query.indexOf(':');
  const kind = colon < 0 ? query.slice(1) : query.slice(1, colon);
  if (!/^[A-Za-z0-9_-]*$/.test(kind)) return undefined;
  let end = caret;
  while (end < text.length && isRefChar(text[end]!)) end++;
  return { start: i, end, query };
}

/**
 * `text` with `token` replaced by `insert`, and the caret after it. A finished ref (one that
 * does not end with `:`) gets a following space unless one is already there.
 */
export function replaceToken(text: string, token: RefToken, insert: string): { text: string; caret: number } {
  const after = text.slice(token.end);
  if (insert.endsWith(':'))
    return { text: text.slice(0, token.start) + insert + after, caret: token.start + insert.length };
  const spaced = /^\s/.test(after) ? insert : `${insert} `;
  return { text: text.slice(0, token.start) + spaced + after, caret: token.start + insert.length + 1 };
}
