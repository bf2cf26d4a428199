// verify(): a tamper corpus made with native git plumbing, one case per class, plus clean ledgers.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { withEntryHash } from '../../../src/core/hash/index.js';
import { auditPath, createGitLedger, runDir, type GitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { commitFiles, gitRun } from './git-helpers.js';

const pretty = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
const BRANCH = 'scp-ledger';

describe('git ledger verify(): tamper corpus', () => {
  let dir: string;
  let gitdir: string;
  let ledger: GitLedger;
  let first: ReturnType<typeof makeAudit>;
  let run: ReturnType<typeof makeRun>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scp-verify-'));
    gitdir = join(dir, '.git');
    ledger = await createGitLedger({ fs, dir });
    first = makeAudit();
    run = makeRun();
    await ledger.write({ audits: [first, makeAudit({ card_key: 'k8s' })], runs: [run] });
    await ledger.write({ audits: [makeAudit({ card_key: 'dns' })] });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A fresh instance: nothing cached from before the tampering. */
  const reopen = () => createGitLedger({ fs, dir });
  const stored = (id: string) => JSON.parse(gitRun(gitdir, ['show', `${BRANCH}:${auditPath(id, 'sharded')}`]));

  it('passes a clean ledger of ours, including explicit delete commits, and counts what it checked', async () => {
    await ledger.deleteAudit(first.snapshot_id, { reason: 'test' });
    const r = await (await reopen()).verify();
    assert.equal(r.ok, true, r.message);
    assert.equal(r.head, await ledger.head());
    assert.deepEqual(r.checked, { commits: 4, entries: 6 }); // init + 2 writes + delete; 3 audits, run.json, events.jsonl, the delete's action entry
  });

  it('reports an entry whose sha256 does not match its content (hash_mismatch)', async () => {
    const a = await withEntryHash(makeAudit() as Record<string, unknown>);
    const forged = { ...a, summary: 'changed after hashing' };
    const c = commitFiles(
      gitdir,
      BRANCH,
      { [auditPath(a.snapshot_id as string, 'sharded')]: pretty(forged) },
      'audit: security x',
    );
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit, r.entry], [false, 'hash_mismatch', c, a.snapshot_id]);
  });

  it('reports an entry in a shard its id does not hash to, or naming another id (path_mismatch)', async () => {
    const a = await withEntryHash(makeAudit() as Record<string, unknown>);
    const good = auditPath(a.snapshot_id as string, 'sharded').split('/');
    const wrongShard = good[1] === '00' ? '01' : '00';
    const c = commitFiles(
      gitdir,
      BRANCH,
      { [`audits/${wrongShard}/${good[2]}/${good[3]}`]: pretty(a) },
      'audit: misplaced',
    );
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit], [false, 'path_mismatch', c]);

    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'scp-verify-'));
    gitdir = join(dir, '.git');
    ledger = await createGitLedger({ fs, dir });
    await ledger.write({ audits: [makeAudit()] });
    const other = await withEntryHash(makeAudit() as Record<string, unknown>);
    const c2 = commitFiles(
      gitdir,
      BRANCH,
      { [auditPath('security_20260217_200000_zzzz', 'sharded')]: pretty(other) },
      'audit: renamed',
    );
    const r2 = await (await reopen()).verify();
    assert.deepEqual(
      [r2.ok, r2.reason, r2.commit, r2.entry],
      [false, 'path_mismatch', c2, 'security_20260217_200000_zzzz'],
    );
  });

  it('reports an entry edited by a later commit, even with a recomputed sha256 (history_edited)', async () => {
    const edited = await withEntryHash({ ...stored(first.snapshot_id), summary: 'all good now' });
    const c = commitFiles(
      gitdir,
      BRANCH,
      { [auditPath(first.snapshot_id, 'sharded')]: pretty(edited) },
      'audit: fix summary',
    );
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit, r.entry], [false, 'history_edited', c, first.snapshot_id]);
  });

  it('reports an entry removed by a commit that is not a delete commit, or by a delete commit naming another id', async () => {
    const c = commitFiles(
      gitdir,
      BRANCH,
      { [`${runDir(run.run.run_id, 'sharded')}/events.jsonl`]: null },
      'ledger: tidy',
    );
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit, r.entry], [false, 'history_edited', c, run.run.run_id]);

    gitRun(gitdir, ['update-ref', `refs/heads/${BRANCH}`, `${c}~1`]);
    const c2 = commitFiles(
      gitdir,
      BRANCH,
      { [auditPath(first.snapshot_id, 'sharded')]: null },
      'audit: delete security_20260217_200000_other',
    );
    const r2 = await (await reopen()).verify();
    assert.deepEqual([r2.ok, r2.reason, r2.commit], [false, 'history_edited', c2]);
  });

  it('reports a delete commit that also removes something else (history_edited)', async () => {
    const c = commitFiles(
      gitdir,
      BRANCH,
      { [auditPath(first.snapshot_id, 'sharded')]: null, [`${runDir(run.run.run_id, 'sharded')}/run.json`]: null },
      `audit: delete ${first.snapshot_id}`,
    );
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit], [false, 'history_edited', c]);
  });

  it('reports an unreadable loose object, one that does not hash to its name, and a damaged pack (corrupt_object)', async () => {
    const a = await withEntryHash(makeAudit() as Record<string, unknown>);
    commitFiles(gitdir, BRANCH, { [auditPath(a.snapshot_id as string, 'sharded')]: pretty(a) }, 'audit: native');
    const blob = gitRun(gitdir, ['rev-parse', `${BRANCH}:${auditPath(a.snapshot_id as string, 'sharded')}`]).trim();
    const file = join(gitdir, 'objects', blob.slice(0, 2), blob.slice(2));
    chmodSync(file, 0o644);
    const swapped = pretty({ ...a, summary: 'swapped' });
    writeFileSync(file, deflateSync(Buffer.from(`blob ${Buffer.byteLength(swapped)}\0${swapped}`)));
    let r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason], [false, 'corrupt_object']);
    assert.equal(r.entry, a.snapshot_id);

    writeFileSync(file, Buffer.from('not zlib at all'));
    r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason], [false, 'corrupt_object']);

    rmSync(file);
    r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason], [false, 'corrupt_object']);

    // Our own objects live in packs: flip one byte in the middle of the first pack.
    gitRun(gitdir, ['update-ref', `refs/heads/${BRANCH}`, `${BRANCH}~1`]);
    const packDir = join(gitdir, 'objects', 'pack');
    const pack = join(
      packDir,
      readdirSync(packDir)
        .filter((f) => f.endsWith('.pack'))
        .sort()[0]!,
    );
    chmodSync(pack, 0o644);
    const bytes = readFileSync(pack);
    const mid = Math.floor(bytes.length / 2);
    bytes[mid] = bytes[mid]! ^ 0xff;
    writeFileSync(pack, bytes);
    r = await createGitLedger({ fs, dir, lastVerifiedHead: { get: async () => undefined, set: async () => {} } }).then(
      (l) => l.verify(),
    );
    assert.deepEqual([r.ok, r.reason], [false, 'corrupt_object']);
  });

  it('reports a branch that no longer contains the last verified head (rewrite)', async () => {
    assert.equal((await ledger.verify()).ok, true);
    const verified = await ledger.head();
    gitRun(gitdir, ['update-ref', `refs/heads/${BRANCH}`, `${BRANCH}~1`]);
    const rewritten = commitFiles(gitdir, BRANCH, { 'audits/readme.txt': null }, 'ledger: rewritten history');
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit, r.head], [false, 'rewrite', verified, rewritten]);
  });

  it('reports a branch moved back behind the last verified head (rollback), and a deleted branch', async () => {
    assert.equal((await ledger.verify()).ok, true);
    const verified = await ledger.head();
    gitRun(gitdir, ['update-ref', `refs/heads/${BRANCH}`, `${BRANCH}~1`]);
    const r = await (await reopen()).verify();
    assert.deepEqual([r.ok, r.reason, r.commit], [false, 'rollback', verified]);
    gitRun(gitdir, ['update-ref', '-d', `refs/heads/${BRANCH}`]);
    const r2 = await (await reopen()).verify();
    assert.deepEqual([r2.ok, r2.reason], [false, 'rollback']);
  });

  it('incremental verify checks only the commits after the last verified head, and still catches tampering there', async () => {
    assert.equal((await ledger.verify()).ok, true);
    await ledger.write({ audits: [makeAudit({ card_key: 'git' })] });
    const quick = await ledger.verify({ incremental: true });
    assert.deepEqual([quick.ok, quick.checked], [true, { commits: 1, entries: 1 }]);
    const edited = await withEntryHash({ ...stored(first.snapshot_id), summary: 'edited later' });
    const c = commitFiles(gitdir, BRANCH, { [auditPath(first.snapshot_id, 'sharded')]: pretty(edited) }, 'audit: edit');
    const r = await (await reopen()).verify({ incremental: true });
    assert.deepEqual([r.ok, r.reason, r.commit, r.checked.commits], [false, 'history_edited', c, 1]);
  });

  it('never repairs: after a failed verify the branch, the objects and the verified mark are unchanged', async () => {
    assert.equal((await ledger.verify()).ok, true);
    const mark = readFileSync(join(gitdir, 'scp-ledger-verified-head'), 'utf8');
    const edited = await withEntryHash({ ...stored(first.snapshot_id), summary: 'edited' });
    const c = commitFiles(gitdir, BRANCH, { [auditPath(first.snapshot_id, 'sharded')]: pretty(edited) }, 'audit: edit');
    const before = gitRun(gitdir, ['count-objects', '-v']);
    const r = await (await reopen()).verify();
    assert.equal(r.ok, false);
    assert.equal(gitRun(gitdir, ['rev-parse', BRANCH]).trim(), c);
    assert.equal(gitRun(gitdir, ['count-objects', '-v']), before);
    assert.equal(readFileSync(join(gitdir, 'scp-ledger-verified-head'), 'utf8'), mark);
  });
});
