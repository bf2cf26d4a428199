// GET /api/ledger/checkpoint: the host serves its ledger's latest signed checkpoint, which opens
// with the ledger's public key and names the current head; it follows the head as it moves.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as nodeFs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createScp } from '../../../src/core/client.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { openCheckpoint } from '../../../src/core/ledger/git/signing/checkpoint.js';
import { openSshKeySigner } from '../../../src/core/ledger/git/signing/signers.js';
import { keyId } from '../../../src/core/ledger/git/signing/sshsig.js';
import { makeAudit } from '../../contract/ledger.js';
import { startHost } from './support/host-server.js';

describe('host: GET /api/ledger/checkpoint', () => {
  it('serves the latest signed checkpoint of a signing git ledger, and null for a ledger that does not sign', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-host-cp-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'key')]);
    const signer = await openSshKeySigner(readFileSync(join(dir, 'key'), 'utf8'));
    const git = await createGitLedger({ fs: nodeFs, dir: join(dir, 'repo'), signing: { signer } });
    await git.write({ audits: [makeAudit()] });
    const scp = createScp({ ledger: git, channel: false });
    const host = await startHost({ scp });
    const plain = await startHost();
    try {
      const get = async (base: string) =>
        (await fetch(`${base}/api/ledger/checkpoint`)).json() as Promise<{
          head: string | null;
          checkpoint: string | null;
          ok: boolean;
        }>;
      const first = await get(host.baseUrl);
      assert.equal(first.ok, true);
      const opened = await openCheckpoint(first.checkpoint!);
      assert.deepEqual(
        [opened.body.head, opened.body.entries, opened.key],
        [await git.head(), 1, keyId(signer.publicKey)],
      );
      await git.write({ audits: [makeAudit({ card_key: 'k8s' })] });
      const second = await openCheckpoint((await get(host.baseUrl)).checkpoint!);
      assert.deepEqual([second.body.head, second.body.entries], [await git.head(), 2]);
      assert.deepEqual(await get(plain.baseUrl), { head: null, checkpoint: null, ok: true });
    } finally {
      await host.stop();
      await plain.stop();
      await scp.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
