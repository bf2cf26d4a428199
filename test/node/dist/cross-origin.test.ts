// The script-tag build loaded from another origin (a CDN): a page on one local origin imports
// dist/cdn/scp-ledger.js from a second one (another port, sending CORS headers) and saves to the
// git ledger with no extra code; the Worker, which must be same-origin, starts through a blob
// wrapper the package creates.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.mjs';
import { buildAndPack, pageResult, startStaticServer, type Packed } from './packed-package.js';
import { cp } from 'node:fs/promises';

describe('script-tag build from another origin', () => {
  let tmp: string;
  let packed: Packed;
  let browser: Browser;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scp-cross-origin-'));
    packed = (await buildAndPack(tmp)).packed;
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('saves to and reads from the browser git ledger with the package served by a second origin', async () => {
    const cdn = await startStaticServer(packed.pkgDir, { cors: true });
    const site = join(tmp, 'site');
    await import('node:fs/promises').then((fs) => fs.mkdir(site, { recursive: true }));
    await writeFile(
      join(site, 'index.html'),
      `<!doctype html><link rel="icon" href="data:,">
      <scp-audit-badge card="security"></scp-audit-badge>
      <script type="module">
        const result = {};
        try {
          const { createScp, provideScpClient } = await import(${JSON.stringify(`${cdn.url}/dist/cdn/scp-ledger.js`)});
          const scp = createScp({ actor: 'cdn-page' });
          provideScpClient(document.body, scp);
          const staged = await scp.staging.stage('security', { issues: 2 });
          result.saved = (await scp.staging.save('all')).saved;
          result.read = (await scp.ledger.getAudit(staged.snapshot.snapshot_id))?.data ?? null;
          result.verified = (await scp.ledger.verify()).ok;
          result.pageOrigin = location.origin;
          result.id = staged.snapshot.snapshot_id;
        } catch (e) { result.error = (e.code ?? '') + ' ' + e.message; }
        window.__result = result;
      </script>`,
    );
    const page = await startStaticServer(site);
    const tab = await browser.newPage();
    try {
      const r = await pageResult(tab, `${page.url}/index.html`);
      assert.equal(r.error, undefined);
      assert.notEqual(new URL(cdn.url).origin, r.pageOrigin);
      assert.deepEqual(r.saved, [r.id]);
      assert.deepEqual(r.read, { issues: 2 });
      assert.equal(r.verified, true);
    } finally {
      await tab.close();
      await page.close();
      await cdn.close();
    }
  });

  it('a Worker file that is missing fails ledger calls with ledger_unavailable naming the 404 and what to do', async () => {
    // The script-tag build served without its worker.js, as a host that copied only scp-ledger.js would.
    const site = join(tmp, 'no-worker');
    await cp(join(packed.pkgDir, 'dist/cdn'), site, { recursive: true });
    await rm(join(site, 'worker.js'));
    await writeFile(
      join(site, 'index.html'),
      `<!doctype html><link rel="icon" href="data:,">
      <script type="module">
        const { createScp } = await import('./scp-ledger.js');
        try { await createScp({ actor: 'x' }).ledger.head(); window.__result = { error: null }; }
        catch (e) { window.__result = { code: e.code, reason: e.data?.reason, message: e.message }; }
      </script>`,
    );
    const server = await startStaticServer(site);
    const tab = await browser.newPage();
    try {
      await tab.goto(`${server.url}/index.html`);
      await tab.waitForFunction(() => (window as unknown as { __result?: unknown }).__result !== undefined, undefined, {
        timeout: 30_000,
      });
      const r = await tab.evaluate(
        () => (window as unknown as { __result: { code: string; reason?: string; message: string } }).__result,
      );
      assert.equal(r.code, 'ledger_unavailable', r.message);
      assert.equal(r.reason, 'worker_missing');
      assert.match(r.message, /worker\.js answered 404/);
      assert.match(r.message, /createScp\(\{ worker/);
    } finally {
      await tab.close();
      await server.close();
    }
  });
});
