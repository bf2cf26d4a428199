/** The origin dashboard's card labels; hosts add or override theirs through `createScp({ cardLabels })`. */
export const ORIGIN_CARD_LABELS: Readonly<Record<string, string>> = {
  security: 'Security Posture', testing: 'Testing', quality: 'Code Quality', packages: 'Packages',
  env: 'Environment', docs: 'Documentation', k8s: 'Kubernetes', terraform: 'Terraform', dns: 'DNS & CDN',
  git: 'Git', github: 'GitHub', ci: 'CI/CD', docker: 'Docker', pages: 'GitHub Pages',
  'audit:scores': 'Audit Scores', 'audit:system': 'System Profile', 'audit:deps': 'Dependencies',
  'audit:structure': 'Structure', 'audit:clients': 'Clients', 'audit:scores:enriched': 'Enriched Scores',
  'audit:l2:structure': 'L2 Structure', 'audit:l2:quality': 'L2 Quality', 'audit:l2:repo': 'L2 Repository',
  'audit:l2:risks': 'L2 Risks',
};

/** `project` for `audit:*` cards, `devops` otherwise (the origin's rule). */
export function auditTypeOf(cardKey: string): 'devops' | 'project' {
  return cardKey.startsWith('audit:') ? 'project' : 'devops';
}

// A Map, so a card key named like an Object.prototype member (`constructor`) finds no label.
const ORIGIN_LABELS = new Map(Object.entries(ORIGIN_CARD_LABELS));

/** A readable label for a card key: the host's, the origin's, or the key itself. */
export function cardLabel(cardKey: string, labels: Readonly<Record<string, string>> = ORIGIN_CARD_LABELS): string {
  const host = Object.hasOwn(labels, cardKey) ? labels[cardKey] : undefined;
  return (typeof host === 'string' ? host : undefined) ?? ORIGIN_LABELS.get(cardKey) ?? cardKey;
}
