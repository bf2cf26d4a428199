// Loaded by csp-page.html (strict CSP, Trusted Types required): the run badge, the ref
// autocomplete and the audit log with hostile values; reports what the page saw in `__cspBeyondResult`.
import { tick, trustedTypesEnforced, violations } from '../../../helpers/csp-probe.js';

export interface BeyondCspResult {
  enforced: boolean;
  violations: string[];
  xss: unknown;
  rendered: { badge: string; options: string[]; picked: string; rows: number; summary: string; popupStyled: boolean };
  error?: string;
}

declare global {
  interface Window {
    __cspBeyondResult?: Promise<BeyondCspResult>;
    __xss?: number;
  }
}

async function run(): Promise<BeyondCspResult> {
  const enforced = await trustedTypesEnforced();

  const [{ createScp }, { createMemoryStagingStore }, { createMemoryLedger }, { XSS, BIDI }] = await Promise.all([
    import('../../../../src/core/client.js'),
    import('../../../../src/core/storage/memory.js'),
    import('../../../../src/core/ledger/memory.js'),
    import('../security/hostile.js'),
    import('../../../../src/elements/all.js'),
  ]);
  const client = createScp({
    channel: false,
    ledger: createMemoryLedger(),
    staging: createMemoryStagingStore(),
    runs: { groupCommitMs: 0 },
  });
  const now = Date.now();
  await client.ledger.write({
    runs: XSS.map((x, i) => ({
      run: {
        run_id: `run_20261123T10000${i}Z_deploy_csp${i}`,
        type: 'deploy',
        subtype: 'deploy:k8s',
        status: 'failed' as const,
        user: x,
        code_ref: '',
        started_at: new Date(now - (i + 1) * 60_000).toISOString(),
        summary: `${x} ${BIDI}`,
        target: x,
        reason: x,
      },
      events: [{ seq: 1, ts: new Date(now).toISOString(), type: x, target: BIDI, status: x }],
    })),
  });

  const badge = document.createElement('scp-run-badge');
  badge.card = 'k8s';
  badge.client = client;
  const log = document.createElement('scp-audit-log');
  log.client = client;
  document.body.append(badge, log);
  await badge.settled();
  badge.showDetails();
  await badge.updateComplete;
  await log.settled();

  const ac = document.querySelector('scp-ref-autocomplete')!;
  ac.client = client;
  ac.debounce = 0;
  await ac.updateComplete;
  const compose = document.querySelector<HTMLTextAreaElement>('#compose')!;
  compose.focus();
  compose.value = '@run:';
  compose.setSelectionRange(5, 5);
  compose.dispatchEvent(new InputEvent('input', { bubbles: true }));
  await tick(20);
  await ac.settled();
  const options = [...ac.querySelectorAll('[role="option"] .label')].map((o) => o.textContent ?? '');
  const popup = ac.querySelector('.scp-ref-ac-popup')!;
  const popupStyled = getComputedStyle(popup).position === 'absolute';
  compose.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, cancelable: true }));
  await tick(50);

  return {
    enforced,
    violations: [...violations],
    xss: window.__xss,
    rendered: {
      badge: badge.shadowRoot!.querySelector('[part="label"]')!.textContent ?? '',
      options,
      picked: compose.value,
      rows: log.shadowRoot!.querySelectorAll('tr[part="row"]').length,
      summary: log.shadowRoot!.querySelector('tr[part="row"] td.summary bdi')!.textContent ?? '',
      popupStyled,
    },
  };
}

window.__cspBeyondResult = run().catch((e: unknown) => ({
  enforced: false,
  violations: [...violations],
  xss: window.__xss,
  rendered: { badge: '', options: [], picked: '', rows: 0, summary: '', popupStyled: false },
  error: String(e instanceof Error ? e.stack : e),
}));
