// The packed tarball, installed as a consumer would get it: every public subpath imports in Node
// and in Chromium, the exports map points at files that ship, and the script-tag build works
// from a plain page. Builds dist/ first when it is missing or older than src/.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from '../../helpers/chromium.mjs';
import type { ScpClient } from '../../../src/core/client.js';
import { buildAndPack, pageResult, run, startStaticServer, watchProblems, type Packed } from './packed-package.js';

const TAGS = [
  'scp-audit-badge',
  'scp-audit-manager',
  'scp-ref-preview',
  'scp-run-badge',
  'scp-ref-autocomplete',
  'scp-audit-log',
];

/** Every target path in an exports map, with the condition names of each object in order. */
function exportTargets(exportsMap: Record<string, unknown>): {
  paths: string[];
  conditionOrders: Array<[string, string[]]>;
} {
  const paths: string[] = [];
  const conditionOrders: Array<[string, string[]]> = [];
  const walk = (subpath: string, value: unknown) => {
    if (typeof value === 'string') paths.push(value);
    else if (value && typeof value === 'object') {
      conditionOrders.push([subpath, Object.keys(value)]);
      for (const v of Object.values(value)) walk(subpath, v);
    }
  };
  for (const [subpath, value] of Object.entries(exportsMap)) walk(subpath, value);
  return { paths, conditionOrders };
}

describe('packed tarball (npm pack)', () => {
  let tmp: string;
  let packed: Packed;
  const timings: Record<string, number> = {};

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scp-pack-'));
    const r = await buildAndPack(tmp);
    packed = r.packed;
    timings.build = r.buildMs;
    timings.packAndExtract = r.packMs;
  });

  after(async () => {
    console.log(
      `pack check timings (ms): ${Object.entries(timings)
        .map(([k, v]) => `${k} ${Math.round(v)}`)
        .join(', ')}`,
    );
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it('ships custom-elements.json (named by package.json customElements), the script-tag build and its types', () => {
    for (const f of [
      'package.json',
      'custom-elements.json',
      'dist/cdn/scp-ledger.js',
      'dist/cdn/worker.js',
      'dist/index.js',
      'dist/index.d.ts',
      'README.md',
    ]) {
      assert.ok(packed.files.includes(f), `${f} is in the tarball`);
    }
    assert.equal(packed.manifest.customElements, 'custom-elements.json');
    const cem = JSON.parse(readFileSync(join(packed.pkgDir, 'custom-elements.json'), 'utf8'));
    const tags = (cem as { modules: { declarations?: { tagName?: string }[] }[] }).modules.flatMap((m) =>
      (m.declarations ?? []).map((d) => d.tagName).filter(Boolean),
    );
    for (const tag of TAGS) assert.ok(tags.includes(tag), `the manifest describes <${tag}>`);
    assert.ok(
      !packed.files.some((f) => f.startsWith('src/') || f.startsWith('test/')),
      'no sources or tests are packed',
    );
  });

  it('lists `types` first in every exports condition, and every exports path is in the tarball', () => {
    const { paths, conditionOrders } = exportTargets(packed.manifest.exports as Record<string, unknown>);
    assert.ok(paths.length >= 30, `exports map has its targets (${paths.length})`);
    for (const [subpath, keys] of conditionOrders) {
      if (keys.includes('types')) assert.equal(keys[0], 'types', `${subpath}: types is the first condition`);
      else assert.fail(`${subpath}: has no types condition`);
    }
    const missing = paths.filter((p) => !packed.files.includes(p.replace(/^\.\//, '')));
    assert.deepEqual(missing, [], 'exports paths missing from the tarball');
    for (const field of ['main', 'module', 'types']) {
      assert.ok(
        packed.files.includes(String(packed.manifest[field]).replace(/^\.\//, '')),
        `${field} is in the tarball`,
      );
    }
    for (const bin of Object.values(packed.manifest.bin as Record<string, string>)) {
      assert.ok(packed.files.includes(bin.replace(/^\.\//, '')), `bin ${bin} is in the tarball`);
    }
  });

  it('imports every Node subpath by package name and saves a staged snapshot through createScp()', async () => {
    const t = performance.now();
    const script = `
      const subpaths = ['scp-ledger', 'scp-ledger/core', 'scp-ledger/storage/memory', 'scp-ledger/storage/idb',
        'scp-ledger/ledger/memory', 'scp-ledger/ledger/git', 'scp-ledger/host', 'scp-ledger/host/node'];
      const mods = {};
      for (const s of subpaths) mods[s] = await import(s);
      const kinds = (m, names) => Object.fromEntries(names.map((n) => [n, typeof m[n]]));
      const exportsSeen = {
        root: kinds(mods['scp-ledger'], ['createScp', 'createMemoryLedger', 'ScpError']),
        core: kinds(mods['scp-ledger/core'], ['createScp']),
        storageMemory: kinds(mods['scp-ledger/storage/memory'], ['createMemoryStagingStore']),
        storageIdb: kinds(mods['scp-ledger/storage/idb'], ['createIdbStagingStore']),
        ledgerMemory: kinds(mods['scp-ledger/ledger/memory'], ['createMemoryLedger']),
        ledgerGit: kinds(mods['scp-ledger/ledger/git'], ['createGitLedger']),
        host: kinds(mods['scp-ledger/host'], ['createHostClient']),
        hostNode: kinds(mods['scp-ledger/host/node'], ['createScpRequestHandler']),
      };
      const sameCreateScp = mods['scp-ledger'].createScp === mods['scp-ledger/core'].createScp;
      const scp = mods['scp-ledger'].createScp({ actor: 'pack-check' });
      const staged = await scp.staging.stage('argocd', { apps: [{ name: 'web', health: 'Healthy' }] });
      const saved = await scp.staging.save('all');
      const audit = await scp.ledger.getAudit(staged.snapshot.snapshot_id);
      const pendingAfter = (await scp.staging.list()).length;
      await scp.close();
      const resolved = await import.meta.resolve('scp-ledger');
      console.log(JSON.stringify({ exportsSeen, sameCreateScp, staged: staged.staged, savedIds: saved.saved,
        id: staged.snapshot.snapshot_id, savedData: audit?.data, pendingAfter, resolved }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packed.app });
    timings.nodeImports = performance.now() - t;
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    for (const [where, names] of Object.entries(out.exportsSeen as Record<string, Record<string, string>>)) {
      for (const [name, kind] of Object.entries(names)) assert.equal(kind, 'function', `${where} exports ${name}`);
    }
    assert.equal(out.sameCreateScp, true, 'the root and /core share one module instance');
    assert.equal(out.staged, true);
    assert.deepEqual(out.savedIds, [out.id]);
    assert.deepEqual(out.savedData, { apps: [{ name: 'web', health: 'Healthy' }] });
    assert.equal(out.pendingAfter, 0);
    assert.ok(
      out.resolved.includes('/app/node_modules/scp-ledger/dist/'),
      `resolved from the installed tarball: ${out.resolved}`,
    );
  });

  it('imports every public subpath in Node with no DOM (a server-side render) without throwing', async () => {
    const subpaths = Object.keys(packed.manifest.exports as Record<string, unknown>)
      .filter((s) => !s.endsWith('.json'))
      .map((s) => (s === '.' ? 'scp-ledger' : `scp-ledger${s.slice(1)}`));
    const script = `
      const failed = {};
      const noDom = typeof document === 'undefined' && typeof window === 'undefined';
      for (const s of ${JSON.stringify(subpaths)}) { try { await import(s); } catch (e) { failed[s] = e.message; } }
      console.log(JSON.stringify({ noDom, failed }));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: packed.app });
    const out = JSON.parse(stdout.trim().split('\n').at(-1)!);
    assert.equal(out.noDom, true);
    assert.ok(
      subpaths.includes('scp-ledger/cdn') && subpaths.includes('scp-ledger/elements/all.js'),
      subpaths.join(', '),
    );
    assert.deepEqual(out.failed, {});
  });

  describe('in Chromium', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    it('imports the browser subpaths and each element registration file through a bundler-free dev server', async () => {
      const t = performance.now();
      const { startDevServer } = await import('@web/dev-server');
      // isomorphic-git's CommonJS dependencies, served as ESM the way the repo's own browser tests do.
      const pluginsUrl = new URL('../../../scripts/wtr/plugins.mjs', import.meta.url).href;
      const { prebundlePlugin } = (await import(pluginsUrl)) as {
        prebundlePlugin: () => import('@web/dev-server-core').Plugin;
      };
      const registrations = TAGS.map((tag) => `scp-ledger/elements/${tag}.js`);
      // Literal specifiers: the dev server rewrites bare imports only where it can read them.
      const importAll = (list: string[]) =>
        list
          .map(
            (s) => `
        try { loaded[${JSON.stringify(s)}] = await import(${JSON.stringify(s)}); } catch (e) { result.errors.push(${JSON.stringify(s)} + ': ' + e.message); }`,
          )
          .join('');
      await writeFile(
        join(packed.app, 'elements.js'),
        `
        const tags = ${JSON.stringify(TAGS)};
        const classes = ['ScpAuditBadge', 'ScpAuditManager', 'ScpRefPreview', 'ScpRunBadge', 'ScpRefAutocomplete', 'ScpAuditLog'];
        const result = { before: {}, afterEach: {}, exports: {}, errors: [] };
        const loaded = {};
        ${importAll(['scp-ledger', 'scp-ledger/core', 'scp-ledger/storage/idb', 'scp-ledger/storage/memory', 'scp-ledger/ledger/memory', 'scp-ledger/host', 'scp-ledger/elements'])}
        for (const tag of tags) result.before[tag] = !!customElements.get(tag);
        ${importAll(registrations.slice(0, 1))}
        result.firstOnly = tags.filter((t) => customElements.get(t));
        ${importAll(registrations.slice(1))}
        for (const [i, tag] of tags.entries()) result.afterEach[tag] = customElements.get(tag) === loaded['scp-ledger/elements']?.[classes[i]];
        ${importAll(['scp-ledger/elements/all.js'])}
        const { createScp, createMemoryLedger } = loaded['scp-ledger'] ?? {};
        result.exports = { createScp: typeof createScp, createIdbStagingStore: typeof loaded['scp-ledger/storage/idb']?.createIdbStagingStore,
          createHostClient: typeof loaded['scp-ledger/host']?.createHostClient };
        try {
          const scp = createScp({ ledger: createMemoryLedger(), staging: loaded['scp-ledger/storage/idb'].createIdbStagingStore({ dbName: 'pack-check-' + Date.now() }), channel: false });
          const staged = await scp.staging.stage('argocd', { apps: 1 });
          const saved = await scp.staging.save('all');
          result.saved = saved.saved.length === 1 && saved.saved[0] === staged.snapshot.snapshot_id;
          await scp.close();
        } catch (e) { result.errors.push('createScp: ' + e.message); }
        window.__result = result;
      `,
      );
      await writeFile(
        join(packed.app, 'elements.html'),
        '<!doctype html><link rel="icon" href="data:,"><script type="module" src="./elements.js"></script>',
      );
      const server = await startDevServer({
        config: {
          rootDir: packed.app,
          port: 0,
          hostname: '127.0.0.1',
          nodeResolve: { exportConditions: ['browser'] },
          plugins: [prebundlePlugin()],
        },
        readCliArgs: false,
        readFileConfig: false,
        logStartMessage: false,
      });
      try {
        const port = (server.server!.address() as AddressInfo).port;
        const page = await browser.newPage();
        const result = await pageResult(page, `http://127.0.0.1:${port}/elements.html`);
        await page.close();
        timings.chromiumImports = performance.now() - t;
        assert.deepEqual(result.errors, []);
        assert.ok(
          Object.values(result.before as Record<string, boolean>).every((v) => v === false),
          'importing `scp-ledger/elements` registers no tag',
        );
        assert.deepEqual(result.firstOnly, ['scp-audit-badge'], 'a registration file registers only its own tag');
        assert.deepEqual(
          result.afterEach,
          Object.fromEntries(TAGS.map((t) => [t, true])),
          'each tag is bound to the exported class',
        );
        assert.deepEqual(result.exports, {
          createScp: 'function',
          createIdbStagingStore: 'function',
          createHostClient: 'function',
        });
        assert.equal(result.saved, true, 'createScp with IndexedDB staging saved the staged snapshot');
      } finally {
        await server.stop();
      }
    });

    it('defines all six tags from dist/cdn/scp-ledger.js in a plain page, and its lazy git chunk saves to the default ledger', async () => {
      const t = performance.now();
      await writeFile(
        join(packed.pkgDir, 'cdn-page.html'),
        `<!doctype html><link rel="icon" href="data:,">
        <scp-audit-badge card-key="argocd"></scp-audit-badge>
        <script type="module" src="./dist/cdn/scp-ledger.js"></script>
        <script type="module">
          const tags = ${JSON.stringify(TAGS)};
          const result = { defined: {}, upgraded: false };
          await Promise.all(tags.map((t) => customElements.whenDefined(t)));
          for (const t of tags) result.defined[t] = typeof customElements.get(t) === 'function';
          result.upgraded = document.querySelector('scp-audit-badge') instanceof customElements.get('scp-audit-badge');
          try {
            const { createScp } = await import('./dist/cdn/scp-ledger.js');
            const scp = createScp({ ledgerName: 'pack-check-' + Date.now(), channel: false });
            const staged = await scp.staging.stage('argocd', { apps: 2 });
            await scp.staging.save('all');
            result.gitSaved = (await scp.ledger.getAudit(staged.snapshot.snapshot_id))?.snapshot_id === staged.snapshot.snapshot_id;
            result.gitVerify = (await scp.ledger.verify())?.ok;
            await scp.close();
            const entry = await import('./dist/cdn/scp-ledger.js');
            const [core, host] = await Promise.all([entry.loadCore(), entry.loadHost()]);
            result.core = { sameCreateScp: core.createScp === entry.createScp, sameErrors: core.ScpError === entry.ScpError, memory: typeof core.createMemoryLedger, host: typeof host.createHostClient };
          } catch (e) { result.error = String(e && e.stack || e); }
          window.__result = result;
        </script>`,
      );
      const { url, close } = await startStaticServer(packed.pkgDir);
      try {
        const page = await browser.newPage();
        const result = await pageResult(page, `${url}/cdn-page.html`);
        await page.close();
        timings.chromiumCdn = performance.now() - t;
        assert.deepEqual(result.defined, Object.fromEntries(TAGS.map((tag) => [tag, true])));
        assert.equal(result.upgraded, true, 'markup in the page is upgraded');
        assert.equal(result.error, undefined);
        assert.equal(result.gitSaved, true, 'the default browser git ledger (lazy chunk + worker) saved the snapshot');
        assert.equal(result.gitVerify, true);
        assert.deepEqual(
          result.core,
          { sameCreateScp: true, sameErrors: true, memory: 'function', host: 'function' },
          "loadCore() and loadHost() give the rest, sharing the entry's modules",
        );
      } finally {
        await close();
      }
    });

    it('a plain page on dist/cdn/scp-ledger.js counts a staged audit on its badge, and after the save `@audit:<id>` typed in its textarea previews that audit', async () => {
      const t = performance.now();
      await writeFile(
        join(packed.pkgDir, 'cdn-preview.html'),
        `<!doctype html><link rel="icon" href="data:,">
        <h3>Security <scp-audit-badge card="security"></scp-audit-badge></h3>
        <textarea id="compose"></textarea>
        <scp-ref-autocomplete for="compose"></scp-ref-autocomplete>
        <scp-ref-preview for="compose"></scp-ref-preview>
        <script type="module">
          import { createScp, provideScpClient } from './dist/cdn/scp-ledger.js';
          const scp = createScp({ actor: 'pack-check', ledgerName: 'pack-preview-' + Date.now(), cards: [{ key: 'security', label: 'Security Posture' }] });
          provideScpClient(document.body, scp);
          window.scp = scp;
        </script>`,
      );
      const { url, close } = await startStaticServer(packed.pkgDir);
      const page = await browser.newPage();
      const problems = watchProblems(page);
      try {
        page.setDefaultTimeout(20_000);
        await page.goto(`${url}/cdn-preview.html`);
        await page.waitForFunction(
          () => (window as unknown as { scp?: ScpClient }).scp && customElements.get('scp-ref-preview'),
        );
        const badge = page.locator('scp-audit-badge');
        assert.equal(await badge.getAttribute('empty'), '', 'the badge is hidden while nothing is pending');

        const id = await page.evaluate(
          async () =>
            (
              (await (window as unknown as { scp: ScpClient }).scp.staging.stage(
                'security',
                { findings: [{ id: 'CVE-2026-0001', severity: 'high' }] },
                { status: 'ok', summary: '1 high finding · Score 81' },
              )) as { snapshot: { snapshot_id: string } }
            ).snapshot.snapshot_id,
        );
        await page.waitForFunction(() => !document.querySelector('scp-audit-badge')!.hasAttribute('empty'));
        assert.equal(
          (await badge.locator('[part="count"]').textContent())?.trim(),
          '1',
          'the badge counts the staged audit',
        );

        const saved = await page.evaluate(
          async () => (await (window as unknown as { scp: ScpClient }).scp.staging.save('all')).saved as string[],
        );
        assert.deepEqual(saved, [id]);
        await page.waitForFunction(() => document.querySelector('scp-audit-badge')!.hasAttribute('empty'));

        await page.locator('#compose').click();
        await page.keyboard.type('Before the release, see @audit:');
        // The picker offers the saved audit from the git ledger (the lazy chunk and its Worker).
        await page.waitForFunction(
          (want) =>
            (document.querySelector('scp-ref-autocomplete')?.suggestions ?? []).some(
              (s: { ref: string }) => s.ref === want,
            ),
          `@audit:${id}`,
        );
        await page.keyboard.type(id);
        await page.keyboard.press('Escape');
        const card = page.locator('scp-ref-preview [part~="card"][data-state="ready"]');
        await card.waitFor();
        const shown = await page.evaluate(() => {
          const li = document
            .querySelector('scp-ref-preview')!
            .shadowRoot!.querySelector('[part~="card"][data-state="ready"]')!;
          const [title, summary, ref] = ['.title', '[part="summary"]', '[part="id"]'].map((sel) =>
            li.querySelector(sel)?.textContent?.trim(),
          );
          return {
            title,
            summary,
            id: ref,
            status: li.querySelector('[part="status"]')?.getAttribute('data-status'),
            cards: document.querySelector('scp-ref-preview')!.shadowRoot!.querySelectorAll('[part~="card"]').length,
          };
        });
        timings.chromiumCdnPreview = performance.now() - t;
        assert.deepEqual(
          shown,
          {
            title: 'Security Posture',
            summary: '1 high finding · Score 81',
            id: `@audit:${id}`,
            status: 'ok',
            cards: 1,
          },
          'one ready card with the card label, summary, status and reference of the saved audit',
        );
        assert.equal(await page.locator('#compose').inputValue(), `Before the release, see @audit:${id}`);
        assert.deepEqual(problems, [], 'no console or page errors');
      } finally {
        await page.evaluate(() => (window as unknown as { scp?: ScpClient }).scp?.close()).catch(() => {});
        await page.close();
        await close();
      }
    });
  });
});
