import { expect } from '@esm-bundle/chai';
import * as git from 'isomorphic-git';
import http from 'isomorphic-git/http/web';
import LightningFS from '@isomorphic-git/lightning-fs';
import { newRepo, forcePushes } from './git-endpoints.js';

describe('git toolchain in Chromium', () => {
  it('pushes a commit built with isomorphic-git over LightningFS to the real git server', async () => {
    const { url } = await newRepo('toolchain');
    const fs = new LightningFS(`toolchain-${Date.now()}`, { wipe: true });
    const dir = '/repo';
    await git.init({ fs, dir, defaultBranch: 'main' });
    const blob = await git.writeBlob({ fs, dir, blob: new TextEncoder().encode('hello\n') });
    const tree = await git.writeTree({ fs, dir, tree: [{ mode: '100644', path: 'a.txt', oid: blob, type: 'blob' }] });
    const author = { name: 't', email: 't@example.invalid', timestamp: 1_700_000_000, timezoneOffset: 0 };
    const commit = await git.writeCommit({
      fs,
      dir,
      commit: { message: 'one\n', tree, parent: [], author, committer: author },
    });
    await git.writeRef({ fs, dir, ref: 'refs/heads/main', value: commit, force: true });
    const res = await git.push({ fs, http, dir, url, ref: 'main', remoteRef: 'main' });
    expect(res.ok).to.equal(true);
    const refs = await git.listServerRefs({ http, url });
    expect(refs.find((r) => r.ref === 'refs/heads/main')?.oid).to.equal(commit);
    expect(await forcePushes('toolchain')).to.deep.equal([]);
  });
});
