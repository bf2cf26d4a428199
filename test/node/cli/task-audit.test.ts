// Seed 004's task-audit queries against a ledger the CLI wrote while a command worked in two
// repositories: by repository, by event type, by artifact type alone or with a value, and by
// correlation id (`log --correlation`).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeRun } from '../../contract/ledger.js';
import { tempRepo } from '../../helpers/temp-repo.js';

const CLI = resolve('src/cli/main.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');

function cli(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, CI: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const refOf = (stderr: string) => /@run:(run_[A-Za-z0-9_.-]+)/.exec(stderr)?.[1];
const ids = (stdout: string) =>
  stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { id: string }).id);

describe('task-audit queries over runs the CLI recorded in two repositories', () => {
  let a: ReturnType<typeof tempRepo>;
  let b: ReturnType<typeof tempRepo>;
  beforeEach(() => {
    a = tempRepo('scp-task-a-');
    b = tempRepo('scp-task-b-');
  });
  afterEach(() => {
    a.cleanup();
    b.cleanup();
  });

  it("records both repositories' changes and commits, and every filter finds exactly the right runs", async () => {
    const aRoot = realpathSync(a.dir);
    const bRoot = realpathSync(b.dir);
    // Run 1 commits in both repositories; run 2 only in the ledger's own (no --repo: this one).
    const script = `for d in ${JSON.stringify(aRoot)} ${JSON.stringify(bRoot)}; do echo x > "$d/f.txt"; git -C "$d" add f.txt; git -C "$d" commit -qm "change in $(basename $d)"; done`;
    const both = cli(a.dir, [
      'run',
      '--type',
      'git',
      '--repo',
      '.',
      '--repo',
      bRoot,
      '--artifact',
      'pr:42',
      '--',
      'sh',
      '-c',
      script,
    ]);
    assert.equal(both.code, 0, both.stderr);
    assert.match(both.stderr, /in 2 repositories/);
    const first = refOf(both.stderr)!;
    const one = cli(a.dir, ['run', '--type', 'test', '--', 'sh', '-c', 'echo y > g.txt']);
    assert.equal(one.code, 0, one.stderr);
    const second = refOf(one.stderr)!;

    const log = (...args: string[]) => {
      const r = cli(a.dir, ['log', '--json', '--limit', '50', ...args]);
      assert.equal(r.code, 0, r.stderr);
      return ids(r.stdout);
    };
    assert.deepEqual(log('--repo', bRoot), [first]);
    assert.deepEqual(log('--repo', aRoot), [second, first]);
    assert.deepEqual(log('--event', 'repo_changes'), [second, first]);
    assert.deepEqual(log('--event', 'stderr'), []);
    assert.deepEqual(log('--artifact', 'commit'), [first]);
    assert.deepEqual(log('--artifact', 'pr'), [first]);
    assert.deepEqual(log('--artifact', 'pr:42'), [first]);
    assert.deepEqual(log('--artifact', 'branch:main', '--repo', bRoot), [first]);
    assert.deepEqual(log('--artifact', 'tag'), []);

    const ledger = await createGitLedger({ fs, dir: a.dir });
    const rec = (await ledger.getRun(first))!;
    assert.deepEqual(rec.run['repos'], [aRoot, bRoot]);
    const commits = (rec.run['artifacts'] as { ref_type: string; repo: string; summary?: string }[]).filter(
      (x) => x.ref_type === 'commit',
    );
    assert.deepEqual(
      commits.map((x) => [x.repo, x.summary]),
      [
        [aRoot, `change in ${aRoot.split('/').pop()}`],
        [bRoot, `change in ${bRoot.split('/').pop()}`],
      ],
    );
    assert.deepEqual(
      rec.events.filter((e) => e.type === 'repo_changes').map((e) => e.detail!['repo']),
      [aRoot, bRoot],
    );

    // log --correlation: a run written under a request id is found by it, and only it.
    const traced = makeRun({ correlation_id: '4bf92f3577b34da6a3ce929d0e0e4736' });
    await ledger.write({ runs: [traced] });
    await ledger.close?.();
    assert.deepEqual(log('--correlation', '4bf92f3577b34da6a3ce929d0e0e4736'), [traced.run.run_id]);
    assert.equal(cli(a.dir, ['log', '--repo']).code, 2);
    assert.equal(cli(a.dir, ['run', '--repo', '/nonexistent-scp-path', '--', 'true']).code, 2);
  });
});
