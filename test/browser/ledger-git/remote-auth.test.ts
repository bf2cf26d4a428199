// Sync with the host's auth, in Chromium against the real git http-backend: the page's
// credentials callback answers the Worker's questions with fresh short-lived tokens, is asked
// again on a 401, and a CORS proxy carries a remote that sends no CORS headers.
import { expect } from '@esm-bundle/chai';
import { createScp, type ScpClient } from '../../../src/core/client.js';
import { ScpError } from '../../../src/core/errors/index.js';
import { deleteBrowserGitLedger } from '../../../src/core/ledger/git-browser/browser-ledger.js';
import { createWorkerGitLedger } from '../../../src/core/ledger/git-browser/worker-ledger.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import { makeAudit } from '../../contract/ledger.js';
import { gitServerUrl, issueToken, newRepo, pushLog, requestLog } from './git-endpoints.js';

const names: string[] = [];
const ledgerName = (what: string) => {
  const n = `auth-${what}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  names.push(n);
  return n;
};
afterEach(async () => {
  for (const n of names.splice(0)) await deleteBrowserGitLedger(n);
});

const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

describe("browser ledger sync with the host page's credentials (real git http-backend)", function (this: {
  timeout(ms: number): void;
}) {
  this.timeout(120_000);

  it('asks the page for a fresh token at each sync, across the Worker boundary, and pushes with it', async () => {
    const { name, url } = await newRepo('auth-fresh', { auth: true });
    const asked: boolean[] = [];
    const issued: string[] = [];
    const scp: ScpClient = createScp({
      channel: false,
      staging: createMemoryStagingStore(),
      ledgerName: ledgerName('fresh'),
      actor: 'ana',
      remote: {
        url,
        credentials: async ({ failed }) => {
          asked.push(failed);
          const t = await issueToken(name, 60_000);
          issued.push(t);
          return bearer(t);
        },
      },
    });
    try {
      const staged = await scp.staging.stage('security', { score: 81 }, { summary: 'score 81' });
      if (!staged.staged) throw new Error('not staged');
      await scp.staging.save([staged.snapshot.snapshot_id]);
      const first = await scp.ledger.sync!();
      expect(first.pushed).to.be.greaterThan(0);
      await scp.staging.save([
        (
          (await scp.staging.stage('security', { score: 90 }, { summary: 'score 90' })) as {
            snapshot: { snapshot_id: string };
          }
        ).snapshot.snapshot_id,
      ]);
      expect((await scp.ledger.sync!()).pushed).to.equal(1);
      // One question per sync, none of them after a refusal; each sync used its own token.
      expect(asked).to.deep.equal([false, false]);
      const log = await requestLog(name);
      expect(log.length).to.be.greaterThan(3);
      expect(
        log.every((r) => r.auth === 'ok'),
        JSON.stringify(log),
      ).to.equal(true);
      expect(new Set(log.map((r) => r.token))).to.deep.equal(new Set(issued));
      const pushes = await pushLog(name);
      expect(pushes.map((p) => p.ref)).to.deep.equal(['refs/heads/scp-ledger', 'refs/heads/scp-ledger']);
      expect(pushes.at(-1)!.new).to.equal((await scp.ledger.head!()) ?? '');
    } finally {
      await scp.close();
    }
  });

  it('asks again on a 401 when the token it gave has expired, and the sync goes through', async () => {
    const { name, url } = await newRepo('auth-expired', { auth: true });
    const asked: boolean[] = [];
    // The first token is already expired when used (1 ms): the server answers 401.
    const ledger = await createWorkerGitLedger({
      name: ledgerName('expired'),
      remote: {
        url,
        credentials: async ({ failed }) => {
          asked.push(failed);
          return bearer(await issueToken(name, failed ? 60_000 : 1));
        },
      },
    });
    try {
      await new Promise((r) => setTimeout(r, 5));
      await ledger.write({ audits: [makeAudit({ card_key: 'security' })] });
      const r = await ledger.sync();
      expect(r.pushed).to.be.greaterThan(0);
      expect(asked).to.deep.equal([false, true]);
      const log = await requestLog(name);
      expect(log[0]!.auth).to.equal('expired');
      expect(
        log.slice(1).every((e) => e.auth === 'ok'),
        JSON.stringify(log),
      ).to.equal(true);
      expect((await pushLog(name)).length).to.equal(1);
    } finally {
      await ledger.close();
    }
  });

  it('fails with a typed error, after one retry, when the page cannot give valid credentials; nothing local is lost', async () => {
    const { name, url } = await newRepo('auth-refused', { auth: true });
    let asked = 0;
    const ledger = await createWorkerGitLedger({
      name: ledgerName('refused'),
      remote: {
        url,
        credentials: () => {
          asked++;
          return { username: 'ana', password: 'not-a-token' };
        },
      },
    });
    const none = await createWorkerGitLedger({ name: ledgerName('none'), remote: { url } });
    try {
      const a = makeAudit({ card_key: 'security' });
      await ledger.write({ audits: [a] });
      const err = await ledger.sync().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err instanceof ScpError && err.code === 'sync_failed', String(err)).to.equal(true);
      expect((err as ScpError<string, { step: string }>).data.step).to.equal('auth');
      expect((err as Error).message).to.contain('401');
      expect(asked).to.equal(2);
      expect((await ledger.getAudit(a.snapshot_id))?.snapshot_id).to.equal(a.snapshot_id);
      expect((await requestLog(name)).every((e) => e.auth === 'unknown')).to.equal(true);

      await none.write({ audits: [makeAudit({ card_key: 'k8s' })] });
      const noneErr = await none.sync().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(noneErr instanceof ScpError && noneErr.code === 'sync_failed', String(noneErr)).to.equal(true);
      expect(await pushLog(name)).to.deep.equal([]);

      // A callback that throws is reported as such.
      const throwing = await createWorkerGitLedger({
        name: ledgerName('throwing'),
        remote: {
          url,
          credentials: () => {
            throw new Error('signed out');
          },
        },
      });
      try {
        await throwing.write({ audits: [makeAudit({ card_key: 'ci' })] });
        const e = await throwing.sync().then(
          () => undefined,
          (x: unknown) => x,
        );
        expect(
          e instanceof ScpError && e.code === 'sync_failed' && e.message.includes('signed out'),
          String(e),
        ).to.equal(true);
      } finally {
        await throwing.close();
      }
    } finally {
      await ledger.close();
      await none.close();
    }
  });

  it('reaches a remote that sends no CORS headers through corsProxy, with the credentials', async () => {
    const { name, url } = await newRepo('auth-proxy', { auth: true, cors: false });
    const credentials = async () => bearer(await issueToken(name));
    const direct = await createWorkerGitLedger({ name: ledgerName('direct'), remote: { url, credentials } });
    const proxied = await createWorkerGitLedger({
      name: ledgerName('proxied'),
      remote: { url, credentials, corsProxy: `${await gitServerUrl()}/cors-proxy` },
    });
    try {
      await direct.write({ audits: [makeAudit({ card_key: 'security' })] });
      const blocked = await direct.sync().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(blocked instanceof ScpError && blocked.code === 'sync_failed', String(blocked)).to.equal(true);

      await proxied.write({ audits: [makeAudit({ card_key: 'security' })] });
      expect((await proxied.sync()).pushed).to.be.greaterThan(0);
      const through = (await requestLog(name)).filter((e) => e.proxied);
      expect(through.length).to.be.greaterThan(1);
      expect(through.every((e) => e.auth === 'ok')).to.equal(true);
      expect((await pushLog(name)).length).to.equal(1);
    } finally {
      await direct.close();
      await proxied.close();
    }
  });
});
