// The elements on the host's page: colours follow the page's color-scheme (or `theme`), icons are
// SVG, the run badge does not repeat itself, long text is cut with its full text kept, and the
// developer's error details go to the console and scp-error, not to the user.
import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia } from '@web/test-runner-commands';
import { LedgerUnavailableError } from '../../../src/core/errors/index.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import type { ScpAuditManager } from '../../../src/elements/audit-manager/audit-manager.js';
import '../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpActionErrorEvent } from '../../../src/elements/events/action-error-event.js';
import type { ScpRefPreview } from '../../../src/elements/ref-preview/ref-preview.js';
import '../../../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpRunBadge } from '../../../src/elements/run-badge/run-badge.js';
import '../../../src/elements/run-badge/scp-run-badge.js';
import { closeClients, memoryClient, runsClient, until } from './internal/fixtures.js';

afterEach(closeClients);

const WHITE = 'rgb(255, 255, 255)';
const DARK = 'rgb(13, 17, 23)';
const baseBg = (el: Element) => getComputedStyle(el.shadowRoot!.querySelector('[part="base"]')!).backgroundColor;

async function withScheme(system: 'light' | 'dark', page: string, fn: () => Promise<void>): Promise<void> {
  await emulateMedia({ colorScheme: system });
  document.documentElement.style.colorScheme = page;
  try {
    await fn();
  } finally {
    document.documentElement.style.colorScheme = '';
    await emulateMedia({ colorScheme: 'light' });
  }
}

describe('elements on the host page', () => {
  it("follow the page's color-scheme, not the system's: no dark block on a light page", async () => {
    const el = await fixture<ScpRunBadge>(html`<scp-run-badge .client=${runsClient()} card="api"></scp-run-badge>`);
    await el.settled();
    // A page that never opted into dark stays light on a dark system.
    await withScheme('dark', '', async () => {
      expect(baseBg(el)).to.equal(WHITE);
    });
    await withScheme('dark', 'light', async () => {
      expect(baseBg(el)).to.equal(WHITE);
    });
    // A page that follows the system, or is dark, gets the dark palette.
    await withScheme('dark', 'light dark', async () => {
      expect(baseBg(el)).to.equal(DARK);
    });
    await withScheme('light', 'dark', async () => {
      expect(baseBg(el)).to.equal(DARK);
    });
  });

  it('take theme="light|dark" over the page, and theme="auto" inherits it', async () => {
    const el = await fixture<ScpRunBadge>(
      html`<scp-run-badge .client=${runsClient()} card="api" theme="dark"></scp-run-badge>`,
    );
    await el.settled();
    expect(baseBg(el)).to.equal(DARK);
    await withScheme('dark', 'dark', async () => {
      el.theme = 'light';
      await el.updateComplete;
      expect(el.getAttribute('theme')).to.equal('light');
      expect(baseBg(el)).to.equal(WHITE);
      el.theme = 'auto';
      await el.updateComplete;
      expect(baseBg(el)).to.equal(DARK);
    });
  });

  it('show icons as inline SVG, never as glyphs that need an emoji or symbol font', async () => {
    const c = memoryClient();
    await c.staging.stage('security', { n: 1 }, { summary: 'scan' });
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${c}></scp-audit-manager>`);
    el.show('security');
    await el.settled();
    await until(() => el.shadowRoot!.querySelectorAll('.row').length === 1, 'a row');
    const buttons = [...el.shadowRoot!.querySelectorAll('button')];
    const close = buttons.filter((b) => b.getAttribute('aria-label') === 'Close' || b.classList.contains('chip'));
    expect(close.length).to.be.greaterThan(1);
    for (const b of close) expect(b.querySelector('svg'), b.outerHTML).to.not.equal(null);
    const text = el.shadowRoot!.textContent!;
    expect(/[\u2190-\u2BFF\u{1F000}-\u{1FFFF}]/u.test(text), text).to.equal(false);
  });

  it('say a run badge\'s status once ("deploy:api ok", not "ok — deploy:api ok")', async () => {
    const c = runsClient({ cards: [{ key: 'api', label: 'Public API' }] });
    await c.runs.track({ type: 'deploy', subtype: 'deploy:api' }, async () => 'done');
    await c.runs.flush();
    const el = await fixture<ScpRunBadge>(html`<scp-run-badge .client=${c} card="api"></scp-run-badge>`);
    await el.settled();
    const label = el.shadowRoot!.querySelector('[part="label"]')!.textContent!.trim();
    const summary = el.last!.summary;
    expect(summary).to.match(/\bok\b/);
    expect(label).to.equal(summary);
    // A summary that does not say the status keeps it in front.
    await c.runs.track({ type: 'deploy', subtype: 'deploy:api', summary: 'api v2 live' }, async () => ({
      ok: true,
      summary: 'api v2 live',
    }));
    await c.runs.flush();
    await until(
      () => el.shadowRoot!.querySelector('[part="label"]')!.textContent!.trim() === 'ok — api v2 live',
      'the new run, with its status',
    );
  });

  it('cut long labels and summaries with an ellipsis inside the card, keeping the full text as title', async () => {
    const long = 'Quarterly compliance and security posture review of every production cluster';
    const c = memoryClient({ cards: [{ key: 'compliance', label: long, category: long }] });
    const staged = await c.staging.stage('compliance', { n: 1 }, { summary: `${long} — ${long}` });
    if (!staged.staged) throw new Error('not staged');
    const snap = staged.snapshot;
    await c.staging.save([snap.snapshot_id]);
    const preview = await fixture<ScpRefPreview>(
      html`<scp-ref-preview .client=${c} style="inline-size: 20rem"></scp-ref-preview>`,
    );
    preview.text = `see @audit:${snap.snapshot_id}`;
    await until(() => preview.shadowRoot!.querySelector('[part~="card"][data-state="ready"]'), 'a ready card');
    const card = preview.shadowRoot!.querySelector<HTMLElement>('[part~="card"]')!;
    const title = card.querySelector<HTMLElement>('.title')!;
    expect(title.getAttribute('title')).to.equal(long);
    expect(title.scrollWidth).to.be.greaterThan(title.clientWidth);
    expect(getComputedStyle(title).textOverflow).to.equal('ellipsis');
    expect(title.getBoundingClientRect().right).to.be.at.most(card.getBoundingClientRect().right + 0.5);
    expect(card.scrollWidth).to.be.at.most(card.clientWidth);

    await c.staging.stage('compliance', { n: 2 }, { summary: 'again' });
    const manager = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${c}></scp-audit-manager>`);
    manager.show('compliance');
    await manager.settled();
    const tabName = manager.shadowRoot!.querySelector<HTMLElement>('[role="tab"][data-tab^="category:"] .tab-name')!;
    expect(tabName.getAttribute('title')).to.equal(long);
    expect(tabName.scrollWidth).to.be.greaterThan(tabName.clientWidth);
    const chip = manager.shadowRoot!.querySelector<HTMLElement>('.chip')!;
    expect(chip.getBoundingClientRect().width).to.be.at.most(
      20 * parseFloat(getComputedStyle(document.documentElement).fontSize) + 0.5,
    );
    expect(chip.getAttribute('aria-label')).to.contain(long);
  });

  it("keep the developer's hints out of the user's view: they go to the console and scp-error", async () => {
    const hint =
      'The ledger Worker could not start (worker_missing): serve worker.js beside scp-ledger or pass createScp({ worker })';
    const ledger = createMemoryLedger();
    const c = memoryClient({
      ledger: {
        ...ledger,
        write: async () => {
          throw new LedgerUnavailableError(hint, { data: { reason: 'worker_missing' } });
        },
      },
    });
    await c.staging.stage('security', { n: 1 }, { summary: 'scan' });
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${c}></scp-audit-manager>`);
    el.show();
    await el.settled();
    await until(() => el.shadowRoot!.querySelectorAll('.row').length === 1, 'a row');
    const events: ScpActionErrorEvent[] = [];
    el.addEventListener('scp-error', (e) => events.push(e));
    const warned: unknown[][] = [];
    const warn = console.warn;
    console.warn = (...args: unknown[]) => {
      warned.push(args);
    };
    try {
      el.shadowRoot!.querySelector<HTMLButtonElement>('footer button.primary')!.click();
      await until(() => el.shadowRoot!.querySelector('.banner[role="alert"]'), 'the error banner');
    } finally {
      console.warn = warn;
    }
    const banner = el.shadowRoot!.querySelector('.banner[role="alert"]')!.textContent!;
    expect(banner).to.contain('the audit ledger is not available right now');
    for (const word of ['worker', 'createScp', 'worker_missing']) expect(banner).to.not.contain(word);
    expect(events).to.have.length(1);
    expect((events[0]!.detail.error as Error).message).to.contain(hint);
    expect(warned.some((args) => args.some((a) => a instanceof Error && a.message.includes(hint)))).to.equal(true);
  });
});
