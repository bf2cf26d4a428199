// Signed ledger commits: native git (`git verify-commit` with gpg.format=ssh) and `ssh-keygen -Y
// verify` are the oracle for what we sign; verify() reports unsigned, unknown-key and
// bad-signature commits after signing was turned on, and kept checkpoints catch rollbacks and
// split views in a fresh clone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ValidationError } from '../../../src/core/errors/index.js';
import { createGitLedger, type GitLedger } from '../../../src/core/ledger/git/index.js';
import { openSshKeySigner } from '../../../src/core/ledger/git/signing/signers.js';
import { splitSignedCommit, type Signer } from '../../../src/core/ledger/git/signing/sshsig.js';
import { makeAudit } from '../../contract/ledger.js';
import { commitFiles, gitRun } from './git-helpers.js';

const BRANCH = 'scp-ledger';
const REF = `refs/heads/${BRANCH}`;

describe('git ledger: signed commits', () => {
  let dir: string;
  let gitdir: string;
  let keys: string;
  const signers: Record<string, Signer> = {};
  const pub: Record<string, string> = {};

  before(async () => {
    keys = mkdtempSync(join(tmpdir(), 'scp-keys-'));
    for (const name of ['alice', 'bob', 'carol', 'mallory']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@example`, '-f', join(keys, name)]);
      signers[name] = await openSshKeySigner(readFileSync(join(keys, name), 'utf8'));
      pub[name] = readFileSync(join(keys, `${name}.pub`), 'utf8').trim();
    }
  });
  after(() => rmSync(keys, { recursive: true, force: true }));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-signed-'));
    gitdir = join(dir, '.git');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (
    who: string | undefined,
    trust: { pinned?: string[]; allowedSigners?: string } = { pinned: [pub.alice!] },
    at = dir,
  ) => createGitLedger({ fs, dir: at, signing: { ...trust, ...(who && { signer: signers[who]! }) } });
  const allowed = (...names: string[]) => names.map((n) => `${n}@example namespaces="git" ${pub[n]}`).join('\n') + '\n';
  const commits = (at = gitdir) => gitRun(at, ['rev-list', '--reverse', REF]).trim().split('\n');

  function nativeVerify(at: string, sha: string, allowedText: string): void {
    const f = join(keys, `allowed-${Math.random().toString(36).slice(2)}`);
    writeFileSync(f, allowedText);
    // git's own check, then ssh-keygen's on the payload we split off ourselves.
    gitRun(at, ['-c', 'gpg.format=ssh', '-c', `gpg.ssh.allowedSignersFile=${f}`, 'verify-commit', sha]);
    const raw = execFileSync('git', [`--git-dir=${at}`, 'cat-file', 'commit', sha]);
    const split = splitSignedCommit(new Uint8Array(raw))!;
    const sig = join(keys, 'sig');
    writeFileSync(sig, split.signature);
    const principal = execFileSync('ssh-keygen', ['-Y', 'find-principals', '-f', f, '-s', sig], { encoding: 'utf8' })
      .trim()
      .split('\n')[0]!;
    execFileSync('ssh-keygen', ['-Y', 'verify', '-f', f, '-I', principal, '-n', 'git', '-s', sig], {
      input: Buffer.from(split.payload),
    });
  }

  async function enrolled(): Promise<GitLedger> {
    const alice = await open('alice');
    await alice.setAllowedSigners(allowed('alice'));
    await alice.write({ audits: [makeAudit(), makeAudit({ card_key: 'k8s' })] });
    return alice;
  }

  it('a key file that cannot sign is a ValidationError saying why (passphrase, not a key, another key type)', async () => {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-C', 'locked', '-f', join(keys, 'locked')]);
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-C', 'ec', '-f', join(keys, 'ec')]);
    const cases: [string, RegExp][] = [
      [readFileSync(join(keys, 'locked'), 'utf8'), /passphrase-protected/],
      [readFileSync(join(keys, 'ec'), 'utf8'), /only ssh-ed25519 keys sign/],
      [pub.alice!, /not an OpenSSH private key file/],
    ];
    for (const [text, why] of cases) {
      await assert.rejects(openSshKeySigner(text), (e: unknown) => {
        assert.ok(e instanceof ValidationError, String(e));
        assert.equal(e.data.what, 'signing key');
        assert.match(e.message, /^Invalid signing key: /);
        assert.match(e.message, why);
        return true;
      });
    }
  });

  it('every commit we sign passes git verify-commit and ssh-keygen -Y verify; verify() checks them', async () => {
    const alice = await enrolled();
    await alice.write({ audits: [makeAudit({ card_key: 'dns' })] });
    const list = commits();
    assert.equal(list.length, 4); // init, allowed signers, two writes
    for (const sha of list) nativeVerify(gitdir, sha, allowed('alice'));
    const r = await alice.verify({ full: true });
    assert.equal(r.ok, true, r.message);
    assert.equal(r.checked.signatures, 3); // signing is on from the allowed_signers commit
    assert.equal(await alice.signingKey(), pub.alice);
  });

  it('two enrolled keys sign in turn; native git accepts both', async () => {
    const alice = await enrolled();
    await alice.setAllowedSigners(allowed('alice', 'bob'));
    const bob = await open('bob');
    await bob.write({ audits: [makeAudit({ card_key: 'bob' })] });
    await alice.write({ audits: [makeAudit({ card_key: 'alice' })] });
    for (const sha of commits().slice(1)) nativeVerify(gitdir, sha, allowed('alice', 'bob'));
    const r = await (await open(undefined)).verify({ full: true });
    assert.deepEqual([r.ok, r.checked.signatures], [true, 5]);
  });

  it('key rotation: carol enrolled, alice removed; a later commit by alice is unknown_key', async () => {
    const alice = await enrolled();
    await alice.setAllowedSigners(allowed('alice', 'carol'));
    const carol = await open('carol');
    await carol.setAllowedSigners(allowed('carol'));
    await carol.write({ audits: [makeAudit({ card_key: 'carol' })] });
    assert.equal((await (await open(undefined)).verify({ full: true })).ok, true);
    const { commit } = await alice.write({ audits: [makeAudit({ card_key: 'late' })] });
    const r = await (await open(undefined)).verify({ full: true });
    assert.deepEqual([r.ok, r.reason, r.commit], [false, 'unknown_key', commit]);
  });

  it('tamper: unsigned, unknown-key, bad-signature and self-enrolling commits after signing was on', async () => {
    await enrolled();
    const good = gitRun(gitdir, ['rev-parse', REF]).trim();
    const reset = () => gitRun(gitdir, ['update-ref', REF, good]);
    const check = async (expect: string, note: string) => {
      const r = await (await open(undefined)).verify({ full: true });
      assert.deepEqual([r.ok, r.reason], [false, expect], `${note}: ${r.message}`);
    };

    // 1. appended with plain git (no signature)
    commitFiles(gitdir, BRANCH, { 'notes/readme.txt': 'x\n' }, 'unsigned');
    await check('unsigned', 'plain git commit');
    reset();

    // 2. signed by a key nobody enrolled
    const mallory = await open('mallory');
    await mallory.write({ audits: [makeAudit({ card_key: 'm' })] });
    await check('unknown_key', 'mallory');
    reset();

    // 3. mallory adds herself to allowed_signers, signing that commit herself
    await mallory.setAllowedSigners(allowed('alice', 'mallory'));
    await mallory.write({ audits: [makeAudit({ card_key: 'm2' })] });
    await check('unknown_key', 'self-enrolment');
    reset();

    // 4. a signed commit whose content was changed after signing (signature kept)
    const alice = await open('alice');
    const { commit } = await alice.write({ audits: [makeAudit({ card_key: 'x' })] });
    const raw = gitRun(gitdir, ['cat-file', 'commit', commit]).replace(/\n\n(.*)$/s, '\n\naudit: something else\n');
    const forged = gitRun(gitdir, ['hash-object', '-t', 'commit', '-w', '--stdin'], raw).trim();
    gitRun(gitdir, ['update-ref', REF, forged]);
    await check('bad_signature', 'edited after signing');
  });

  it('a rewrite by someone who can push but holds no key fails in a fresh clone that pins the first signer', async () => {
    await enrolled();
    const remote = mkdtempSync(join(tmpdir(), 'scp-signed-remote-'));
    const clone = mkdtempSync(join(tmpdir(), 'scp-signed-clone-'));
    try {
      execFileSync('git', ['clone', '-q', '--bare', dir, remote]);
      const trust = { pinned: [pub.alice!] };
      // (a) history replaced from scratch with unsigned commits and no allowed_signers
      commitFiles(remote, BRANCH, { 'notes/readme.txt': 'x\n' }, 'ledger: init', { parent: null });
      execFileSync('git', ['clone', '-q', remote, join(clone, 'a')]);
      let r = await open(undefined, trust, join(clone, 'a')).then((l) => l.verify());
      assert.deepEqual([r.ok, r.reason], [false, 'unsigned']);
      // (b) history replaced by one signed with the attacker's own key and allowed_signers
      rmSync(remote, { recursive: true, force: true });
      execFileSync('git', ['init', '-q', '--bare', remote]);
      const m = await createGitLedger({ fs, dir: remote, signing: { signer: signers.mallory! } });
      await m.setAllowedSigners(allowed('mallory'));
      await m.write({ audits: [makeAudit()] });
      execFileSync('git', ['clone', '-q', remote, join(clone, 'b')]);
      r = await open(undefined, trust, join(clone, 'b')).then((l) => l.verify());
      assert.deepEqual([r.ok, r.reason], [false, 'unknown_key']);
      // the same clone with the host's allowed-signers file instead of a pin: same verdict
      r = await open(undefined, { allowedSigners: allowed('alice') }, join(clone, 'b')).then((l) =>
        l.verify({ full: true }),
      );
      assert.deepEqual([r.ok, r.reason], [false, 'unknown_key']);
    } finally {
      rmSync(remote, { recursive: true, force: true });
      rmSync(clone, { recursive: true, force: true });
    }
  });

  it('checkpoints: signed by the ledger key; a fresh clone checks a kept one for rollback and split view', async () => {
    const alice = await enrolled();
    const first = await alice.verify();
    assert.equal(first.ok, true, first.message);
    const cp = first.checkpoint!;
    assert.match(cp, /^scp-checkpoint\.v1\./);
    await alice.write({ audits: [makeAudit({ card_key: 'after' })] });
    const ok = await (await open(undefined)).verify({ checkpoints: [cp] });
    assert.equal(ok.ok, true, ok.message);
    const fresh = () =>
      createGitLedger({
        fs,
        dir,
        signing: { pinned: [pub.alice!] },
        lastVerifiedHead: { get: async () => undefined, set: async () => {} },
      });
    // rollback: the branch moved back behind the checkpoint's head
    const head = gitRun(gitdir, ['rev-parse', REF]).trim();
    gitRun(gitdir, ['update-ref', REF, `${REF}~2`]);
    let r = await (await fresh()).verify({ checkpoints: [cp] });
    assert.deepEqual([r.ok, r.reason], [false, 'rollback']);
    // split view: a different, validly signed continuation that lacks the checkpoint's head
    await alice.write({ audits: [makeAudit({ card_key: 'fork' })] });
    r = await (await fresh()).verify({ checkpoints: [cp] });
    assert.deepEqual([r.ok, r.reason], [false, 'split_view']);
    gitRun(gitdir, ['update-ref', REF, head]);
    // a checkpoint signed by a key that is not allowed, or altered, is refused
    const m = await createGitLedger({
      fs,
      dir: mkdtempSync(join(tmpdir(), 'scp-m-')),
      signing: { signer: signers.mallory! },
    });
    await m.write({ audits: [makeAudit()] });
    const forgedCp = (await m.verify()).checkpoint!;
    r = await (await fresh()).verify({ checkpoints: [forgedCp] });
    assert.deepEqual([r.ok, r.reason], [false, 'bad_checkpoint']);
    const parts = cp.split('.');
    const body = JSON.parse(Buffer.from(parts[2]!, 'base64url').toString());
    const altered = [
      parts[0],
      parts[1],
      Buffer.from(JSON.stringify({ ...body, entries: 1 })).toString('base64url'),
      parts[3],
    ].join('.');
    r = await (await fresh()).verify({ checkpoints: [altered] });
    assert.deepEqual([r.ok, r.reason], [false, 'bad_checkpoint']);
  });
});
