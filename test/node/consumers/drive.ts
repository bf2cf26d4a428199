// What a user does with a consumer fixture's app, in Chromium: stage two scans, see the badge
// count them, save one from the manager, find it in the audit log, in `@audit:` autocomplete and
// as a preview card, verify the ledger, reload, and find everything still there.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { watchProblems } from '../dist/packed-package.js';

export interface DriveReport {
  entryKB: number;
  workerKB: number;
  saved: string;
}

type Win = {
  scp: {
    ledger: { verify(): Promise<{ ok: boolean; message?: string; checked: { entries: number } }> };
    refs: { resolve(r: string): Promise<{ exists: boolean; source?: string }> };
  };
};

const shadowText = (page: Page, host: string, inner: string) =>
  page.evaluate(
    ({ host, inner }) => document.querySelector(host)?.shadowRoot?.querySelector(inner)?.textContent?.trim() ?? '',
    { host, inner },
  );

async function waitShadow(
  page: Page,
  host: string,
  inner: string,
  want: (text: string, count: number) => boolean,
  what: string,
) {
  await page
    .waitForFunction(
      ({ host, inner, src }) => {
        const nodes = document.querySelector(host)?.shadowRoot?.querySelectorAll(inner) ?? [];
        const text = [...nodes].map((n) => n.textContent ?? '').join('\n');
        // The predicate crosses into the page as source text; indirect eval turns it back into a function.
        // biome-ignore lint/security/noGlobalEval: the source is this test's own predicate
        // biome-ignore lint/complexity/noCommaOperator: `(0, eval)` is the indirect (global-scope) eval
        return (0, eval)(src)(text, nodes.length);
      },
      { host, inner, src: want.toString() },
      { timeout: 30_000 },
    )
    .catch(async (e) => {
      throw new Error(
        `${what}: ${(e as Error).message.split('\n')[0]} (now: ${JSON.stringify(await shadowText(page, host, inner))})`,
      );
    });
}

export async function drive(browser: Browser, url: string): Promise<DriveReport> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const problems = watchProblems(page);
  // Every script served (first load only), and the Worker's script, to size what each loads.
  const scripts = new Map<string, { kb: number; upFront: boolean }>();
  const workerUrls = new Set<string>();
  let ready = false;
  page.on('response', async (res) => {
    if (res.request().resourceType() !== 'script' && !/javascript/.test(res.headers()['content-type'] ?? '')) return;
    // A blob: Worker is new on every load; its code is the `worker-source` chunk, counted once.
    if (scripts.has(res.url()) || res.url().startsWith('blob:')) return;
    const upFront = !ready;
    const body = await res.body().catch(() => Buffer.alloc(0));
    scripts.set(res.url(), { kb: gzipSync(body).length / 1024, upFront });
  });
  page.on('worker', (w) => {
    workerUrls.add(w.url());
  });
  try {
    await page.goto(url);
    await page.locator('[data-ready]').waitFor({ state: 'attached' });
    ready = true;

    // Two scans on two cards: the card-less badge counts both.
    await page.locator('article[data-card="security"] button.scan').click();
    await page.locator('article[data-card="testing"] button.scan').click();
    await waitShadow(page, '#total', '[part="count"]', (t) => t.trim() === '2', 'the total badge shows 2');

    // The badge opens the manager on every card; save the Security scan only.
    await page.locator('#total').click();
    await page.locator('scp-audit-manager dialog[open]').waitFor();
    await waitShadow(page, 'scp-audit-manager', '.row', (_t, n) => n === 2, 'the manager lists both scans');
    const view = await page.evaluate(() =>
      (
        document.querySelector('scp-audit-manager') as unknown as { view: { snapshot_id: string; card_key: string }[] }
      ).view.map((r) => ({ id: r.snapshot_id, card: r.card_key })),
    );
    const saved = view.find((r) => r.card === 'security')!.id;
    const keep = view.findIndex((r) => r.card === 'testing');
    await page.locator(`scp-audit-manager .row[data-index="${keep}"] input[type="checkbox"]`).uncheck();
    await page.locator('scp-audit-manager footer button.primary').click();
    await waitShadow(page, 'scp-audit-manager', '.row', (_t, n) => n === 1, 'one scan is left pending after the save');
    await waitShadow(page, '#total', '[part="count"]', (t) => t.trim() === '1', 'the total badge shows 1');
    await page.keyboard.press('Escape');
    await page.locator('scp-audit-manager dialog[open]').waitFor({ state: 'detached' });

    // The audit log shows the save.
    await waitShadow(
      page,
      'scp-audit-log',
      '[part="row"]',
      (t) => /security/i.test(t),
      'the audit log shows the saved scan',
    );

    // `@audit:` offers it; the preview shows its card.
    await page.locator('#compose').click();
    await page.keyboard.type('see @audit:');
    await page.waitForFunction(
      (id) =>
        (
          document.querySelector('scp-ref-autocomplete') as unknown as { suggestions: { ref: string }[] }
        ).suggestions.some((s) => s.ref === `@audit:${id}`),
      saved,
    );
    await page.keyboard.press('Escape');
    await page.locator('#compose').fill(`see @audit:${saved} `);
    await waitShadow(
      page,
      'scp-ref-preview',
      '[part~="card"][data-state="ready"]',
      (t) => t.length > 0,
      'the preview card is ready',
    );
    assert.match(await shadowText(page, 'scp-ref-preview', '[part~="card"][data-state="ready"]'), new RegExp(saved));

    const verified = await page.evaluate(() => (window as unknown as Win).scp.ledger.verify());
    assert.equal(verified.ok, true, `verify(): ${verified.message}`);
    assert.equal(verified.checked.entries, 1);

    // After a reload: the pending scan, the saved one (from the ledger), the log row.
    await page.reload();
    await page.locator('[data-ready]').waitFor({ state: 'attached' });
    await waitShadow(
      page,
      '#total',
      '[part="count"]',
      (t) => t.trim() === '1',
      'the total badge still shows 1 after a reload',
    );
    await waitShadow(
      page,
      'scp-audit-log',
      '[part="row"]',
      (t) => /security/i.test(t),
      'the audit log still shows the save after a reload',
    );
    const resolved = await page.evaluate((id) => (window as unknown as Win).scp.refs.resolve(`@audit:${id}`), saved);
    assert.deepEqual([resolved.exists, resolved.source], [true, 'ledger']);
    await page.locator('#compose').click();
    await page.keyboard.type('@audit:');
    await page.waitForFunction(
      (id) =>
        (
          document.querySelector('scp-ref-autocomplete') as unknown as { suggestions: { ref: string }[] }
        ).suggestions.some((s) => s.ref === `@audit:${id}`),
      saved,
    );
    const again = await page.evaluate(() => (window as unknown as Win).scp.ledger.verify());
    assert.equal(again.ok, true, `verify() after the reload: ${again.message}`);

    assert.deepEqual(
      problems.filter((p) => !/Lit is in dev mode/.test(p)),
      [],
      'no console or page errors',
    );
    // A Worker started from a blob runs the code of the `worker-source` chunk.
    const isWorker = (u: string) => workerUrls.has(u) || /worker-source/.test(u);
    const sum = (pick: (u: string, s: { kb: number; upFront: boolean }) => boolean) =>
      Math.round([...scripts].filter(([u, s]) => pick(u, s)).reduce((a, [, s]) => a + s.kb, 0) * 10) / 10;
    return { entryKB: sum((u, s) => s.upFront && !isWorker(u)), workerKB: sum((u) => isWorker(u)), saved };
  } finally {
    await context.close();
  }
}
