// Writes docs/tour.png, the README tour's screenshot: the playground in Debian's Chromium after
// a few cards were refreshed (their badges count the pending scans), a Docker build ran (its run
// badge shows the outcome), and the audit manager is open on everything pending with one scan's
// data shown. The refreshed cards include the right-hand column, whose badges stay visible
// beside the dialog.
//   node scripts/screenshot-tour.mjs [--out docs/tour.png]
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { startDemoServer } from '../demo/server.mjs';
import { launchChromium } from '../test/helpers/chromium.mjs';

const outAt = process.argv.indexOf('--out');
const out = outAt > 0 ? process.argv[outAt + 1] : 'docs/tour.png';
const VIEWPORT = { width: 1280, height: 800 };
const REFRESHED = ['security', 'testing', 'packages', 'terraform'];
const MAX_BYTES = 300 * 1024;

const card = (key) => `#devops-cards article[data-card="${key}"]`;

const server = await startDemoServer({ port: 0 });
const browser = await launchChromium();
try {
  // A fresh profile: nothing pending or saved before the tour starts.
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, colorScheme: 'light' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  await page.goto(`${server.url}/demo/index.html`);
  await page.waitForSelector('body[data-ready]', { state: 'attached' });

  for (const key of REFRESHED) {
    await page.locator(`${card(key)} .actions button`, { hasText: 'Refresh' }).click();
    await page.waitForTimeout(150);
  }
  await page.waitForFunction(
    (keys) =>
      keys.every((k) => {
        const b = document.querySelector(`#devops-cards article[data-card="${k}"] scp-audit-badge`);
        return b && !b.hasAttribute('empty');
      }),
    REFRESHED,
  );

  // The Docker card: a scan and a build, so its header shows both badges.
  const docker = '#integration-cards article[data-card="docker"]';
  await page.locator(`${docker} .actions button`, { hasText: 'Refresh' }).click();
  await page.locator(`${docker} .actions button`, { hasText: 'Build' }).click();
  await page.waitForFunction(
    () => {
      const state = document
        .querySelector('#integration-cards article[data-card="docker"] scp-run-badge')
        ?.shadowRoot?.querySelector('[part="base"]')
        ?.getAttribute('data-state');
      return state === 'ok' || state === 'failed';
    },
    undefined,
    { timeout: 20_000 },
  );

  // The manager, opened from the Packages badge, then widened to every pending scan with the
  // Security scan's data shown.
  await page.locator(`${card('packages')} scp-audit-badge [part="base"]`).click();
  await page.locator('scp-audit-manager dialog[open]').waitFor();
  await page.locator('scp-audit-manager .toolbar button.chip').click();
  await page.waitForFunction(
    (n) => document.querySelector('scp-audit-manager').shadowRoot.querySelectorAll('.row').length === n,
    REFRESHED.length + 1,
  );
  await page.locator('scp-audit-manager .row', { hasText: 'Security' }).locator('button', { hasText: 'Data' }).click();
  await page.waitForTimeout(400);

  if (errors.length) throw new Error(`the playground logged errors:\n${errors.join('\n')}`);
  mkdirSync(dirname(out), { recursive: true });
  await page.screenshot({ path: out, type: 'png', fullPage: false, animations: 'disabled', caret: 'hide' });
  const bytes = statSync(out).size;
  console.log(`${out}: ${VIEWPORT.width}x${VIEWPORT.height}, ${(bytes / 1024).toFixed(1)} KB`);
  if (bytes > MAX_BYTES) throw new Error(`${out} is ${(bytes / 1024).toFixed(1)} KB, over ${MAX_BYTES / 1024} KB`);
  await context.close();
} finally {
  await browser.close();
  await server.stop();
}
