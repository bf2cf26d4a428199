// A full disk, for real: the repository sits on a 2 MB tmpfs filled to the last byte. The CLI and
// the host answer with a typed error naming the disk problem (the host: 507 with a JSON body, and
// the error logged), the old head stays, nothing half written is left, and the next write works
// as soon as there is space again. Also: an audit that landed while still pending is saved.
import type { JsonReply } from '../../helpers/json-reply.js';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readdirSync, rmSync, openSync, writeSync, closeSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createScp } from '../../../src/core/client.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import { makeRun } from '../../contract/ledger.js';
import { startHost, type RunningHost } from '../host/support/host-server.js';
import { fsckOk } from './git-helpers.js';

const CLI = resolve('src/cli/main.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');

/** Fill the filesystem holding `dir` until it refuses another byte; returns the filler's path. */
function fill(dir: string): string {
  const path = join(dir, 'filler');
  const fd = openSync(path, 'a');
  try {
    for (const size of [1 << 16, 1 << 12, 1 << 8, 1]) {
      const buf = Buffer.alloc(size, 7);
      for (;;) {
        try {
          writeSync(fd, buf);
        } catch (e) {
          if ((e as { code?: string }).code === 'ENOSPC') break;
          throw e;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('a full disk under the git ledger', () => {
  let mountPoint: string;
  let repoDir: string;
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repoDir, encoding: 'utf8' });
  before(() => {
    mountPoint = mkdtempSync(join(tmpdir(), 'scp-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint]);
  });
  after(() => {
    execFileSync('umount', [mountPoint]);
    rmSync(mountPoint, { recursive: true, force: true });
  });
  beforeEach(() => {
    repoDir = join(mountPoint, `repo-${Math.random().toString(36).slice(2, 8)}`);
    fs.mkdirSync(repoDir);
    git('init', '-q', '-b', 'main');
    git('config', 'user.name', 'Test User');
    git('config', 'user.email', 'test@example.com');
    git('commit', '-q', '--allow-empty', '-m', 'initial');
  });
  afterEach(() => {
    rmSync(join(mountPoint, 'filler'), { force: true });
    rmSync(repoDir, { recursive: true, force: true });
  });

  const leftovers = () => [
    ...readdirSync(join(repoDir, '.git', 'objects', 'pack')).filter((n) => n.startsWith('tmp')),
    ...(existsSync(join(repoDir, '.git', 'refs', 'heads', 'scp-ledger.lock')) ? ['scp-ledger.lock'] : []),
  ];

  it('the CLI says the disk is full, keeps the old head and writes again once space is back', () => {
    const cli = (args: string[]) =>
      spawnSync(process.execPath, ['--import', TSX, CLI, ...args], {
        cwd: repoDir,
        encoding: 'utf8',
        env: { ...process.env, CI: '' },
      });
    const first = cli(['run', '--no-repo-changes', '--', process.execPath, '-e', '0']);
    assert.equal(first.status, 0, first.stderr);
    const head = git('rev-parse', 'scp-ledger').trim();
    const filler = fill(mountPoint);
    const full = cli(['run', '--no-repo-changes', '--', process.execPath, '-e', '0']);
    assert.equal(full.status, 1, full.stderr);
    assert.match(full.stderr, /disk holding the ledger is full.*\[disk_full\]/);
    assert.equal(git('rev-parse', 'scp-ledger').trim(), head, 'the old head is intact');
    assert.deepEqual(leftovers(), [], 'nothing half written is left');
    rmSync(filler);
    const again = cli(['run', '--no-repo-changes', '--', process.execPath, '-e', '0']);
    assert.equal(again.status, 0, again.stderr);
    assert.notEqual(git('rev-parse', 'scp-ledger').trim(), head);
    fsckOk(join(repoDir, '.git'));
  });

  it('the host answers 507 with a JSON error, logs it, and saves again once space is back', async () => {
    const ledger = await createGitLedger({ fs, dir: repoDir });
    await ledger.write({ runs: [makeRun()] });
    const head = await ledger.head();
    const logged: unknown[] = [];
    const scp = createScp({ ledger, staging: createMemoryStagingStore(), channel: false });
    let host: RunningHost | undefined;
    try {
      host = await startHost({
        scp,
        onError: (e) => {
          logged.push(e);
        },
      });
      const post = async (path: string, body: unknown) => {
        const res = await fetch(`${host!.baseUrl}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        return { status: res.status, json: (await res.json()) as JsonReply };
      };
      const staged = await post('/api/audits/stage', { card_key: 'security', result: { score: 1 } });
      assert.equal(staged.status, 200, JSON.stringify(staged.json));
      const id = staged.json.snapshot_id ?? staged.json.snapshot?.snapshot_id;
      assert.ok(id, JSON.stringify(staged.json));
      const filler = fill(mountPoint);
      const saved = await post('/api/audits/save', { snapshot_ids: [id] });
      assert.equal(saved.status, 507, JSON.stringify(saved.json));
      assert.equal(saved.json.error, 'disk_full');
      assert.match(saved.json.message, /disk holding the ledger is full/);
      const direct = await post('/api/ledger/write', { runs: [makeRun()] });
      assert.equal(direct.status, 507, JSON.stringify(direct.json));
      assert.equal(logged.length, 2, 'both failures were logged');
      assert.equal(await ledger.head(), head, 'the old head is intact');
      assert.deepEqual(leftovers(), []);
      rmSync(filler);
      const retry = await post('/api/audits/save', { snapshot_ids: [id] });
      assert.equal(retry.status, 200, JSON.stringify(retry.json));
      assert.ok(await ledger.getAudit(id));
      fsckOk(join(repoDir, '.git'));
    } finally {
      await host?.stop();
      await scp.close?.();
    }
  });

  it('an audit that landed in the ledger but is still pending is saved by the next save', async () => {
    const ledger = await createGitLedger({ fs, dir: repoDir });
    let crash = true;
    // The process "dies" right after the commit landed, before pending is updated.
    const crashing = {
      ...ledger,
      write: async (b: Parameters<typeof ledger.write>[0]) => {
        const r = await ledger.write(b);
        if (crash) throw new Error('killed after the commit');
        return r;
      },
    };
    const staging = createMemoryStagingStore();
    const first = createScp({ ledger: crashing, staging, channel: false });
    const staged = await first.staging.stage('security', { score: 1 });
    assert.ok(staged.staged);
    const id = staged.staged ? staged.snapshot.snapshot_id : '';
    await assert.rejects(first.staging.save([id]));
    assert.ok(await ledger.getAudit(id), 'in the ledger');
    assert.equal((await first.staging.list()).length, 1, 'and still pending');
    crash = false;
    const result = await first.staging.save([id]);
    assert.deepEqual(result.saved, [id]);
    assert.deepEqual(await first.staging.list(), []);
    assert.equal(Number(git('rev-list', '--count', 'scp-ledger').trim()), 2, 'no second commit of the same audit');
    await first.close?.();
  });
});
