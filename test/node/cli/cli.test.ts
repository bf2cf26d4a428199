import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tempRepo } from '../../helpers/temp-repo.js';

const CLI = resolve('src/cli/main.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');

function cli(cwd: string, args: string[], input?: string) {
  const r = spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
    cwd,
    encoding: 'utf8',
    input,
    env: { ...process.env, CI: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
const refOf = (stderr: string) => /@run:(run_[A-Za-z0-9_.-]+)/.exec(stderr)?.[1];

describe('scp-ledger CLI', () => {
  let repo: ReturnType<typeof tempRepo>;
  beforeEach(() => {
    repo = tempRepo('scp-cli-');
  });
  afterEach(() => repo.cleanup());

  it("passes the command's stdout, stderr and exit code through unchanged and records the run", () => {
    const r = cli(repo.dir, [
      'run',
      '--type',
      'test',
      '--',
      'node',
      '-e',
      'process.stdout.write("out\\u00e9\\n"); process.stderr.write("err\\n"); process.exit(3)',
    ]);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\u00e9\n');
    assert.ok(r.stderr.startsWith('err\n'));
    const id = refOf(r.stderr);
    assert.ok(id, r.stderr);
    const shown = cli(repo.dir, ['show', `@run:${id}`, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    const rec = JSON.parse(shown.stdout);
    assert.equal(rec.run.status, 'failed');
    assert.equal(rec.run.metadata.exit_code, 3);
    assert.equal(rec.run.user, 'Test User');
    assert.equal(rec.run.code_ref, repo.git('rev-parse', 'HEAD').trim());
    assert.deepEqual(
      rec.events.map((e: { type: string }) => e.type),
      ['command', 'stdout', 'stderr', 'repo_changes'],
    );
    // Native git reads what we wrote on the ledger branch.
    assert.match(repo.git('log', '--format=%s', 'scp-ledger'), new RegExp(id!));
  });

  it('records exit 0 as ok and never touches the working branch', () => {
    const r = cli(repo.dir, ['run', '--', 'node', '-e', '0']);
    assert.equal(r.code, 0);
    assert.equal(repo.git('rev-parse', '--abbrev-ref', 'HEAD').trim(), 'main');
    assert.equal(repo.git('status', '--porcelain'), '');
    const log = cli(repo.dir, ['log', '--json']);
    const entries = log.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(entries.length, 1);
    assert.equal(entries[0].status, 'ok');
  });

  it('answers a command that does not exist with 127 and a one-line error, and records it failed', () => {
    const r = cli(repo.dir, ['run', '--', 'no-such-command-xyz']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /cannot run "no-such-command-xyz": command not found/);
    const log = cli(repo.dir, ['log', '--status', 'failed', '--json']);
    assert.equal(log.stdout.trim().split('\n').length, 1);
  });

  it('forwards Ctrl-C to the command and records the run as cancelled', async () => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        TSX,
        CLI,
        'run',
        '--',
        'node',
        '-e',
        'process.on("SIGINT", () => process.exit(130)); console.log("ready"); setInterval(() => {}, 1000)',
      ],
      { cwd: repo.dir },
    );
    let err = '';
    child.stderr.on('data', (b) => {
      err += b;
    });
    await new Promise<void>((res) => child.stdout.once('data', () => res()));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((res) => child.on('close', (c) => res(c)));
    assert.equal(code, 130);
    const id = refOf(err);
    const rec = JSON.parse(cli(repo.dir, ['show', `@run:${id}`, '--json']).stdout);
    assert.equal(rec.run.status, 'cancelled');
  });

  it('counts changed files and lines exactly as git diff --numstat does, and lists commits made during the run', () => {
    writeFileSync(join(repo.dir, 'a.txt'), 'one\ntwo\nthree\n');
    repo.git('add', 'a.txt');
    repo.git('commit', '-qm', 'add a');
    const before = repo.git('rev-parse', 'HEAD').trim();
    const script = [
      'const fs = require("fs"); const { execSync } = require("child_process");',
      'fs.writeFileSync("a.txt", "one\\n2\\nthree\\nfour\\n");',
      'fs.mkdirSync("src"); fs.writeFileSync("src/b.js", "x\\ny\\n");',
      'execSync("git add -A && git commit -qm \\"change during run\\"");',
      'fs.writeFileSync("c.txt", "uncommitted\\n");',
    ].join('');
    const r = cli(repo.dir, ['run', '--type', 'build', '--', 'node', '-e', script]);
    assert.equal(r.code, 0, r.stderr);
    const id = refOf(r.stderr);
    const rec = JSON.parse(cli(repo.dir, ['show', `@run:${id}`, '--json']).stdout);
    const changes = rec.events.find((e: { type: string }) => e.type === 'repo_changes').detail;
    // Expected: the committed diff plus the untracked file.
    const numstat = repo
      .git('diff', '--numstat', before, 'HEAD')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'));
    const added = numstat.reduce((s, [a]) => s + Number(a), 0) + 1;
    const deleted = numstat.reduce((s, [, d]) => s + Number(d), 0);
    assert.equal(changes.lines_added, added);
    assert.equal(changes.lines_deleted, deleted);
    assert.deepEqual([...changes.files_changed].sort(), ['a.txt', 'c.txt', 'src/b.js']);
    assert.equal(changes.commits.length, 1);
    assert.equal(changes.commits[0].sha, repo.git('rev-parse', 'HEAD').trim());
    assert.deepEqual(rec.run.artifacts.map((a: { ref_type: string }) => a.ref_type).sort(), ['branch', 'commit']);
    // "Which runs reference commit abc123?"
    const byCommit = cli(repo.dir, ['log', '--artifact', `commit:${changes.commits[0].sha.slice(0, 8)}`, '--json']);
    assert.equal(byCommit.stdout.trim().split('\n').length, 1);
    assert.equal(JSON.parse(byCommit.stdout).id, id);
  });

  it('caps the status summary at 5 KB and the output tails, with a truncation note', () => {
    mkdirSync(join(repo.dir, 'many'));
    const script =
      'const fs=require("fs"); for (let i=0;i<400;i++) fs.writeFileSync("many/file-with-a-long-name-" + i + ".txt", "x\\n"); process.stdout.write("y".repeat(20000))';
    const r = cli(repo.dir, ['run', '--', 'node', '-e', script]);
    assert.equal(r.code, 0);
    const rec = JSON.parse(cli(repo.dir, ['show', `@run:${refOf(r.stderr)}`, '--json']).stdout);
    const changes = rec.events.find((e: { type: string }) => e.type === 'repo_changes').detail;
    assert.match(changes.git_status_summary, /\.\.\. \(truncated, total \d+ bytes\)$/);
    assert.ok(Buffer.byteLength(changes.git_status_summary) <= 5 * 1024 + 60);
    assert.equal(changes.files_changed.length, 400);
    const out = rec.events.find((e: { type: string }) => e.type === 'stdout').detail;
    assert.equal(out.bytes, 20000);
    assert.match(out.tail, /^\.\.\. \(truncated, total 20000 bytes\)\n/);
  });

  it('exits 2 with a one-line message on usage errors and outside a repository', () => {
    const noCmd = cli(repo.dir, ['run']);
    assert.equal(noCmd.code, 2);
    assert.match(noCmd.stderr, /nothing to run/);
    const bad = cli(repo.dir, ['log', '--bogus']);
    assert.equal(bad.code, 2);
    const unknown = cli(repo.dir, ['frobnicate']);
    assert.equal(unknown.code, 2);
    const outside = cli('/', ['log']);
    assert.equal(outside.code, 2);
    assert.match(outside.stderr, /not inside a git repository/);
    for (const c of ['run', 'log', 'show', 'export', 'verify', 'sync', 'import-origin']) {
      const h = cli(repo.dir, [c, '--help']);
      assert.equal(h.code, 0, c);
      assert.match(h.stdout, new RegExp(`^Usage: scp-ledger ${c}`), c);
    }
  });

  it('refuses a bad --type, --subtype or --artifact with exit 2 before running the command', () => {
    const marker = join(repo.dir, 'ran.txt');
    const touch = ['--', 'node', '-e', `require("fs").writeFileSync(${JSON.stringify(marker)}, "1")`];
    const cases: [string[], RegExp][] = [
      [['--artifact', 'ticket:42'], /^scp-ledger run: --artifact: one of commit, branch, pr, patch, file, tag/],
      [['--artifact', 'pr'], /^scp-ledger run: --artifact: a string of 1 to 500 characters \(write <type>:<value>/],
      [['--type='], /^scp-ledger run: --type: a non-empty string is required/],
      [['--subtype', 'x'.repeat(201)], /^scp-ledger run: --subtype: a string of at most 200 characters/],
    ];
    for (const [options, message] of cases) {
      const r = cli(repo.dir, ['run', ...options, ...touch]);
      assert.equal(r.code, 2, `${options.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.equal(existsSync(marker), false, `${options.join(' ')}: the command ran`);
    }
    assert.equal(repo.git('branch', '--list', 'scp-ledger').trim(), '', 'no ledger branch was made');
  });

  it('exports CSV and JSON Lines of exactly the filtered entries', () => {
    for (const code of [0, 1, 0])
      cli(repo.dir, ['run', '--type', 'deploy', '--', 'node', '-e', `process.exit(${code})`]);
    const csv = cli(repo.dir, ['export', '--format', 'csv', '--status', 'ok']);
    assert.equal(csv.code, 0, csv.stderr);
    const lines = csv.stdout.trim().split('\r\n');
    assert.equal(lines[0], 'time,kind,id,actor,action,target,card,status,summary,reason,duration_ms');
    assert.equal(lines.length, 3);
    const jsonl = cli(repo.dir, ['export', '--format', 'jsonl', '--status', 'failed']);
    assert.equal(jsonl.stdout.trim().split('\n').length, 1);
  });

  it('verify exits 0 on a clean ledger and 1 after an entry is edited behind its back', () => {
    cli(repo.dir, ['run', '--', 'node', '-e', '0']);
    assert.equal(cli(repo.dir, ['verify']).code, 0);
    // Tamper: rewrite run.json's summary in a new commit on the ledger branch with native git.
    const files = repo
      .git('ls-tree', '-r', '--name-only', 'scp-ledger')
      .split('\n')
      .filter((f) => f.endsWith('run.json'));
    const path = files[0]!;
    const blob = repo.git('show', `scp-ledger:${path}`).replace(/"summary": "[^"]*"/, '"summary": "nothing to see"');
    const wt = join(repo.dir, '..', `${repo.dir.split('/').pop()}-wt`);
    repo.git('worktree', 'add', '-q', wt, 'scp-ledger');
    writeFileSync(join(wt, path), blob);
    spawnSync('git', ['commit', '-qam', 'edit'], { cwd: wt });
    repo.git('worktree', 'remove', '--force', wt);
    const v = cli(repo.dir, ['verify', '--json']);
    assert.equal(v.code, 1);
    assert.equal(JSON.parse(v.stdout).ok, false);
  });
});
