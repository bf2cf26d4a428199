// Page for bench/elements.screenshots.ts: builds one state of the elements per call.
import { createScp, type ScpClient } from '../src/core/client.js';
import { DEMO_CARDS } from '../demo/cards.js';
import { LedgerWriteError } from '../src/core/errors/index.js';
import { createMemoryLedger } from '../src/core/ledger/memory.js';
import type { Preview } from '../src/core/schemas/ref.js';
import { createMemoryStagingStore } from '../src/core/storage/memory.js';
import '../src/elements/all.js';
import type { ScpAuditManager } from '../src/elements/audit-manager/audit-manager.js';
import type { ScpRefPreview } from '../src/elements/ref-preview/ref-preview.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));
const never = new Promise<never>(() => undefined);

function client(options: Parameters<typeof createScp>[0] = {}): ScpClient {
  return createScp({
    channel: false,
    staging: createMemoryStagingStore(),
    policy: 'all',
    skipUnchanged: false,
    runs: { groupCommitMs: 0 },
    cards: DEMO_CARDS,
    ...options,
  });
}

const SAMPLE: Array<[string, string, number]> = [
  ['security', '3 issues · Score: 78 · (B)', 2],
  ['security', '2 issues · Score: 84 · (B+)', 40],
  ['testing', '412 passed · 3 failed · 87% coverage', 5],
  ['k8s', '12 pods · 1 CrashLoopBackOff', 90],
  ['audit:l2:risks', '4 risks (1 high)', 300],
  ['audit:scores', 'Overall 81/100', 1500],
  ['docs', '2 broken links', 4000],
  ['dns', '6 records · TLS ok', 90_000],
];

async function staged(c: ScpClient) {
  for (const [card, summary, ago] of SAMPLE) {
    await c.staging.stage(
      card,
      {
        summary,
        findings: Array.from({ length: 130 }, (_, i) => ({ id: i, rule: `R${i}`, severity: i % 3 ? 'low' : 'high' })),
        meta: { tool: 'scanner', version: '1.2.0', ok: true, skipped: null },
      },
      { summary, computed_at: new Date(Date.now() - ago * 1000) },
    );
  }
}

function manager(c: ScpClient): ScpAuditManager {
  const el = document.createElement('scp-audit-manager');
  el.client = c;
  document.body.append(el);
  return el;
}

const states: Record<string, () => Promise<void>> = {
  async badges() {
    const c = client();
    await staged(c);
    const bar = document.createElement('div');
    bar.className = 'cards';
    for (const card of ['security', 'k8s', 'testing', 'terraform']) {
      const box = document.createElement('div');
      box.className = 'card';
      box.textContent = c.cardLabel(card);
      const badge = document.createElement('scp-audit-badge');
      badge.card = card;
      badge.client = c;
      box.append(' ', badge);
      bar.append(box);
    }
    document.body.append(bar);
    await wait(100);
  },
  async 'manager-list'() {
    const c = client();
    await staged(c);
    const el = manager(c);
    el.show();
    await el.settled();
    el.shadowRoot!.querySelectorAll<HTMLInputElement>('.row input')[2]!.click();
  },
  async 'manager-preview'() {
    const c = client();
    await staged(c);
    const el = manager(c);
    el.show();
    await el.settled();
    el.shadowRoot!.querySelector<HTMLButtonElement>('.row [data-control="preview"]')!.click();
    await wait(100);
    const tree = el.shadowRoot!.querySelector('scp-json-tree')!;
    for (const d of [...tree.shadowRoot!.querySelectorAll('details:not([open])')].slice(0, 2))
      d.querySelector('summary')!.click();
    await wait(100);
  },
  async 'manager-error'() {
    const ledger = createMemoryLedger();
    const c = client({
      ledger: {
        ...ledger,
        write: async () => {
          throw new LedgerWriteError('push rejected by origin (non-fast-forward)', { data: { ids: [] } });
        },
      },
    });
    await staged(c);
    const el = manager(c);
    el.show('security');
    await el.settled();
    [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('footer button')].at(-1)!.click();
    await wait(200);
  },
  async 'manager-saving'() {
    const ledger = createMemoryLedger();
    const c = client({ ledger: { ...ledger, write: () => never } });
    await staged(c);
    const el = manager(c);
    el.show();
    await el.settled();
    el.tab = 'category:Project';
    await el.updateComplete;
    [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('footer button')].at(-1)!.click();
    await wait(100);
  },
  async 'manager-saved'() {
    const c = client();
    await staged(c);
    await c.staging.save((await c.staging.list()).slice(0, 5).map((m) => m.snapshot_id));
    const el = manager(c);
    el.show();
    await el.settled();
    el.tab = 'saved';
    await wait(300);
  },
  async 'manager-empty'() {
    const el = manager(client());
    el.show();
    await el.settled();
  },
  async 'manager-10000'() {
    const c = client();
    const cards = ['security', 'testing', 'quality', 'k8s', 'docs', 'audit:scores', 'audit:l2:risks'];
    await c.staging.stageMany(
      Array.from({ length: 10_000 }, (_, i) => ({
        card_key: cards[i % cards.length]!,
        result: { i },
        options: { summary: `scan #${i + 1}` },
      })),
    );
    const el = manager(c);
    el.show();
    await el.settled();
    const vp = el.shadowRoot!.querySelector<HTMLElement>('.viewport')!;
    vp.scrollTop = 5000 * 52;
    await wait(200);
  },
  async 'ref-preview'() {
    const c = client();
    await staged(c);
    const [a, b] = await c.staging.list();
    await c.staging.save([a!.snapshot_id]);
    const done = await c.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: 'rollout' });
    await done.finish({ status: 'failed', summary: 'rollout failed: 1 pod CrashLoopBackOff' });
    const live = await c.runs.start({ type: 'build', subtype: 'build:docker', summary: 'building image api:1.4' });
    void live;
    const fail = true;
    c.refs.register({
      kind: 'ticket',
      icon: '#',
      label: 'Ticket',
      resolve: async (id): Promise<Preview> => {
        if (fail) throw new Error('tracker offline');
        return { type: 'ticket', id, exists: true };
      },
    });
    c.refs.register({ kind: 'doc', icon: 'D', label: 'Doc', resolve: () => never });
    void fail;
    const form = document.createElement('div');
    form.className = 'compose';
    form.innerHTML = '<label for="compose">Message</label><textarea id="compose" rows="3"></textarea>';
    const el = document.createElement('scp-ref-preview') as ScpRefPreview;
    el.htmlFor = 'compose';
    el.debounce = 0;
    el.showMissing = true;
    el.client = c;
    form.append(el);
    document.body.append(form);
    const ta = form.querySelector('textarea')!;
    ta.value = `Saved @audit:${a!.snapshot_id}, pending @audit:${b!.snapshot_id}, deploy @run:${done.id}, build @run:${live.id}, gone @audit:dns_20200101_000000_zzzz, @ticket:T-9 and @doc:runbook`;
    ta.dispatchEvent(new Event('input', { bubbles: true }));
    await wait(300);
  },
};

(globalThis as Record<string, unknown>).showState = async (name: string) => {
  await states[name]!();
  await wait(150);
};
