import type { Ref } from '../src/core/index.js';

/** A sent chat message: plain text with each ref shown as a chip (text nodes only, never HTML). */
export function renderMessage(text: string, refs: Ref[], author: string): HTMLLIElement {
  const li = document.createElement('li');
  const who = document.createElement('strong');
  who.textContent = `${author || 'you'}: `;
  li.append(who);
  let at = 0;
  const all = [...text.matchAll(/@[a-z]+:[A-Za-z0-9_.-]+(?:\{[^}]*\})?/g)];
  const known = new Set(refs.map((r) => `${r.kind}:${r.id}`));
  for (const m of all) {
    const [kind, rest] = m[0].slice(1).split(':') as [string, string];
    const id = rest.replace(/\{.*$/, '').replace(/\.$/, '');
    if (!known.has(`${kind}:${id}`)) continue;
    li.append(text.slice(at, m.index));
    const chip = document.createElement('span');
    chip.className = 'chip';
    chip.dataset.ref = `@${kind}:${id}`;
    chip.textContent = `@${kind}:${id}`;
    li.append(chip);
    at = m.index! + `@${kind}:${id}`.length;
  }
  li.append(text.slice(at));
  return li;
}
