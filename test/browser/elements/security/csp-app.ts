// Loaded by csp-page.html (strict CSP, Trusted Types required): exercises every element with hostile
// values and reports what the page saw in `window.__cspResult`.
import { tick, trustedTypesEnforced, violations } from '../../../helpers/csp-probe.js';

export interface CspResult {
  /** The page really enforces Trusted Types: a raw innerHTML assignment throws. */
  enforced: boolean;
  /** Violations reported while the elements loaded, rendered and were used. */
  violations: string[];
  xss: unknown;
  rendered: { badge: string; rows: number; treeText: string; cards: number };
  error?: string;
}

declare global {
  interface Window {
    __cspResult?: Promise<CspResult>;
    __xss?: number;
  }
}

async function run(): Promise<CspResult> {
  const enforced = await trustedTypesEnforced();

  const [{ createScp }, { createMemoryStagingStore }, { createMemoryLedger }, hostile] = await Promise.all([
    import('../../../../src/core/client.js'),
    import('../../../../src/core/storage/memory.js'),
    import('../../../../src/core/ledger/memory.js'),
    import('./hostile.js'),
    import('../../../../src/elements/all.js'),
  ]);
  const client = createScp({
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
    runs: { groupCommitMs: 0 },
  });
  for (const x of hostile.XSS) await client.staging.stage(x, hostile.hostileData, { summary: `${x} ${hostile.BIDI}` });
  const run = await client.runs.start({ type: 'deploy', subtype: `deploy:${hostile.XSS[0]}`, summary: hostile.XSS[1] });
  const firstId = (await client.staging.list())[0]!.snapshot_id;

  const badge = document.createElement('scp-audit-badge');
  badge.card = hostile.XSS[0];
  badge.client = client;
  const manager = document.createElement('scp-audit-manager');
  manager.client = client;
  const preview = document.createElement('scp-ref-preview');
  preview.htmlFor = 'compose';
  preview.debounce = 0;
  preview.showMissing = true;
  preview.client = client;
  document.body.append(badge, manager, preview);
  await badge.settled();

  // The badge opens the manager through its event; the preview pane and tree render the data.
  badge.shadowRoot!.querySelector('button')!.click();
  await tick(20);
  await manager.settled();
  manager.card = undefined;
  await manager.settled();
  manager.shadowRoot!.querySelector<HTMLButtonElement>('.row [data-control="preview"]')!.click();
  for (let i = 0; i < 50 && !manager.shadowRoot!.querySelector('scp-json-tree'); i++) await tick(10);
  const tree = manager.shadowRoot!.querySelector('scp-json-tree')!;
  await tree.updateComplete;
  for (let round = 0; round < 3; round++) {
    for (const d of tree.shadowRoot!.querySelectorAll('details:not([open])')) d.querySelector('summary')!.click();
    await tree.updateComplete;
    await tick(10);
  }

  const compose = document.querySelector<HTMLTextAreaElement>('#compose')!;
  compose.value = `@audit:${firstId} @run:${run.id} @audit:missing_20200101_000000_zzzz`;
  compose.dispatchEvent(new Event('input', { bubbles: true }));
  await tick(20);
  await preview.settled();
  await tick(50);

  return {
    enforced,
    violations: [...violations],
    xss: window.__xss,
    rendered: {
      badge: badge.shadowRoot!.querySelector('button')!.getAttribute('aria-label') ?? '',
      rows: manager.shadowRoot!.querySelectorAll('.row').length,
      treeText: tree.shadowRoot!.textContent ?? '',
      cards: preview.shadowRoot!.querySelectorAll('li[part~="card"]').length,
    },
  };
}

window.__cspResult = run().catch((e: unknown) => ({
  enforced: false,
  violations: [...violations],
  xss: window.__xss,
  rendered: { badge: '', rows: 0, treeText: '', cards: 0 },
  error: String(e instanceof Error ? e.stack : e),
}));
