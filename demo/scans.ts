/**
 * Made-up but realistic scan results for the playground's cards, so that refreshing a card
 * produces a snapshot worth reviewing. Each call varies a little, like a real re-scan would.
 */
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(Math.random() * xs.length)]!;
const int = (lo: number, hi: number) => lo + Math.floor(Math.random() * (hi - lo + 1));
const grade = (score: number) => (score >= 90 ? 'A' : score >= 80 ? 'B' : score >= 70 ? 'C' : score >= 60 ? 'D' : 'F');

export interface ScanResult {
  summary: string;
  duration_s: number;
  data: Record<string, unknown>;
}

const PACKAGES = [
  'flask',
  'requests',
  'jinja2',
  'pyyaml',
  'urllib3',
  'cryptography',
  'gunicorn',
  'click',
  'pydantic',
  'sqlalchemy',
];
const FILES = [
  'src/app.py',
  'src/core/config.py',
  'src/web/routes.py',
  'deploy/k8s/api.yaml',
  'terraform/main.tf',
  'Dockerfile',
  '.github/workflows/ci.yml',
];

function securityScan(): ScanResult {
  const findings = Array.from({ length: int(0, 6) }, (_, i) => ({
    id: `SEC-${100 + i}`,
    severity: pick(['low', 'medium', 'high', 'critical'] as const),
    file: pick(FILES),
    line: int(1, 400),
    rule: pick(['hardcoded-secret', 'weak-hash', 'sql-injection', 'open-redirect', 'debug-enabled']),
    // Scanners sometimes echo the secret they found: redaction must catch it before it is stored.
    evidence: pick([
      'password = "hunter2-prod"',
      'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'md5(password)',
      'DEBUG = True',
    ]),
  }));
  const score = Math.max(20, 100 - findings.length * int(4, 9));
  return {
    summary: `${findings.length} issues · Score: ${score} · (${grade(score)})`,
    duration_s: Math.random() * 3 + 0.4,
    data: {
      score,
      grade: grade(score),
      findings,
      gitignore: { present: true, missing_patterns: findings.length > 3 ? ['.env'] : [] },
    },
  };
}

function testingScan(): ScanResult {
  const total = int(180, 240);
  const failed = int(0, 4);
  const skipped = int(0, 6);
  return {
    summary: `${total - failed - skipped} passed · ${failed} failed · ${skipped} skipped`,
    duration_s: Math.random() * 8 + 2,
    data: {
      framework: 'pytest',
      total,
      failed,
      skipped,
      coverage: +(70 + Math.random() * 20).toFixed(1),
      slowest: Array.from({ length: 5 }, () => ({
        test: `tests/test_${pick(['api', 'cache', 'ledger', 'auth'])}.py::test_${int(1, 40)}`,
        seconds: +(Math.random() * 4).toFixed(2),
      })),
    },
  };
}

function packagesScan(): ScanResult {
  const outdated = PACKAGES.filter(() => Math.random() < 0.3).map((name) => ({
    name,
    current: `${int(1, 3)}.${int(0, 9)}.${int(0, 9)}`,
    latest: `${int(3, 4)}.${int(0, 9)}.0`,
  }));
  return {
    summary: `${PACKAGES.length} packages · ${outdated.length} outdated`,
    duration_s: Math.random() * 2 + 0.5,
    data: { manager: 'pip', total: PACKAGES.length, outdated },
  };
}

function k8sScan(): ScanResult {
  const pods = Array.from({ length: int(4, 9) }, (_, i) => ({
    name: `api-${i}-${Math.random().toString(36).slice(2, 7)}`,
    phase: Math.random() < 0.9 ? 'Running' : 'CrashLoopBackOff',
    restarts: int(0, 3),
  }));
  const bad = pods.filter((p) => p.phase !== 'Running').length;
  return {
    summary: `${pods.length} pods · ${bad} unhealthy · context prod-eu`,
    duration_s: Math.random() + 0.3,
    data: { context: 'prod-eu', namespace: 'default', pods },
  };
}

function generic(card: string): ScanResult {
  const checks = Array.from({ length: int(5, 12) }, (_, i) => ({
    check: `${card}-check-${i + 1}`,
    ok: Math.random() < 0.85,
  }));
  const failed = checks.filter((c) => !c.ok).length;
  return {
    summary: `${checks.length} checks · ${failed} warnings`,
    duration_s: Math.random() * 2 + 0.2,
    data: { card, checks },
  };
}

const SCANNERS: Record<string, () => ScanResult> = {
  security: securityScan,
  testing: testingScan,
  packages: packagesScan,
  k8s: k8sScan,
};

export function scan(card: string): ScanResult {
  const r = (SCANNERS[card] ?? (() => generic(card)))();
  return { ...r, duration_s: Math.round(r.duration_s * 1000) / 1000 };
}

export const DEVOPS_CARDS = [
  'security',
  'testing',
  'quality',
  'packages',
  'env',
  'docs',
  'k8s',
  'terraform',
  'dns',
] as const;
export const INTEGRATION_CARDS = ['git', 'github', 'ci', 'docker', 'k8s', 'terraform', 'pages'] as const;

/** Integration actions recorded as Runs: some slow, some that fail now and then. */
export const ACTIONS: Record<string, { label: string; type: string; subtype: string; ms: number; failRate: number }[]> =
  {
    git: [{ label: 'Commit', type: 'git', subtype: 'git:commit', ms: 400, failRate: 0 }],
    github: [{ label: 'Sync PRs', type: 'scan', subtype: 'scan:github', ms: 700, failRate: 0.1 }],
    ci: [{ label: 'Trigger CI', type: 'ci', subtype: 'ci:trigger', ms: 1200, failRate: 0.2 }],
    docker: [{ label: 'Build', type: 'build', subtype: 'build:docker', ms: 2500, failRate: 0.2 }],
    k8s: [{ label: 'Deploy', type: 'deploy', subtype: 'deploy:k8s', ms: 3000, failRate: 0.25 }],
    terraform: [
      { label: 'Plan', type: 'plan', subtype: 'plan:terraform', ms: 1500, failRate: 0 },
      { label: 'Apply', type: 'deploy', subtype: 'deploy:terraform', ms: 3500, failRate: 0.3 },
    ],
    pages: [{ label: 'Publish', type: 'deploy', subtype: 'deploy:pages', ms: 1800, failRate: 0.1 }],
  };
