// The CLI in repositories as users have them: linked worktrees, bare repositories (inside one or
// by --git-dir), shallow clones, and a plain clone where the ledger is only origin/scp-ledger.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
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
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('scp-ledger CLI in unusual repositories', () => {
  let repo: ReturnType<typeof tempRepo>;
  let scratch: string;
  beforeEach(() => {
    repo = tempRepo('scp-cli-repos-');
    scratch = mkdtempSync(join(tmpdir(), 'scp-cli-repos-out-'));
  });
  afterEach(() => {
    repo.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  async function seedRuns(n: number): Promise<string[]> {
    const l = await createGitLedger({ fs, dir: repo.dir });
    const out: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = makeRun();
      await l.write({ runs: [r] });
      out.push(r.run.run_id);
    }
    await l.close?.();
    return out;
  }

  it('a run recorded in a linked worktree is on the shared branch: seen from the main checkout, kept after the worktree is removed', () => {
    const wt = join(scratch, 'feature');
    repo.git('worktree', 'add', '-q', '-b', 'feature', wt);
    const r = cli(wt, ['run', '--', process.execPath, '-e', '0']);
    assert.equal(r.code, 0, r.stderr);
    const id = refOf(r.stderr)!;
    assert.ok(id, r.stderr);
    assert.equal(cli(repo.dir, ['show', `@run:${id}`]).code, 0, 'visible from the main checkout');
    assert.match(repo.git('log', '--format=%s', 'scp-ledger'), new RegExp(id));
    const v = cli(wt, ['verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /ledger ok: 2 commits/);
    repo.git('worktree', 'remove', '--force', wt);
    assert.equal(cli(repo.dir, ['show', `@run:${id}`]).code, 0, 'still there after the worktree is gone');
  });

  it('works inside a bare repository and with --git-dir from anywhere', async () => {
    await seedRuns(1);
    const bare = join(scratch, 'bare.git');
    git(scratch, 'clone', '-q', '--bare', repo.dir, bare);
    const r = cli(bare, ['run', '--', process.execPath, '-e', '0']);
    assert.equal(r.code, 0, r.stderr);
    const id = refOf(r.stderr)!;
    const log = cli(scratch, ['--git-dir', bare, 'log', '--json']);
    assert.equal(log.code, 0, log.stderr);
    const entries = log.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(entries.length, 2);
    assert.ok(entries.some((e: { id: string }) => e.id === id));
    assert.match(git(bare, 'log', '--format=%s', 'scp-ledger'), new RegExp(id));
    const none = cli(scratch, ['log']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /not inside a git repository.*--git-dir/);
  });

  it('verifies what a shallow clone holds and says where its history stops', async () => {
    await seedRuns(3);
    const shallow = join(scratch, 'shallow');
    git(scratch, 'clone', '-q', '--depth', '1', '--branch', 'scp-ledger', `file://${repo.dir}`, shallow);
    const head = git(shallow, 'rev-parse', 'HEAD').trim();
    const v = cli(shallow, ['verify']);
    assert.equal(v.code, 0, v.stdout + v.stderr);
    assert.match(v.stdout, /ledger ok: 1 commits/);
    assert.ok(
      v.stdout.includes(`history is shallow below ${head}; fetch with --unshallow to verify all of it`),
      v.stdout,
    );
  });

  it('a plain clone where the ledger is only origin/scp-ledger: the CLI creates the tracking branch and reads it', async () => {
    const ids = await seedRuns(2);
    const clone = join(scratch, 'clone');
    git(scratch, 'clone', '-q', `file://${repo.dir}`, clone);
    assert.throws(() => git(clone, 'rev-parse', '--verify', '-q', 'refs/heads/scp-ledger'));
    const log = cli(clone, ['log', '--json']);
    assert.equal(log.code, 0, log.stderr);
    assert.match(log.stderr, /created the local branch scp-ledger tracking origin\/scp-ledger/);
    const listed = log.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).id)
      .sort();
    assert.deepEqual(listed, [...ids].sort());
    assert.equal(git(clone, 'rev-parse', '--abbrev-ref', 'scp-ledger@{upstream}').trim(), 'origin/scp-ledger');
    const v = cli(clone, ['verify']);
    assert.equal(v.code, 0, v.stdout);
    assert.match(v.stdout, /ledger ok: 3 commits/);
  });
});
