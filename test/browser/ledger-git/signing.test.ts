import { expect } from '@esm-bundle/chai';
import { executeServerCommand } from '@web/test-runner-commands';
import { makeAudit } from '../../contract/ledger.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { newRepo } from './git-endpoints.js';

const nodeCall = <T>(fn: string, ...args: unknown[]) =>
  executeServerCommand<T, unknown>('scp-node-call', { module: 'test/browser/ledger-git/native-verify.ts', fn, args });

/** The device key pair as IndexedDB holds it. */
async function storedPair(name: string): Promise<CryptoKeyPair | undefined> {
  const db = await new Promise<IDBDatabase>((res, rej) => {
    const r = indexedDB.open('scp-ledger-device-keys');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  try {
    return await new Promise((res, rej) => {
      const r = db.transaction('keys').objectStore('keys').get(name);
      r.onsuccess = () => res(r.result);
      r.onerror = () => rej(r.error);
    });
  } finally {
    db.close();
  }
}

describe('Chromium: commits signed with a per-device key', () => {
  it('signs with a non-extractable key kept across reopen; native git verify-commit and ssh-keygen accept every commit', async function (this: {
    timeout(ms: number): void;
  }) {
    this.timeout(180_000);
    const { url } = await newRepo('signed-device');
    const name = `signed-${Date.now().toString(36)}`;
    let ledger = await createWorkerGitLedger({ name, remote: { url }, signing: { device: true } });
    try {
      const key = (await ledger.signingKey())!;
      expect(key).to.match(/^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI[A-Za-z0-9+/]+ scp-ledger-device:/);
      const pair = await storedPair(name);
      expect(pair!.privateKey.extractable).to.equal(false);
      const allowed = `device namespaces="git" ${key}\n`;
      await ledger.setAllowedSigners(allowed);
      await ledger.write({ audits: [makeAudit(), makeAudit({ card_key: 'k8s' })] });
      await ledger.close();
      ledger = await createWorkerGitLedger({ name, remote: { url }, signing: { device: true } });
      expect(await ledger.signingKey()).to.equal(key);
      await ledger.write({ audits: [makeAudit({ card_key: 'dns' })] });
      const local = await ledger.verify({ full: true, signatures: { pinned: [key] } });
      expect(local.ok, local.message).to.equal(true);
      expect(local.checked.signatures).to.equal(3);
      await ledger.sync();
      const job = await nodeCall<string>('startVerify', url, allowed, key);
      let status: {
        done: boolean;
        result?: { signed: number; unsigned: number; ours: { ok: boolean; signatures?: number } };
        error?: string;
      };
      for (;;) {
        status = await nodeCall('jobStatus', job);
        if (status.done) break;
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(status.error).to.equal(undefined);
      const r = status.result!;
      expect(r.signed).to.equal(4); // init, allowed_signers, two writes: all signed by the device
      expect(r.unsigned).to.equal(0);
      expect(r.ours).to.deep.equal({ ok: true, signatures: 3 });
    } finally {
      await ledger.close();
      await deleteBrowserGitLedger(name);
    }
  });
});
