// remoteOfRecord: a git ledger whose writes are answered only once the remote holds them.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { LedgerWriteError } from '../../../src/core/errors/index.js';
import { createGitLedger, remoteOfRecord } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';
import { startGitServer, type GitServer } from '../../helpers/git-server.mjs';
import { gitRun } from './git-helpers.js';

const BRANCH = 'scp-ledger';

describe('remoteOfRecord (the git remote is the ledger of record)', () => {
  let server: GitServer;
  const dirs: string[] = [];
  before(async () => {
    server = await startGitServer();
  });
  after(async () => {
    await server.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const clone = (url: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-record-'));
    dirs.push(dir);
    return createGitLedger({ fs, http, dir, remote: { url } });
  };
  const onRemote = (name: string, commit: string) => {
    try {
      gitRun(server.pathOf(name), ['merge-base', '--is-ancestor', commit, BRANCH]);
      return true;
    } catch {
      return false;
    }
  };

  it('answers each of many overlapping writes from two clones with a commit the remote holds', async () => {
    const { name, url } = await server.createUniqueRepo('record');
    const a = remoteOfRecord(await clone(url));
    const b = remoteOfRecord(await clone(url));
    const audits = Array.from({ length: 12 }, () => makeAudit());
    const results = await Promise.all(audits.map((audit, i) => (i % 2 ? a : b).write({ audits: [audit] })));
    for (const r of results) assert.ok(onRemote(name, r.commit), `${r.commit} is on the remote`);
    const files = gitRun(server.pathOf(name), ['ls-tree', '-r', '--name-only', BRANCH]).split('\n').filter(Boolean);
    for (const audit of audits) assert.equal(files.filter((f) => f.endsWith(`/${audit.snapshot_id}.json`)).length, 1);
    assert.deepEqual(await server.forcePushes(name), []);
  });

  it('fails a write the remote does not take, and leaves no trace of it in the clone', async () => {
    const { url } = await server.createUniqueRepo('record-down');
    const git = await clone(url);
    const ledger = remoteOfRecord(git);
    const first = makeAudit();
    await ledger.write({ audits: [first] });
    const headBefore = await git.head();
    // The remote goes away: the write must fail, not be answered from the local commit.
    const gone = makeAudit();
    const failing = remoteOfRecord(
      await createGitLedger({ fs, http, dir: git.gitdir.replace(/\/\.git$/, ''), remote: { url: `${url}-missing` } }),
    );
    await assert.rejects(
      failing.write({ audits: [gone] }),
      (e: unknown) => e instanceof LedgerWriteError && e.code === 'ledger_write_failed',
    );
    assert.equal(await git.head(), headBefore, 'the unpushed commit was taken back out');
    assert.equal(await git.getAudit(gone.snapshot_id), undefined);
    // Saved again once the remote is there: it lands, once.
    const again = await ledger.write({ audits: [gone] });
    assert.ok(again.commit);
  });
});
