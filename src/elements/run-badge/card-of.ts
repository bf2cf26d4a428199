/**
 * Which dashboard card a run belongs to, from its subtype (`<type>:<detail>`).
 * A host with other cards passes its own function to `<scp-run-badge>.cardOf`.
 */
export type CardOf = (subtype: string) => string | undefined;

// Words that name a card, in a run's type (`ci:*`, `git:*`) or detail (`deploy:k8s`).
const CARD_WORDS: Readonly<Record<string, string>> = {
  k8s: 'k8s', kubernetes: 'k8s', kubectl: 'k8s', helm: 'k8s',
  docker: 'docker', compose: 'docker',
  terraform: 'terraform', tf: 'terraform',
  ci: 'ci', pages: 'pages', git: 'git', github: 'github', gh: 'github', dns: 'dns', cdn: 'dns',
};

/**
 * The origin's mapping: `deploy:k8s` → `k8s`, `build:docker` → `docker`,
 * `plan:terraform` / `apply:terraform` → `terraform`, `ci:*` → `ci`, `pages:*` → `pages`,
 * `git:*` → `git`. The type wins over the detail; the detail's first word (`k8s_namespace`) counts.
 */
export const defaultCardOf: CardOf = (subtype) => {
  const colon = subtype.indexOf(':');
  const type = (colon < 0 ? subtype : subtype.slice(0, colon)).toLowerCase();
  if (Object.hasOwn(CARD_WORDS, type)) return CARD_WORDS[type];
  if (colon < 0) return undefined;
  const word = subtype.slice(colon + 1).split(/[:_\-/.\s]/, 1)[0]!.toLowerCase();
  return Object.hasOwn(CARD_WORDS, word) ? CARD_WORDS[word] : undefined;
};

/** Does a run's subtype match a badge's `subtype` (exact, or a `type:*` pattern)? */
export function subtypeMatches(pattern: string, subtype: string): boolean {
  return pattern.endsWith('*') ? subtype.startsWith(pattern.slice(0, -1)) : subtype === pattern;
}
