import { ValidationError } from '../errors/index.js';
import { idProblem } from '../ids.js';
import type { Ref } from '../schemas/ref.js';

/** A ref kind: lower-case letters, digits, `_` and `-`, starting with a letter (`audit`, `run`, `commit`). */
export const KIND_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Characters the origin accepts in a ref id; the id grammar (idProblem) then narrows them. */
const ID_CHARS = 'A-Za-z0-9_\\-/.';

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `@<kind>:<id>` for the given kinds, optionally followed by `{label · detail · status}`.
 * The `@` must not follow a word character, so `name@audit:x`-like text (e-mail style) is not a ref.
 */
export function refPattern(kinds: readonly string[]): RegExp {
  const alternatives =
    [...kinds]
      .sort((a, b) => b.length - a.length)
      .map(escapeRegExp)
      .join('|') || '(?!)';
  return new RegExp(`(?<![A-Za-z0-9_])@(${alternatives}):([${ID_CHARS}]+)(\\{[^{}\\n]*\\})?`, 'g');
}

/** `{Deploy · k8s · ok}` → label, detail, status; missing or empty parts are left out. */
export function splitExtension(body: string): Pick<Ref, 'label' | 'detail' | 'status'> {
  const inner = body.startsWith('{') && body.endsWith('}') ? body.slice(1, -1) : body;
  const parts = inner.split(/\s*·\s*/).map((p) => p.trim());
  const out: Pick<Ref, 'label' | 'detail' | 'status'> = {};
  const label = parts[0];
  if (label) out.label = label;
  if (parts.length === 2 && parts[1]) out.detail = parts[1];
  if (parts.length >= 3) {
    const detail = parts.slice(1, -1).filter(Boolean).join(' · ');
    if (detail) out.detail = detail;
    const status = parts[parts.length - 1];
    if (status) out.status = status;
  }
  return out;
}

/** `id` without trailing dots, by a backward scan (a regex like /\.+$/ is quadratic on a long dot run). */
function trimDots(id: string): string {
  let end = id.length;
  while (end > 0 && id.charCodeAt(end - 1) === 46 /* . */) end--;
  return end === id.length ? id : id.slice(0, end);
}

/**
 * Every well-formed ref of the given kinds in `text`, first occurrence of each `kind:id` only,
 * in order of appearance. Ids that fail the id grammar are left out (`@audit:../etc` is not a ref),
 * and a sentence's closing dot is not part of the id (`see @run:run_x.` → `run_x`).
 */
export function parseRefs(text: string, kinds: readonly string[]): Ref[] {
  return [...scanRefs(text, kinds)];
}

/**
 * The refs `parseRefs` finds, one at a time: a caller that needs only the first few stops early,
 * and one that counts a long text can do it in slices (the iterator keeps its place and what it has seen).
 */
export function* scanRefs(text: string, kinds: readonly string[]): Generator<Ref, void, undefined> {
  if (typeof text !== 'string' || text.length === 0 || kinds.length === 0) return;
  const re = refPattern(kinds);
  const seen = new Set<string>();
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const kind = m[1]!;
    let id = m[2]!;
    const ext = m[3];
    if (!ext) id = trimDots(id);
    if (idProblem(id) !== undefined) continue;
    const key = `${kind}:${id}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const raw = ext ? m[0] : `@${kind}:${id}`;
    yield { kind, id, raw, index: m.index, ...(ext ? splitExtension(ext) : {}) };
  }
}

/**
 * One ref given as a string (`@audit:<id>`, with or without the `@` and the extension) split into
 * kind and id, without judging the id: callers validate it (InvalidIdError) before any lookup.
 */
export function splitRef(ref: string): { kind: string; id: string; extension?: string } {
  const m = typeof ref === 'string' ? /^\s*@?([A-Za-z][A-Za-z0-9_-]*):([^{]*?)(\{[^{}]*\})?\s*$/s.exec(ref) : null;
  if (!m) {
    const shown =
      typeof ref === 'string' ? JSON.stringify(ref.length > 60 ? `${ref.slice(0, 60)}…` : ref) : String(ref);
    throw new ValidationError(
      `Not a reference: ${shown} (expected "@<kind>:<id>", e.g. "@audit:security_20260217_204500_k3x9")`,
      {
        data: { what: 'ref', issues: [{ path: '(root)', message: 'expected @<kind>:<id>' }] },
      },
    );
  }
  return { kind: m[1]!.toLowerCase(), id: m[2]!, ...(m[3] && { extension: m[3] }) };
}

/** The text form of a ref, with the `{label · detail · status}` extension when any part is given. */
export function formatRef(ref: Pick<Ref, 'kind' | 'id'> & Partial<Pick<Ref, 'label' | 'detail' | 'status'>>): string {
  // Braces and line breaks would end the extension early; a middle dot would shift its parts.
  const clean = (s: string | undefined) =>
    (s ?? '')
      .replace(/[{}\n\r]/g, ' ')
      .replace(/·/g, '-')
      .trim();
  const parts = [clean(ref.label), clean(ref.detail), clean(ref.status)];
  while (parts.length && !parts[parts.length - 1]) parts.pop();
  return parts.length ? `@${ref.kind}:${ref.id}{${parts.join(' · ')}}` : `@${ref.kind}:${ref.id}`;
}
