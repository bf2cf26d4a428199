/**
 * The origin dashboard's cards, as this playground declares them to `createScp({ cards })`: the
 * 9 DevOps cards, the 7 integration cards (k8s and terraform are on both) and the project audit
 * cards, with the run subtypes the origin shows on each integration card.
 */
import type { CardSpec } from '../src/core/cards.js';

// A card's runs: its own type (`ci:*`) or a detail naming it (`deploy:k8s`, `setup:k8s_namespace`).
const named = (...words: string[]) => words.flatMap((w) => [`${w}:*`, `*:${w}`, `*:${w}_*`, `*:${w}-*`]);

export const DEMO_CARDS: readonly CardSpec[] = [
  { key: 'security', label: 'Security Posture', category: 'DevOps' },
  { key: 'testing', label: 'Testing', category: 'DevOps' },
  { key: 'quality', label: 'Code Quality', category: 'DevOps' },
  { key: 'packages', label: 'Packages', category: 'DevOps' },
  { key: 'env', label: 'Environment', category: 'DevOps' },
  { key: 'docs', label: 'Documentation', category: 'DevOps' },
  { key: 'k8s', label: 'Kubernetes', category: 'DevOps', runs: named('k8s', 'kubernetes', 'kubectl', 'helm') },
  { key: 'terraform', label: 'Terraform', category: 'DevOps', runs: named('terraform', 'tf') },
  { key: 'dns', label: 'DNS & CDN', category: 'DevOps', runs: named('dns', 'cdn') },
  { key: 'git', label: 'Git', category: 'Integrations', runs: named('git') },
  { key: 'github', label: 'GitHub', category: 'Integrations', runs: named('github', 'gh') },
  { key: 'ci', label: 'CI/CD', category: 'Integrations', runs: named('ci') },
  { key: 'docker', label: 'Docker', category: 'Integrations', runs: named('docker', 'compose') },
  { key: 'pages', label: 'GitHub Pages', category: 'Integrations', runs: named('pages') },
  ...(
    [
      ['audit:scores', 'Audit Scores'],
      ['audit:system', 'System Profile'],
      ['audit:deps', 'Dependencies'],
      ['audit:structure', 'Structure'],
      ['audit:clients', 'Clients'],
      ['audit:scores:enriched', 'Enriched Scores'],
      ['audit:l2:structure', 'L2 Structure'],
      ['audit:l2:quality', 'L2 Quality'],
      ['audit:l2:repo', 'L2 Repository'],
      ['audit:l2:risks', 'L2 Risks'],
    ] as const
  ).map(([key, label]) => ({ key, label, category: 'Project' })),
];
