// The playground driven end to end in Debian's Chromium, as a new user would use it: scan cards,
// review and save audits, reload, run a deploy, reference an audit in the chat.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startDemoServer } from '../../../demo/server.mjs';
import { launchChromium } from '../../helpers/chromium.mjs';

const SHOTS = 'test-output/e2e';
// The same node:test functions the runner installs as globals, imported for their option types.
const STEP = { timeout: 30_000 };
const SCANNED = ['security', 'testing', 'quality'] as const;

const devopsCard = (key: string) => `#devops-cards article[data-card="${key}"]`;
const badgeCount = (key: string) => `${devopsCard(key)} scp-audit-badge [part="count"]`;
const manager = 'scp-audit-manager';
const managerRows = `${manager} .row`;
const k8sRunBadge = '#integration-cards article[data-card="k8s"] scp-run-badge [part="base"]';

describe('playground end to end (Chromium)', () => {
  let server: { url: string; stop: () => Promise<void> };
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const consoleErrors: string[] = [];
  const pageErrors: string[] = [];
  /** card key → snapshot id, filled when the manager lists the three scans. */
  const ids: Record<string, string> = {};
  let saved: string[] = [];
  let discarded = '';
  let pendingAfterReload = '';
  let shot = 0;

  const screenshot = async (name: string) => {
    shot++;
    await page.screenshot({ path: `${SHOTS}/${String(shot).padStart(2, '0')}-${name}.png`, fullPage: false });
  };

  const waitReady = () => page.waitForSelector('body[data-ready]', { state: 'attached' });

  before(
    async () => {
      rmSync(SHOTS, { recursive: true, force: true });
      mkdirSync(SHOTS, { recursive: true });
      server = await startDemoServer({ port: 0 });
      browser = await launchChromium();
      // A fresh context: empty IndexedDB and localStorage, like a first visit.
      context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      page = await context.newPage();
      page.setDefaultTimeout(15_000);
      page.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(`${server.url}/demo/index.html`);
      await waitReady();
    },
    { timeout: 60_000 },
  );

  after(async () => {
    await context?.close();
    await browser?.close();
    await server?.stop();
  });

  it('starts with no pending audits: no card shows a badge count', STEP, async () => {
    assert.equal(await page.locator(`#devops-cards scp-audit-badge [part="count"]`).count(), 0);
    await screenshot('first-visit');
  });

  it('refreshing three DevOps cards shows a badge of 1 on each', STEP, async () => {
    for (const key of SCANNED) await page.locator(`${devopsCard(key)} .actions button`, { hasText: 'Refresh' }).click();
    for (const key of SCANNED) {
      await page.locator(badgeCount(key)).waitFor();
      await expectText(badgeCount(key), '1');
    }
    // Cards not refreshed stay without a count.
    assert.equal(await page.locator(badgeCount('packages')).count(), 0);
    await screenshot('three-badges');
  });

  it('clicking a badge opens the manager filtered to that card', STEP, async () => {
    await page.locator(`${devopsCard('security')} scp-audit-badge [part="base"]`).click();
    await page.locator(`${manager} dialog[open]`).waitFor();
    await page.waitForFunction(
      () => (document.querySelector('scp-audit-manager') as unknown as { card?: string }).card === 'security',
    );
    await page.locator(managerRows).first().waitFor();
    assert.equal(await page.locator(managerRows).count(), 1);
    const title = await page.locator(`${manager} #title`).textContent();
    assert.match(title ?? '', /Security/);
    assert.match((await page.locator(managerRows).first().textContent()) ?? '', /Security/);
    await screenshot('manager-filtered');
  });

  it('clearing the card filter lists all three scans, each row checked', STEP, async () => {
    await page.locator(`${manager} .toolbar button.chip`).click();
    await page.waitForFunction(
      () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 3,
    );
    const view = await page.evaluate(() =>
      (
        document.querySelector('scp-audit-manager') as unknown as { view: { snapshot_id: string; card_key: string }[] }
      ).view.map((r) => ({ id: r.snapshot_id, card: r.card_key })),
    );
    assert.deepEqual(view.map((r) => r.card).sort(), [...SCANNED].sort());
    for (const r of view) ids[r.card] = r.id;
    const checked = await page
      .locator(`${managerRows} input[type="checkbox"]`)
      .evaluateAll((els) => els.map((e) => (e as HTMLInputElement).checked));
    assert.deepEqual(checked, [true, true, true]);
    await screenshot('manager-all');
  });

  it('saving two (one unchecked) and discarding the third empties the pending list', STEP, async () => {
    discarded = ids.quality!;
    saved = [ids.security!, ids.testing!];
    const index = await page.evaluate(
      (id) =>
        (document.querySelector('scp-audit-manager') as unknown as { view: { snapshot_id: string }[] }).view.findIndex(
          (r) => r.snapshot_id === id,
        ),
      discarded,
    );
    await page.locator(`${manager} .row[data-index="${index}"] input[type="checkbox"]`).uncheck();
    await page.locator(`${manager} footer button.primary`).click();
    await page.waitForFunction(
      () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 1,
    );
    assert.match((await page.locator(managerRows).first().textContent()) ?? '', /Quality/);
    await screenshot('manager-saved-two');
    // The remaining row is the unchecked one: check it again, then discard through the footer.
    await page.locator(`${managerRows} input[type="checkbox"]`).check();
    await page.locator(`${manager} footer button.danger`).click();
    await page.waitForFunction(
      () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 0,
    );
    await page.locator(`${manager} .viewport .empty`).waitFor();
    // No card has anything pending any more.
    await page.waitForFunction(
      () => document.querySelectorAll('#devops-cards scp-audit-badge:not([empty])').length === 0,
    );
    await screenshot('manager-empty');
    await page.locator(`${manager} header button.icon`).click();
    await page.locator(`${manager} dialog[open]`).waitFor({ state: 'detached' });
  });

  it('a new scan after that is pending and survives the reload with the saved ones', STEP, async () => {
    await page.locator(`${devopsCard('packages')} .actions button`, { hasText: 'Refresh' }).click();
    await page.locator(badgeCount('packages')).waitFor();
    pendingAfterReload = await page.evaluate(
      async () =>
        (
          await (
            window as unknown as { scp: { staging: { list(): Promise<{ snapshot_id: string; card_key: string }[]> } } }
          ).scp.staging.list()
        ).find((r) => r.card_key === 'packages')!.snapshot_id,
    );
    await page.reload();
    await waitReady();
    await page.locator(badgeCount('packages')).waitFor();
    await expectText(badgeCount('packages'), '1');
    // The saved and the discarded cards have no pending count after the reload.
    await page.waitForFunction(
      () => document.querySelectorAll('#devops-cards scp-audit-badge:not([empty])').length === 1,
    );
    for (const key of SCANNED)
      assert.equal(await page.locator(badgeCount(key)).count(), 0, `${key} shows no badge count`);
    await screenshot('after-reload');
  });

  it('after the reload the saved audits resolve from the ledger and the discarded one is gone', STEP, async () => {
    const resolve = (ref: string) =>
      page.evaluate(
        (r) =>
          (
            window as unknown as {
              scp: { refs: { resolve(ref: string): Promise<{ exists: boolean; source?: string; card_key?: string }> } };
            }
          ).scp.refs.resolve(r),
        ref,
      );
    for (const [id, card] of [
      [saved[0]!, 'security'],
      [saved[1]!, 'testing'],
    ] as const) {
      const p = await resolve(`@audit:${id}`);
      assert.equal(p.exists, true, `${id} exists`);
      assert.equal(p.source, 'ledger', `${id} comes from the ledger`);
      assert.equal(p.card_key, card);
    }
    const gone = await resolve(`@audit:${discarded}`);
    assert.equal(gone.exists, false);
    const pending = await resolve(`@audit:${pendingAfterReload}`);
    assert.equal(pending.exists, true);
    assert.equal(pending.source, 'pending');
  });

  it("the manager's Saved tab lists exactly the two saved audits", STEP, async () => {
    await page.locator('#open-manager').click();
    await page.locator(`${manager} dialog[open]`).waitFor();
    // The pending tab still has the one scan made before the reload.
    await page.waitForFunction(
      () => document.querySelector('scp-audit-manager')!.shadowRoot!.querySelectorAll('.row').length === 1,
    );
    await page.locator(`${manager} [role="tab"][data-tab="saved"]`).click();
    await page.locator(`${manager} .saved li`).nth(1).waitFor();
    const items = await page.locator(`${manager} .saved li`).allTextContents();
    assert.equal(items.length, 2);
    const text = items.join('\n');
    for (const id of saved) assert.ok(text.includes(`@audit:${id}`), `Saved tab shows ${id}`);
    assert.ok(!text.includes(discarded), 'the discarded audit is not in the Saved tab');
    await screenshot('manager-saved-tab');
    await page.keyboard.press('Escape');
    await page.locator(`${manager} dialog[open]`).waitFor({ state: 'detached' });
  });

  it(
    'Deploy on the Kubernetes card shows the run badge running, then failed when the rollout fails',
    STEP,
    async () => {
      await page.evaluate(() => {
        document.body.dataset.forceFail = 'true';
      });
      await page.locator('#integration-cards article[data-card="k8s"] .actions button', { hasText: 'Deploy' }).click();
      await page.locator(`${k8sRunBadge}[data-state="running"]`).waitFor();
      assert.equal(await page.locator(`${k8sRunBadge} [part="indicator"].spinner`).count(), 1);
      await screenshot('deploy-running');
      await page.locator(`${k8sRunBadge}[data-state="failed"]`).waitFor({ timeout: 15_000 });
      assert.equal(await page.locator(`${k8sRunBadge} [part="indicator"].spinner`).count(), 0);
      assert.match((await page.locator(`${k8sRunBadge} [part="label"]`).textContent()) ?? '', /failed/i);
      await screenshot('deploy-failed');
    },
  );

  it('Deploy without a forced failure ends in the state the run recorded', STEP, async () => {
    await page.evaluate(() => {
      delete document.body.dataset.forceFail;
    });
    await page.locator('#integration-cards article[data-card="k8s"] .actions button', { hasText: 'Deploy' }).click();
    await page.locator(`${k8sRunBadge}[data-state="running"]`).waitFor();
    await page.waitForFunction(
      () => {
        const host = document.querySelector('#integration-cards article[data-card="k8s"] scp-run-badge');
        const state = host?.shadowRoot?.querySelector('[part="base"]')?.getAttribute('data-state');
        return state === 'ok' || state === 'failed';
      },
      undefined,
      { timeout: 15_000 },
    );
    const shown = await page.locator(k8sRunBadge).getAttribute('data-state');
    // The badge's details name the run; the core's record of that run must agree with the badge.
    const ref =
      (
        await page.locator('#integration-cards article[data-card="k8s"] scp-run-badge [part="ref"]').textContent()
      )?.trim() ?? '';
    assert.match(ref, /^@run:run_/);
    const record = await page.evaluate(
      (id) =>
        (
          window as unknown as {
            scp: { runs: { get(id: string): Promise<{ run: { status: string; subtype?: string } } | undefined> } };
          }
        ).scp.runs.get(id),
      ref.slice('@run:'.length),
    );
    assert.ok(record, `${ref} is recorded`);
    assert.equal(record.run.subtype, 'deploy:k8s');
    assert.ok(shown === 'ok' || shown === 'failed', `final state ${shown}`);
    assert.equal(record.run.status, shown);
    await screenshot(`deploy-${shown}`);
  });

  it(
    'typing @audit: in the chat, picking with the keyboard, previews the audit and Send shows its chip',
    STEP,
    async () => {
      await page.locator('#compose').click();
      await page.keyboard.type('Look at @audit:');
      const options = page.locator('scp-ref-autocomplete [role="option"]');
      await options.first().waitFor();
      // Suggestions from the pending store and the ledger arrive separately: wait for both.
      let offered = await options.count();
      for (const until = Date.now() + 5_000; offered < 3 && Date.now() < until; offered = await options.count())
        await page.waitForTimeout(50);
      assert.ok(offered >= 3, `autocomplete offers the two saved and the pending audit (got ${offered})`);
      const offeredRefs = await page.evaluate(() =>
        (
          document.querySelector('scp-ref-autocomplete') as unknown as { suggestions: { ref: string }[] }
        ).suggestions.map((s) => s.ref),
      );
      for (const id of [...saved, pendingAfterReload])
        assert.ok(offeredRefs.includes(`@audit:${id}`), `autocomplete offers ${id} (got ${offeredRefs.join(', ')})`);
      assert.ok(!offeredRefs.some((r) => r.includes(discarded)), 'the discarded audit is not offered');
      // Each option names its card: the saved Security and Testing scans are among them.
      const optionText = (await options.allTextContents()).join('\n');
      assert.match(optionText, /security/i);
      assert.match(optionText, /testing/i);
      await screenshot('autocomplete');
      await page.keyboard.press('ArrowDown');
      await page.keyboard.press('Enter');
      const value = await page.locator('#compose').inputValue();
      const picked = /@audit:([A-Za-z0-9_.-]+)/.exec(value)?.[1];
      assert.ok(picked, `the compose box holds a full reference (got ${JSON.stringify(value)})`);
      assert.ok([...saved, pendingAfterReload].includes(picked), `${picked} is one of the known audits`);
      // Enter picked the suggestion; it did not send the message.
      assert.equal(await page.locator('#messages li').count(), 0);
      const card = page.locator('scp-ref-preview [part~="card"][data-state="ready"]');
      await card.waitFor();
      assert.match((await card.textContent()) ?? '', new RegExp(`@audit:${picked}`));
      await screenshot('preview');
      await page.locator('#compose-form button[type="submit"]').click();
      const chip = page.locator(`#messages .chip[data-ref="@audit:${picked}"]`);
      await chip.waitFor();
      assert.equal(await chip.textContent(), `@audit:${picked}`);
      assert.equal(await page.locator('#compose').inputValue(), '');
      await page.waitForFunction(
        () => !document.querySelector('scp-ref-preview')!.shadowRoot!.querySelector('[part~="card"]'),
      );
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

  async function expectText(selector: string, text: string) {
    await page.waitForFunction(
      ({ sel, want }) => {
        // Wait until the (shadow) text settles to the expected value.
        const [hostSel, inner] = sel.split(' scp-audit-badge ');
        const host = document.querySelector(`${hostSel} scp-audit-badge`);
        return host?.shadowRoot?.querySelector(inner!)?.textContent?.trim() === want;
      },
      { sel: selector, want: text },
    );
  }
});
