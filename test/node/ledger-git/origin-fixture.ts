// A ledger as the origin (Python) system writes it, built with native git: orphan branch starting
// with `ledger: init`, flat audits/<id>.json, ledger/runs/<id>/{run.json,events.jsonl}, chat data it
// also keeps there, and annotated tags scp/run/*, scp/audit/* on main's HEAD with JSON messages.
import { execFileSync } from 'node:child_process';
import { commitFiles, gitRun } from './git-helpers.js';

export const ORIGIN_AUDITS = [
  {
    snapshot_id: 'security_20260217_204500',
    card_key: 'security',
    audit_type: 'devops',
    computed_at: 1771361100.5,
    iso: '2026-02-17T20:45:00+00:00',
    status: 'ok',
    duration_s: 1.234,
    summary: '3 issues · Score: 78 · (B)',
    data: { score: 78, issues: ['a', 'b', 'c'] },
  },
  {
    snapshot_id: 'audit_l2_risks_20260217_210000',
    card_key: 'audit:l2:risks',
    audit_type: 'project',
    computed_at: 1771362000,
    iso: '2026-02-17T21:00:00+00:00',
    status: 'ok',
    duration_s: 0.5,
    summary: '2 risks',
    data: { risks: [{ id: 1 }, { id: 2 }] },
  },
];

export const ORIGIN_RUNS = [
  {
    run_id: 'run_20260217T204500Z_deploy_x7k2',
    type: 'deploy',
    subtype: 'deploy:k8s',
    status: 'ok',
    user: 'jfortin',
    code_ref: 'abc123def4567890abc123def4567890abc123de',
    started_at: '2026-02-17T20:45:00+00:00',
    ended_at: '2026-02-17T20:45:03+00:00',
    duration_ms: 3000,
    environment: 'dev',
    modules_affected: ['api'],
    summary: 'Deployed api',
    metadata: { replicas: 3 },
  },
  {
    run_id: 'run_20260217T210500Z_build_ab12',
    type: 'build',
    subtype: 'build:docker',
    status: 'failed',
    user: 'jfortin',
    code_ref: '',
    started_at: '2026-02-17T21:05:00+00:00',
    ended_at: null,
    duration_ms: null,
    environment: '',
    modules_affected: [],
    summary: 'Build failed',
    metadata: {},
  },
];

export const ORIGIN_EVENTS = [
  {
    seq: 1,
    ts: '2026-02-17T20:45:01+00:00',
    type: 'step',
    adapter: 'kubectl',
    action_id: 'apply',
    target: 'deployment/api',
    status: 'ok',
    duration_ms: 800,
    detail: {},
  },
  {
    seq: 2,
    ts: '2026-02-17T20:45:02+00:00',
    type: 'step',
    adapter: 'kubectl',
    action_id: 'rollout',
    target: 'deployment/api',
    status: 'ok',
    duration_ms: 1200,
    detail: { replicas: 3 },
  },
];

/** A run the origin only recorded as a tag (no file on the branch). */
export const TAG_ONLY_RUN = {
  run_id: 'run_20260217T220000Z_test_zz99',
  type: 'test',
  subtype: 'test:unit',
  status: 'ok',
  user: 'jfortin',
  code_ref: '',
  started_at: '2026-02-17T22:00:00+00:00',
  ended_at: '2026-02-17T22:00:01+00:00',
  duration_ms: 1000,
  environment: '',
  modules_affected: [],
  summary: '120 passed',
  metadata: {},
};

const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Creates a main repo (a non-bare `.git` in `dir`) holding the origin's ledger branch. */
export function buildOriginLedger(dir: string, branch = 'scp-ledger'): { gitdir: string; mainHead: string } {
  execFileSync('git', ['init', '-q', '-b', 'main', dir]);
  const gitdir = `${dir}/.git`;
  const mainHead = commitFiles(gitdir, 'main', { 'README.md': '# host project\n' }, 'initial');
  commitFiles(gitdir, branch, {}, 'ledger: init', { parent: null });
  const [a1, a2] = ORIGIN_AUDITS;
  const [r1, r2] = ORIGIN_RUNS;
  commitFiles(
    gitdir,
    branch,
    { [`audits/${a1!.snapshot_id}.json`]: pretty(a1) },
    `audit: ${a1!.card_key} ${a1!.snapshot_id}`,
  );
  commitFiles(
    gitdir,
    branch,
    {
      [`ledger/runs/${r1!.run_id}/run.json`]: pretty(r1),
      [`ledger/runs/${r1!.run_id}/events.jsonl`]: ORIGIN_EVENTS.map((e) => JSON.stringify(e)).join('\n') + '\n',
    },
    `ledger: deploy ${r1!.run_id}`,
  );
  commitFiles(gitdir, branch, { 'chat/threads/t1/thread.json': pretty({ id: 't1' }) }, 'chat: thread t1');
  commitFiles(
    gitdir,
    branch,
    { [`audits/${a2!.snapshot_id}.json`]: pretty(a2) },
    `audit: ${a2!.card_key} ${a2!.snapshot_id}`,
  );
  commitFiles(gitdir, branch, { [`ledger/runs/${r2!.run_id}/run.json`]: pretty(r2) }, `ledger: build ${r2!.run_id}`);
  const tag = (name: string, msg: string) => gitRun(gitdir, ['tag', '-a', name, '-m', msg, mainHead]);
  for (const r of [r1!, r2!, TAG_ONLY_RUN]) tag(`scp/run/${r.run_id}`, JSON.stringify(r));
  for (const a of [a1!, a2!])
    tag(
      `scp/audit/${a.snapshot_id}`,
      JSON.stringify({
        snapshot_id: a.snapshot_id,
        card_key: a.card_key,
        status: a.status,
        iso: a.iso,
        summary: a.summary,
      }),
    );
  return { gitdir, mainHead };
}
