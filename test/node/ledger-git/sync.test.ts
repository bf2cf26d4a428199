// sync() against a real `git http-backend` on 127.0.0.1 (bare repos deny non-fast-forwards).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { ScpError } from '../../../src/core/errors/index.js';
import { createGitLedger, type GitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { fsckOk, gitRun, gitServerSuite } from './git-helpers.js';

const BRANCH = 'scp-ledger';

describe('git ledger sync() with a real smart-HTTP server', () => {
  const suite = gitServerSuite('scp-sync-');

  async function clone(url: string, viaIsomorphicGit = false): Promise<GitLedger> {
    const dir = suite.scratchDir();
    // An auth callback routes pushes through isomorphic-git's push instead of the ledger's own pack.
    return createGitLedger({ fs, http, dir, remote: { url, ...(viaIsomorphicGit && { onAuth: () => ({}) }) } });
  }
  const remoteGit = (name: string, args: string[]) => gitRun(suite.server.pathOf(name), args);
  const remoteIds = (name: string) =>
    remoteGit(name, ['ls-tree', '-r', '--name-only', BRANCH])
      .split('\n')
      .filter(Boolean)
      .map((p) => p.split('/'))
      .map((s) => (s[0] === 'audits' ? s[s.length - 1]!.replace(/\.json$/, '') : s[s.length - 2]!));

  it('publishes to an empty remote, then a second clone fast-forwards to it and reads every entry', async () => {
    const { name, url } = await suite.server.createUniqueRepo('publish');
    const a = await clone(url);
    const audits = [makeAudit(), makeAudit({ card_key: 'k8s' })];
    const run = makeRun();
    await a.write({ audits, runs: [run] });
    const r1 = await a.sync();
    assert.equal(r1.head, await a.head());
    assert.equal(r1.pushed, 2); // ledger: init + the batch
    assert.equal(remoteGit(name, ['rev-parse', BRANCH]).trim(), await a.head());

    const b = await clone(url);
    const r2 = await b.sync();
    assert.deepEqual(r2, { head: await a.head(), fetched: 2, pushed: 0 });
    assert.deepEqual(await b.getAudit(audits[1]!.snapshot_id), await a.getAudit(audits[1]!.snapshot_id));
    assert.deepEqual(await b.getRun(run.run.run_id), await a.getRun(run.run.run_id));
    assert.equal((await b.list()).entries.length, 3);
    assert.equal((await b.verify()).ok, true);
  });

  for (const via of ['own pack', 'isomorphic-git push'] as const)
    it(`replays local commits on top of a remote that moved (${via}): linear history, nothing lost, no force push, verify still ok`, async () => {
      const { name, url } = await suite.server.createUniqueRepo('diverge');
      const viaIg = via === 'isomorphic-git push';
      const a = await clone(url, viaIg);
      await a.write({ audits: [makeAudit()] });
      await a.sync();
      const b = await clone(url, viaIg);
      await b.sync();
      const fromA = makeAudit({ card_key: 'dns' });
      const fromB = [makeAudit({ card_key: 'git' }), makeAudit({ card_key: 'ci' })];
      await a.write({ audits: [fromA] });
      await b.write({ audits: [fromB[0]!] });
      await b.deleteAudit(fromB[0]!.snapshot_id, { reason: 'wrong card' });
      await b.write({ audits: [fromB[1]!], runs: [makeRun()] });
      assert.equal((await b.verify()).ok, true);
      await a.sync();
      const result = await b.sync();
      assert.equal(result.pushed, 3);
      assert.equal(result.fetched, 1);
      assert.equal((await b.verify()).ok, true, 'the verified mark moves to the replayed commits');
      await a.sync();
      assert.equal(await a.head(), await b.head());
      assert.equal(remoteGit(name, ['rev-list', '--merges', '--count', BRANCH]).trim(), '0');
      assert.equal(
        remoteGit(name, ['log', '-4', '--format=%s', BRANCH]).split('\n')[3],
        `audit: dns ${fromA.snapshot_id}`,
      );
      assert.equal(await a.getAudit(fromB[0]!.snapshot_id), undefined);
      assert.equal((await a.getAudit(fromB[1]!.snapshot_id))?.card_key, 'ci');
      assert.equal((await a.verify()).ok, true);
      assert.deepEqual(await suite.server.forcePushes(name), []);
      fsckOk(suite.server.pathOf(name));
    });

  it('two clones writing 25 rounds each and syncing concurrently end with all 50 entries on the remote', async () => {
    const { name, url } = await suite.server.createUniqueRepo('rounds');
    const a = await clone(url);
    const b = await clone(url);
    const written: string[] = [];
    const rounds = async (l: GitLedger, card: string) => {
      for (let i = 0; i < 25; i++) {
        const au = makeAudit({ card_key: card });
        await l.write({ audits: [au] });
        written.push(au.snapshot_id);
        try {
          await l.sync();
        } catch (e) {
          // A sync that loses every retry to the other writer reports it; the next round carries the entry.
          assert.ok(e instanceof ScpError && e.code === 'push_rejected', String(e));
        }
      }
    };
    await Promise.all([rounds(a, 'security'), rounds(b, 'k8s')]);
    await a.sync();
    await b.sync();
    await a.sync();
    assert.equal(await a.head(), await b.head());
    const onRemote = remoteIds(name);
    assert.equal(written.length, 50);
    for (const id of written) assert.ok(onRemote.includes(id), `${id} reached the remote`);
    assert.equal(remoteGit(name, ['rev-list', '--merges', '--count', BRANCH]).trim(), '0');
    const roots = remoteGit(name, ['rev-list', '--max-parents=0', BRANCH]).trim().split('\n');
    assert.equal(roots.length, 1, 'one root: a single linear history');
    assert.deepEqual(await suite.server.forcePushes(name), []);
    assert.equal((await a.verify()).ok, true);
    assert.equal((await b.verify()).ok, true);
    assert.equal((await a.list({ limit: 100 })).entries.length, 50);
    fsckOk(suite.server.pathOf(name));
  });

  it('a push the remote refuses leaves the local ledger intact and reports PushRejectedError', async () => {
    const { name, url } = await suite.server.createUniqueRepo('refuse');
    const hook = join(suite.server.pathOf(name), 'hooks', 'update');
    writeFileSync(hook, '#!/bin/sh\necho "protected by policy" >&2\nexit 1\n');
    chmodSync(hook, 0o755);
    const a = await clone(url);
    const audit = makeAudit();
    await a.write({ audits: [audit] });
    const head = await a.head();
    await assert.rejects(a.sync(), (e: unknown) => e instanceof ScpError && e.code === 'push_rejected');
    assert.equal(await a.head(), head);
    assert.equal((await a.getAudit(audit.snapshot_id))?.snapshot_id, audit.snapshot_id);
    assert.equal((await a.verify()).ok, true);
    assert.throws(() => remoteGit(name, ['rev-parse', '--verify', BRANCH]));
  });

  it('an unreachable remote fails with SyncError and changes nothing locally', async () => {
    const dir = suite.scratchDir();
    const a = await createGitLedger({ fs, http, dir, remote: { url: 'http://127.0.0.1:9/nothing.git' } });
    await a.write({ audits: [makeAudit()] });
    const head = await a.head();
    await assert.rejects(a.sync(), (e: unknown) => e instanceof ScpError && e.code === 'sync_failed');
    assert.equal(await a.head(), head);
    const noRemote = await createGitLedger({ fs, dir });
    await assert.rejects(
      noRemote.sync(),
      (e: unknown) =>
        e instanceof ScpError && e.code === 'sync_failed' && (e.data as { step: string }).step === 'config',
    );
  });
});
