// The admin role's endpoints over HTTP: the ledger's enrolled signing keys (a real signing git
// ledger, checked by native git and ssh-keygen) and the tenant's settings (the default role).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScp } from '../../../src/core/client.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { openSshKeySigner } from '../../../src/core/ledger/git/signing/signers.js';
import { startHost, tokenAuth, type RunningHost } from './support/host-server.js';
import type { JsonReply } from '../../helpers/json-reply.js';

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function call(host: RunningHost, method: string, path: string, token: string, body?: unknown) {
  const res = await fetch(`${host.baseUrl}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...auth(token) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as JsonReply) : undefined };
}

describe('admin endpoints: signing keys', () => {
  let dir: string;
  let keys: string;
  let host: RunningHost;
  const pub: Record<string, string> = {};

  before(async () => {
    keys = mkdtempSync(join(tmpdir(), 'scp-admin-keys-'));
    for (const name of ['alice', 'bob']) {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', `${name}@example`, '-f', join(keys, name)]);
      pub[name] = readFileSync(join(keys, `${name}.pub`), 'utf8').trim();
    }
    dir = mkdtempSync(join(tmpdir(), 'scp-admin-ledger-'));
    const ledger = await createGitLedger({
      fs,
      dir,
      signing: { pinned: [pub.alice!], signer: await openSshKeySigner(readFileSync(join(keys, 'alice'), 'utf8')) },
    });
    const scp = createScp({ ledger, channel: false });
    host = await startHost({ auth: tokenAuth, scp: () => scp });
  });
  after(async () => {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(keys, { recursive: true, force: true });
  });

  const line = (name: string) => `${name}@example namespaces="git" ${pub[name]}`;

  it('an admin enrols keys with PUT and reads them back; the commit is signed and native git sees the file', async () => {
    const empty = await call(host, 'GET', '/api/ledger/signers', 't-acme-root-admin');
    assert.equal(empty.status, 200);
    assert.deepEqual([empty.json!.signers, empty.json!.keys, empty.json!.signing_key], ['', [], pub.alice]);

    const text = `# the team\n${line('alice')}\n${line('bob')}\n`;
    const put = await call(host, 'PUT', '/api/ledger/signers', 't-acme-root-admin', { signers: text });
    assert.equal(put.status, 200, JSON.stringify(put.json));
    assert.equal(put.json!.keys, 2);
    const gitdir = join(dir, '.git');
    const branch = execFileSync('git', ['--git-dir', gitdir, 'for-each-ref', '--format=%(refname)', 'refs/heads/'], {
      encoding: 'utf8',
    }).trim();
    assert.equal(
      execFileSync('git', ['--git-dir', gitdir, 'rev-parse', branch], { encoding: 'utf8' }).trim(),
      put.json!.commit,
    );
    assert.equal(
      execFileSync('git', ['--git-dir', gitdir, 'show', `${put.json!.commit}:allowed_signers`], { encoding: 'utf8' }),
      text,
    );
    assert.match(
      execFileSync('git', ['--git-dir', gitdir, 'cat-file', 'commit', put.json!.commit], { encoding: 'utf8' }),
      /^gpgsig -----BEGIN SSH SIGNATURE-----/m,
    );
    execFileSync('git', ['--git-dir', gitdir, 'fsck', '--full', '--strict'], { stdio: 'pipe' });

    const got = await call(host, 'GET', '/api/ledger/signers', 't-acme-root-admin');
    assert.equal(got.json!.signers, text);
    assert.deepEqual(
      got.json!.keys.map((k: { principal: string }) => k.principal),
      ['alice@example', 'bob@example'],
    );
    // The ledger still verifies with its signatures checked.
    const report = await (await createGitLedger({ fs, dir, signing: { pinned: [pub.alice!] } })).verify({ full: true });
    assert.equal(report.ok, true, report.message);
  });

  it('refuses a line that is not a key (nothing written) and anyone below admin', async () => {
    const before = execFileSync(
      'git',
      ['--git-dir', join(dir, '.git'), 'for-each-ref', '--format=%(objectname)', 'refs/heads/'],
      { encoding: 'utf8' },
    ).trim();
    const badLine = await call(host, 'PUT', '/api/ledger/signers', 't-acme-root-admin', {
      signers: `${line('alice')}\nbob@example ssh-ed25519 not-base64!\n`,
    });
    assert.equal(badLine.status, 400);
    assert.match(badLine.json!.message, /line 2 is not/);
    assert.equal((await call(host, 'PUT', '/api/ledger/signers', 't-acme-root-admin', { keys: [] })).status, 400);
    // Leaving out the host's own key would make its next commits fail verify.
    const withoutHost = await call(host, 'PUT', '/api/ledger/signers', 't-acme-root-admin', { signers: line('bob') });
    assert.equal(withoutHost.status, 400);
    assert.match(withoutHost.json!.message, /own key/);
    for (const role of ['viewer', 'operator']) {
      assert.equal(
        (await call(host, 'PUT', '/api/ledger/signers', `t-acme-eve-${role}`, { signers: line('bob') })).status,
        403,
      );
      assert.equal((await call(host, 'GET', '/api/ledger/signers', `t-acme-eve-${role}`)).status, 403);
    }
    const after = execFileSync(
      'git',
      ['--git-dir', join(dir, '.git'), 'for-each-ref', '--format=%(objectname)', 'refs/heads/'],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(after, before);
  });

  it('a host whose ledger cannot sign says so (501); a git ledger without a key refuses to turn signing on (409)', async () => {
    const plain = await startHost({ auth: tokenAuth });
    try {
      const r = await call(plain, 'GET', '/api/ledger/signers', 't-acme-root-admin');
      assert.deepEqual([r.status, r.json!.error], [501, 'not_supported']);
    } finally {
      await plain.stop();
    }
    const unsignedDir = mkdtempSync(join(tmpdir(), 'scp-admin-unsigned-'));
    const scp = createScp({ ledger: await createGitLedger({ fs, dir: unsignedDir }), channel: false });
    const unsigned = await startHost({ auth: tokenAuth, scp: () => scp });
    try {
      assert.equal((await call(unsigned, 'GET', '/api/ledger/signers', 't-acme-root-admin')).json!.signers, '');
      const r = await call(unsigned, 'PUT', '/api/ledger/signers', 't-acme-root-admin', { signers: line('alice') });
      assert.deepEqual([r.status, r.json!.error], [409, 'conflict']);
      assert.match(r.json!.message, /does not sign/);
      // Nothing was committed: the branch has no allowed_signers.
      assert.equal((await call(unsigned, 'GET', '/api/ledger/signers', 't-acme-root-admin')).json!.signers, '');
    } finally {
      await unsigned.stop();
      rmSync(unsignedDir, { recursive: true, force: true });
    }
  });
});

describe('admin endpoints: settings', () => {
  let host: RunningHost;
  beforeEach(async () => {
    host = await startHost({ auth: tokenAuth });
  });
  afterEach(async () => {
    await host.stop();
  });

  it('the default role an admin sets applies to users whose sign-in names no role, in that tenant only', async () => {
    assert.deepEqual((await call(host, 'GET', '/api/settings', 't-acme-root-admin')).json, { settings: {} });
    const stage = { card_key: 'dns', result: { ok: 1 } };
    assert.equal((await call(host, 'POST', '/api/audits/stage', 't-acme-pat', stage)).status, 200);

    const put = await call(host, 'PUT', '/api/settings', 't-acme-root-admin', { default_role: 'viewer' });
    assert.deepEqual([put.status, put.json], [200, { settings: { default_role: 'viewer' } }]);
    assert.deepEqual((await call(host, 'GET', '/api/settings', 't-acme-root-admin')).json, {
      settings: { default_role: 'viewer' },
    });
    const me = await call(host, 'GET', '/api/me', 't-acme-pat');
    assert.equal(me.json!.capabilities.role, 'viewer');
    const refused = await call(host, 'POST', '/api/audits/stage', 't-acme-pat', stage);
    assert.deepEqual([refused.status, refused.json!.role], [403, 'operator']);
    // A role named by the sign-in still wins; another tenant keeps the host's default.
    assert.equal((await call(host, 'POST', '/api/audits/stage', 't-acme-pat-operator', stage)).status, 200);
    assert.equal((await call(host, 'GET', '/api/me', 't-other-pat')).json!.capabilities.role, 'operator');
    // null goes back to the host's default.
    assert.deepEqual((await call(host, 'PUT', '/api/settings', 't-acme-root-admin', { default_role: null })).json, {
      settings: {},
    });
    assert.equal((await call(host, 'GET', '/api/me', 't-acme-pat')).json!.capabilities.role, 'operator');
  });

  it('refuses unknown roles, unknown settings and anyone below admin', async () => {
    const odd = await call(host, 'PUT', '/api/settings', 't-acme-root-admin', { default_role: 'root' });
    assert.deepEqual([odd.status, odd.json!.error], [400, 'validation']);
    assert.match(odd.json!.message, /viewer, operator, admin/);
    assert.equal(
      (await call(host, 'PUT', '/api/settings', 't-acme-root-admin', { default_rol: 'viewer' })).status,
      400,
    );
    assert.equal(
      (await call(host, 'PUT', '/api/settings', 't-acme-pat-operator', { default_role: 'admin' })).status,
      403,
    );
    assert.equal((await call(host, 'GET', '/api/settings', 't-acme-pat-viewer')).status, 403);
    assert.deepEqual((await call(host, 'GET', '/api/settings', 't-acme-root-admin')).json, { settings: {} });
  });
});
