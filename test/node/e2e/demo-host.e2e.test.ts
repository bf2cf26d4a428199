// The host-mode playground page driven end to end in Debian's Chromium: the elements on
// createHostClient against the origin's HTTP API and SSE stream, which msw simulates in the tab
// (demo/origin-api). Scan, review and save, find the save in the log, deploy, reference in chat.
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoServer } from '../../../demo/server.mjs';
import { launchChromium } from '../../helpers/chromium.mjs';

const SHOTS = 'test-output/e2e-host';
const STEP = { timeout: 30_000 };

const devopsCard = (key: string) => `#devops-cards article[data-card="${key}"]`;
const badgeCount = (key: string) => `${devopsCard(key)} scp-audit-badge [part="count"]`;
const manager = 'scp-audit-manager';
const managerRows = `${manager} .row`;
const k8sCard = '#integration-cards article[data-card="k8s"]';
const k8sRunBadge = `${k8sCard} scp-run-badge [part="base"]`;

/** What the page exposes for checks: the host client and the simulated origin's state. */
interface PageGlobals {
  scp: { runs: { get(id: string): Promise<{ run: { status: string; subtype: string } } | undefined> } };
  origin: {
    pending: Map<string, { card_key: string }>;
    saved: Map<string, { card_key: string; saved_by?: string }>;
    runs: Map<string, { run: { status: string; subtype: string } }>;
    requests: { method: string; path: string }[];
  };
}

describe('host-mode playground end to end (Chromium, simulated origin API)', () => {
  let server: { url: string; stop: () => Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  let savedId = '';
  let shot = 0;
  const timings: Record<string, number> = {};

  const screenshot = async (name: string) => {
    shot++;
    await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png`, fullPage: false });
  };
  const origin = <T>(fn: (o: PageGlobals['origin']) => T) =>
    page.evaluate(`(${fn.toString()})(window.origin)`) as Promise<T>;
  const badgeText = (key: string) =>
    page.evaluate((sel) => {
      const [hostSel, inner] = sel.split(' scp-audit-badge ');
      return (
        document.querySelector(`${hostSel} scp-audit-badge`)?.shadowRoot?.querySelector(inner!)?.textContent?.trim() ??
        null
      );
    }, badgeCount(key));

  before(
    async () => {
      rmSync(SHOTS, { recursive: true, force: true });
      mkdirSync(SHOTS, { recursive: true });
      server = await startDemoServer({ port: 0 });
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      const t0 = Date.now();
      // The dev server compiles each module on its first request: the first load is bounded like data-ready.
      await page.goto(`${server.url}/demo/host.html`, { timeout: 45_000 });
      await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 45_000 });
      timings.firstLoadMs = Date.now() - t0;
    },
    { timeout: 90_000 },
  );

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
    console.log(`host e2e timings: ${JSON.stringify(timings)}`);
  });

  it(
    'says that a simulated origin API answers in this tab, and the service worker controls the page',
    STEP,
    async () => {
      const banner = (await page.locator('#banner').textContent()) ?? '';
      assert.match(banner, /simulated origin API answers in this browser tab/);
      assert.match(banner, /in memory/);
      assert.equal(
        await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL),
        `${server.url}/mockServiceWorker.js`,
      );
      assert.equal(await page.locator('#stream-state').getAttribute('data-state'), 'open');
      assert.equal(await page.locator('a[href="./index.html"]').first().isVisible(), true);
      assert.equal(await page.locator('#devops-cards scp-audit-badge [part="count"]').count(), 0);
      await screenshot('first-visit');
    },
  );

  it('a refreshed card is staged on the host and its badge shows 1 (from the SSE event)', STEP, async () => {
    const t0 = Date.now();
    await page.locator(`${devopsCard('security')} .actions button`, { hasText: 'Refresh' }).click();
    await page.waitForFunction((sel) => {
      const [hostSel, inner] = sel.split(' scp-audit-badge ');
      return (
        document.querySelector(`${hostSel} scp-audit-badge`)?.shadowRoot?.querySelector(inner!)?.textContent?.trim() ===
        '1'
      );
    }, badgeCount('security'));
    timings.refreshToBadgeMs = Date.now() - t0;
    assert.equal(await badgeText('testing'), null, 'a card not refreshed shows no count');
    // The scan reached the host through its API, and the stream was open to announce it.
    const seen = await origin((o) => ({
      pending: [...o.pending.values()].map((s) => s.card_key),
      stage: o.requests.filter((r) => r.method === 'POST' && r.path === '/api/audits/stage').length,
      events: o.requests.filter((r) => r.path.startsWith('/api/events')).length,
    }));
    assert.deepEqual(seen, { pending: ['security'], stage: 1, events: 1 });
    await screenshot('badge-one');
  });

  it('the badge opens the manager on that card; Save moves the snapshot into the host ledger', STEP, async () => {
    await page.locator(`${devopsCard('security')} scp-audit-badge [part="base"]`).click();
    await page.locator(`${manager} dialog[open]`).waitFor();
    await page.locator(managerRows).first().waitFor();
    assert.equal(await page.locator(managerRows).count(), 1);
    assert.match((await page.locator(managerRows).first().textContent()) ?? '', /Security/);
    savedId = await page.evaluate(
      () =>
        (document.querySelector('scp-audit-manager') as unknown as { view: { snapshot_id: string }[] }).view[0]!
          .snapshot_id,
    );
    assert.match(savedId, /^security_\d{8}_\d{6}$/, 'the origin names snapshots <card>_<YYYYMMDD>_<HHMMSS>');
    await screenshot('manager-open');
    const t0 = Date.now();
    await page.locator(`${manager} footer button.primary`).click();
    await page.waitForFunction(
      () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 0,
    );
    await page.waitForFunction(() =>
      document.querySelector('#devops-cards article[data-card="security"] scp-audit-badge')!.hasAttribute('empty'),
    );
    timings.saveToEmptyBadgeMs = Date.now() - t0;
    const host = await origin((o) => ({
      pending: o.pending.size,
      saved: [...o.saved.entries()].map(([id, s]) => [id, s.card_key, s.saved_by]),
      saveCalls: o.requests.filter((r) => r.path === '/api/audits/save').length,
    }));
    assert.deepEqual(host, { pending: 0, saved: [[savedId, 'security', 'alex']], saveCalls: 1 });
    await screenshot('manager-saved');
  });

  it("the manager's Saved tab and the audit log both list the saved audit", STEP, async () => {
    await page.locator(`${manager} [role="tab"][data-tab="saved"]`).click();
    await page.locator(`${manager} .saved li`).first().waitFor();
    const items = await page.locator(`${manager} .saved li`).allTextContents();
    assert.equal(items.length, 1);
    assert.ok(items[0]!.includes(`@audit:${savedId}`), `Saved tab shows ${savedId}`);
    await screenshot('manager-saved-tab');
    await page.keyboard.press('Escape');
    await page.locator(`${manager} dialog[open]`).waitFor({ state: 'detached' });
    const row = page.locator(`scp-audit-log [part="row"][data-id="${savedId}"]`);
    await row.waitFor();
    assert.equal(await row.getAttribute('data-kind'), 'audit');
    assert.match((await row.textContent()) ?? '', /Security|security/);
    await row.scrollIntoViewIfNeeded();
    await screenshot('audit-log');
  });

  it('Deploy shows the run badge running, then failed when the rollout fails', STEP, async () => {
    await page.evaluate(() => {
      document.body.dataset.forceFail = 'true';
    });
    await page.locator(k8sCard).scrollIntoViewIfNeeded();
    const t0 = Date.now();
    await page.locator(`${k8sCard} .actions button`, { hasText: 'Deploy' }).click();
    await page.locator(`${k8sRunBadge}[data-state="running"]`).waitFor();
    timings.deployToRunningMs = Date.now() - t0;
    assert.equal(await page.locator(`${k8sRunBadge} [part="indicator"].spinner`).count(), 1);
    await screenshot('deploy-running');
    await page.locator(`${k8sRunBadge}[data-state="failed"]`).waitFor({ timeout: 15_000 });
    timings.deployToFinalMs = Date.now() - t0;
    assert.equal(await page.locator(`${k8sRunBadge} [part="indicator"].spinner`).count(), 0);
    assert.match((await page.locator(`${k8sRunBadge} [part="label"]`).textContent()) ?? '', /failed/i);
    const runs = await origin((o) => [...o.runs.values()].map((r) => [r.run.subtype, r.run.status]));
    assert.deepEqual(runs, [['deploy:k8s', 'failed']]);
    await screenshot('deploy-failed');
  });

  it('Deploy without a forced failure ends in the state the host recorded, with the run in the log', STEP, async () => {
    await page.evaluate(() => {
      delete document.body.dataset.forceFail;
    });
    await page.locator(`${k8sCard} .actions button`, { hasText: 'Deploy' }).click();
    await page.locator(`${k8sRunBadge}[data-state="running"]`).waitFor();
    await page.waitForFunction(
      (sel) => {
        const host = document.querySelector(`${sel} scp-run-badge`);
        const state = host?.shadowRoot?.querySelector('[part="base"]')?.getAttribute('data-state');
        return state === 'ok' || state === 'failed';
      },
      k8sCard,
      { timeout: 15_000 },
    );
    const shown = await page.locator(k8sRunBadge).getAttribute('data-state');
    const ref = (await page.locator(`${k8sCard} scp-run-badge [part="ref"]`).textContent())?.trim() ?? '';
    assert.match(
      ref,
      /^@run:run_\d{8}T\d{6}Z_deploy_[a-z0-9]{4}$/,
      'the origin names runs run_<UTC>_<type>_<4 random>',
    );
    const id = ref.slice('@run:'.length);
    const record = await page.evaluate((runId) => (window as unknown as PageGlobals).scp.runs.get(runId), id);
    assert.ok(record, `${ref} is recorded on the host`);
    assert.equal(record.run.subtype, 'deploy:k8s');
    assert.equal(record.run.status, shown);
    await page.locator(`scp-audit-log [part="row"][data-id="${id}"]`).waitFor();
    await page.locator(`${k8sRunBadge}`).click();
    await page.locator(`${k8sCard} scp-run-badge [part="popover"]`).waitFor();
    await screenshot(`deploy-${shown}`);
    await page.keyboard.press('Escape');
  });

  it(
    'typing @audit: in the chat offers the saved audit; picking it previews it and Send shows its chip',
    STEP,
    async () => {
      await page.locator('#compose').click();
      await page.keyboard.type('Deployed after @audit:');
      const option = page.locator('scp-ref-autocomplete [role="option"]', { hasText: 'security' });
      await option.first().waitFor();
      await screenshot('autocomplete');
      await option.first().click();
      const value = await page.locator('#compose').inputValue();
      assert.ok(
        value.includes(`@audit:${savedId}`),
        `the compose box holds the reference (got ${JSON.stringify(value)})`,
      );
      const card = page.locator('scp-ref-preview [part~="card"][data-state="ready"]');
      await card.waitFor();
      assert.match((await card.textContent()) ?? '', new RegExp(`@audit:${savedId}`));
      await screenshot('preview');
      await page.locator('#compose-form button[type="submit"]').click();
      const chip = page.locator(`#messages .chip[data-ref="@audit:${savedId}"]`);
      await chip.waitFor();
      assert.equal(await chip.textContent(), `@audit:${savedId}`);
      await screenshot('message-sent');
    },
  );

  it('logged no console errors and no page errors along the way', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(
      consoleErrors.filter((t) => !/Lit is in dev mode/.test(t)),
      [],
    );
  });
});

// The same page on a real host instead of msw: `?host=<url>` and the documented small host
// (scripts/serve-host.mjs, what `npm run serve` starts), whose ledger is a git repository.
describe('host-mode playground on a real host (scripts/serve-host.mjs)', () => {
  let server: { url: string; stop: () => Promise<void> };
  let host: ChildProcess;
  let hostUrl = '';
  let dir = '';
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  let savedId = '';
  const git = (...args: string[]) => execFileSync('git', ['-C', join(dir, 'ledger'), ...args], { encoding: 'utf8' });
  const screenshot = (name: string) => page.screenshot({ path: `${SHOTS}/real-${name}.png` });

  before(
    async () => {
      mkdirSync(SHOTS, { recursive: true });
      dir = mkdtempSync(join(tmpdir(), 'scp-demo-host-'));
      server = await startDemoServer({ port: 0 });
      host = spawn(
        process.execPath,
        ['scripts/serve-host.mjs', '--dir', dir, '--port', '0', '--cors', server.url, '--actor', 'sam'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      hostUrl = await new Promise<string>((resolve, reject) => {
        let out = '';
        host.stdout!.on('data', (b: Buffer) => {
          out += b.toString();
          const m = /http:\/\/127\.0\.0\.1:\d+/.exec(out);
          if (m) resolve(m[0]);
        });
        host.once('exit', (code) => reject(new Error(`serve-host exited with ${code}`)));
      });
      browser = await launchChromium();
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(`${m.text()} (${m.location().url})`);
      });
      page.on('pageerror', (e) => errors.push(String(e)));
      await page.goto(`${server.url}/demo/host.html?host=${encodeURIComponent(hostUrl)}`, { timeout: 45_000 });
      await page.waitForSelector('body[data-ready]', { state: 'attached', timeout: 45_000 });
    },
    { timeout: 90_000 },
  );

  after(async () => {
    await context?.close();
    await browser?.close();
    if (host && host.exitCode === null) {
      const exited = new Promise((r) => host.once('exit', r));
      host.kill('SIGTERM');
      await exited;
    }
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('names the host in the banner and starts no service worker', STEP, async () => {
    assert.match(
      (await page.locator('#banner').textContent()) ?? '',
      new RegExp(`talk to the host at ${hostUrl.replace(/\./g, '\\.')}`),
    );
    assert.equal(await page.evaluate(() => navigator.serviceWorker.controller), null);
    assert.equal(await page.locator('#stream-state').getAttribute('data-state'), 'open');
  });

  it('a refreshed card shows 1; saving it from the manager commits it to the host git ledger', STEP, async () => {
    await page.locator(`${devopsCard('dns')} .actions button`, { hasText: 'Refresh' }).click();
    await page.waitForFunction((sel) => {
      const [hostSel, inner] = sel.split(' scp-audit-badge ');
      return (
        document.querySelector(`${hostSel} scp-audit-badge`)?.shadowRoot?.querySelector(inner!)?.textContent?.trim() ===
        '1'
      );
    }, badgeCount('dns'));
    await page.locator(`${devopsCard('dns')} scp-audit-badge [part="base"]`).click();
    await page.locator(managerRows).first().waitFor();
    savedId = await page.evaluate(
      () =>
        (document.querySelector('scp-audit-manager') as unknown as { view: { snapshot_id: string }[] }).view[0]!
          .snapshot_id,
    );
    await page.locator(`${manager} footer button.primary`).click();
    await page.waitForFunction(() =>
      document.querySelector('#devops-cards article[data-card="dns"] scp-audit-badge')!.hasAttribute('empty'),
    );
    await page.keyboard.press('Escape');
    await page.locator(`scp-audit-log [part="row"][data-id="${savedId}"]`).waitFor();
    const files = git('ls-tree', '-r', '--name-only', 'scp-ledger').split('\n');
    assert.ok(
      files.some((f) => f.startsWith('audits/') && f.endsWith(`/${savedId}.json`)),
      `the ledger branch holds ${savedId}`,
    );
    assert.equal(
      JSON.parse(git('show', `scp-ledger:${files.find((f) => f.endsWith(`/${savedId}.json`))!}`)).saved_by,
      'sam',
    );
    await screenshot('saved');
  });

  it('Deploy goes running, then ends in the status the host committed', STEP, async () => {
    await page.locator(k8sCard).scrollIntoViewIfNeeded();
    await page.locator(`${k8sCard} .actions button`, { hasText: 'Deploy' }).click();
    await page.locator(`${k8sRunBadge}[data-state="running"]`).waitFor();
    await page.waitForFunction(
      (sel) => {
        const state = document
          .querySelector(`${sel} scp-run-badge`)
          ?.shadowRoot?.querySelector('[part="base"]')
          ?.getAttribute('data-state');
        return state === 'ok' || state === 'failed';
      },
      k8sCard,
      { timeout: 15_000 },
    );
    const shown = await page.locator(k8sRunBadge).getAttribute('data-state');
    // The badge follows run:completed; the host answers the finish request once the run is
    // committed, and the button comes back then.
    await page.locator(`${k8sCard} .actions button:not([disabled])`, { hasText: 'Deploy' }).waitFor();
    const runFile = git('ls-tree', '-r', '--name-only', 'scp-ledger')
      .split('\n')
      .find((f) => f.startsWith('runs/') && f.endsWith('/run.json'));
    assert.ok(runFile, 'the ledger branch holds the run');
    const run = JSON.parse(git('show', `scp-ledger:${runFile}`)) as { subtype: string; status: string; user: string };
    assert.deepEqual([run.subtype, run.status, run.user], ['deploy:k8s', shown, 'sam']);
    await screenshot(`deploy-${shown}`);
  });

  it('logged no console errors and no page errors', () => {
    assert.deepEqual(
      errors.filter((t) => !/Lit is in dev mode/.test(t)),
      [],
    );
  });
});
