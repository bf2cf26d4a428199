import type { Ref } from '../../core/schemas/ref.js';

// Text helpers shared by the element and its cards part (a module of their own so the part never
// imports the element module that loads it).

/** @internal The cache key of a ref. */
export const keyOf = (ref: Pick<Ref, 'kind' | 'id'>) => `${ref.kind}:${ref.id}`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Every occurrence of `@kind:id` (with an optional `{…}` label) in `text`, removed with one adjacent space. */
export function removeRefText(text: string, ref: Pick<Ref, 'kind' | 'id'>): { text: string; at: number } {
  const re = new RegExp(
    `@${escapeRegExp(ref.kind)}:${escapeRegExp(ref.id)}(?:\\{[^}\\n]*\\})?(?![A-Za-z0-9_\\-/]|\\.+[A-Za-z0-9_\\-/])`,
    'g',
  );
  let out = '';
  let last = 0;
  let at = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    let start = m.index;
    let end = start + m[0].length;
    if (start > last && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    else if (text[end] === ' ') end++;
    out += text.slice(last, start);
    if (at < 0) at = out.length;
    last = end;
  }
  out += text.slice(last);
  return { text: out, at: at < 0 ? text.length : at };
}
