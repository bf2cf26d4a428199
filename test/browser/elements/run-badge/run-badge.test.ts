import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import type { ScpClient } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import type { RunEvent, RunRecord } from '../../../../src/core/schemas/run.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';
import { attach, closeClients, runsClient } from '../internal/fixtures.js';
import { ScpActionErrorEvent } from '../../../../src/elements/events/action-error-event.js';
import { ScpRefCopiedEvent } from '../../../../src/elements/events/ref-copied-event.js';
import { ScpRunDetailsToggleEvent } from '../../../../src/elements/events/run-details-toggle-event.js';
import { provideScpClient } from '../../../../src/elements/internal/context.js';
import type { ScpRunBadge } from '../../../../src/elements/run-badge/run-badge.js';
import '../../../../src/elements/run-badge/scp-run-badge.js';
import { until as pollUntil } from '../../../helpers/until.js';

// Sets up containers (attach) and clients (client) that closeClients removes after each test.
const client = runsClient;
const mount = attach;
afterEach(closeClients);

let n = 0;
function record(subtype: string, over: Partial<RunRecord['run']> = {}, events: RunEvent[] = []): RunRecord {
  n++;
  const type = subtype.split(':')[0]!;
  return {
    run: {
      run_id: `run_20261123T10${String(n).padStart(2, '0')}00Z_${type}_ab${String(n % 100).padStart(2, '0')}`,
      type,
      subtype,
      status: 'ok',
      user: 'ana',
      code_ref: 'abc123',
      started_at: new Date(Date.UTC(2026, 10, 23, 10, n)).toISOString(),
      ended_at: new Date(Date.UTC(2026, 10, 23, 10, n, 2)).toISOString(),
      duration_ms: 1500,
      summary: `${subtype} done`,
      ...over,
    },
    events,
  };
}

const part = (el: ScpRunBadge, name: string) => el.shadowRoot!.querySelector<HTMLElement>(`[part~="${name}"]`);
const popoverOpen = (el: ScpRunBadge) => part(el, 'popover')!.matches(':popover-open');

async function badge(c: ScpClient, attrs: { card?: string; subtype?: string } = {}): Promise<ScpRunBadge> {
  const el = await fixture<ScpRunBadge>(
    html`<scp-run-badge .client=${c} card=${attrs.card ?? ''} subtype=${attrs.subtype ?? ''}></scp-run-badge>`,
  );
  if (!attrs.card) el.removeAttribute('card');
  if (!attrs.subtype) el.removeAttribute('subtype');
  await el.settled();
  return el;
}

const until = (check: () => boolean, what: string) => pollUntil(check, what, 15_000);

describe('<scp-run-badge>', () => {
  it('says "No runs yet" when the card has no runs, and passes axe', async () => {
    const el = await badge(client(), { card: 'k8s' });
    expect(part(el, 'label')!.textContent!.trim()).to.equal('No runs yet');
    expect(part(el, 'base')!.getAttribute('aria-label')).to.equal('Kubernetes: No runs yet');
    await expect(el).to.be.accessible();
  });

  it('shows the last finished run of its card from the ledger, skipping runs of other cards', async () => {
    const c = client();
    await c.ledger.write({
      runs: [
        record('deploy:k8s', { status: 'failed', summary: 'crash loop in api' }),
        record('build:docker', { summary: 'image pushed' }),
      ],
    });
    const k8s = await badge(c, { card: 'k8s' });
    expect(part(k8s, 'indicator')!.dataset['status']).to.equal('failed');
    expect(part(k8s, 'label')!.textContent!.trim()).to.equal('failed — crash loop in api');
    expect(part(k8s, 'base')!.getAttribute('aria-label')).to.equal('Kubernetes: failed — crash loop in api');
    const docker = await badge(c, { card: 'docker' });
    expect(part(docker, 'label')!.textContent!.trim()).to.equal('ok — image pushed');
    await expect(k8s).to.be.accessible();
  });

  it('matches an exact subtype or a type:* pattern instead of a card', async () => {
    const c = client();
    await c.ledger.write({
      runs: [record('ci:lint', { summary: 'lint clean' }), record('deploy:k8s', { summary: 'deployed' })],
    });
    expect(part(await badge(c, { subtype: 'deploy:k8s' }), 'label')!.textContent!.trim()).to.equal('ok — deployed');
    expect(part(await badge(c, { subtype: 'ci:*' }), 'label')!.textContent!.trim()).to.equal('ok — lint clean');
    expect(part(await badge(c, { subtype: 'plan:terraform' }), 'label')!.textContent!.trim()).to.equal('No runs yet');
  });

  it('uses a host-supplied cardOf mapping', async () => {
    const c = client();
    await c.ledger.write({ runs: [record('deploy:helm', { summary: 'chart upgraded' })] });
    const el = await fixture<ScpRunBadge>(html`<scp-run-badge card="platform" .client=${c}
      .cardOf=${(s: string) => (s.startsWith('deploy:') ? 'platform' : undefined)}></scp-run-badge>`);
    await el.settled();
    expect(part(el, 'label')!.textContent!.trim()).to.equal('ok — chart upgraded');
  });

  it('spins while a matching run is live, shows its events, then the finished status — each state passes axe', async () => {
    const c = client();
    const el = await badge(c, { card: 'k8s' });
    const handle = await c.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: 'rolling out api' });
    await el.updateComplete;
    expect(part(el, 'indicator')!.classList.contains('spinner')).to.equal(true);
    expect(part(el, 'base')!.dataset['state']).to.equal('running');
    expect(part(el, 'label')!.textContent!.trim()).to.equal('running — rolling out api');
    await expect(el).to.be.accessible();

    // A run of another card does not touch this badge.
    const other = await c.runs.start({ type: 'build', subtype: 'build:docker', summary: 'building' });
    await el.updateComplete;
    expect(part(el, 'label')!.textContent!.trim()).to.equal('running — rolling out api');

    for (let i = 1; i <= 7; i++)
      await handle.event({ type: `step-${i}`, target: `pod-${i}`, status: 'ok', duration_ms: i * 100 });
    await el.updateComplete;
    el.showDetails();
    await el.updateComplete;
    const items = [...part(el, 'events')!.querySelectorAll('li .event-type')].map((x) => x.textContent);
    expect(items).to.deep.equal(['step-3', 'step-4', 'step-5', 'step-6', 'step-7']);
    expect(part(el, 'heading')!.textContent).to.equal('Run in progress · Kubernetes');
    await expect(el).to.be.accessible();
    el.hideDetails();

    await handle.finish({ status: 'failed', summary: '2 pods crash looping' });
    await other.finish({ status: 'ok' });
    await el.settled();
    expect(part(el, 'indicator')!.classList.contains('dot')).to.equal(true);
    expect(part(el, 'indicator')!.dataset['status']).to.equal('failed');
    expect(part(el, 'label')!.textContent!.trim()).to.equal('failed — 2 pods crash looping');
    await expect(el).to.be.accessible();
  });

  it('opens a popover with type, subtype, status, Intl duration, summary, the @run ref and the last 5 events', async () => {
    const c = client();
    const events: RunEvent[] = Array.from({ length: 6 }, (_, i) => ({
      seq: i + 1,
      ts: new Date(Date.UTC(2026, 10, 23, 10, 0, i)).toISOString(),
      type: `e${i + 1}`,
    }));
    const rec = record(
      'plan:terraform',
      { duration_ms: 1500, summary: '3 to add', target: 'prod', user: 'bo' },
      events,
    );
    await c.ledger.write({ runs: [rec] });
    const el = mount<HTMLDivElement>(
      html`<div lang="de"><scp-run-badge card="terraform" .client=${c}></scp-run-badge></div>`,
    ).firstElementChild as ScpRunBadge;
    await el.settled();
    const toggled = oneEvent(el, ScpRunDetailsToggleEvent.eventName);
    part(el, 'base')!.click();
    const opened = (await toggled) as ScpRunDetailsToggleEvent;
    expect(opened.detail).to.deep.equal({ open: true, runId: rec.run.run_id });
    expect(popoverOpen(el)).to.equal(true);
    const dl = part(el, 'details')!;
    const pairs = Object.fromEntries(
      [...dl.querySelectorAll('dt')].map((dt) => [
        dt.textContent,
        (dt.nextElementSibling as HTMLElement).textContent!.trim(),
      ]),
    );
    expect(pairs['Type']).to.equal('plan');
    expect(pairs['Subtype']).to.equal('plan:terraform');
    expect(pairs['Status']).to.equal('ok');
    expect(pairs['Duration']).to.equal(
      new Intl.NumberFormat('de', {
        style: 'unit',
        unit: 'second',
        unitDisplay: 'short',
        maximumFractionDigits: 1,
      }).format(1.5),
    );
    expect(pairs['Summary']).to.equal('3 to add');
    expect(pairs['Target']).to.equal('prod');
    expect(pairs['By']).to.equal('bo');
    expect(pairs['Started']).to.equal(
      new Intl.DateTimeFormat('de', { dateStyle: 'medium', timeStyle: 'short' }).format(Date.parse(rec.run.started_at)),
    );
    expect(part(el, 'ref')!.textContent).to.equal(`@run:${rec.run.run_id}`);
    expect([...part(el, 'events')!.querySelectorAll('.event-type')].map((x) => x.textContent)).to.deep.equal([
      'e2',
      'e3',
      'e4',
      'e5',
      'e6',
    ]);
    await expect(el).to.be.accessible();

    const closed = oneEvent(el, ScpRunDetailsToggleEvent.eventName);
    part(el, 'close-button')!.click();
    expect(((await closed) as ScpRunDetailsToggleEvent).detail.open).to.equal(false);
    expect(popoverOpen(el)).to.equal(false);
  });

  it('opens the popover with Enter on the focused badge and closes it with Escape', async () => {
    const c = client();
    await c.ledger.write({ runs: [record('deploy:k8s')] });
    const el = await badge(c, { card: 'k8s' });
    part(el, 'base')!.focus();
    const { sendKeys } = await import('@web/test-runner-commands');
    await sendKeys({ press: 'Enter' });
    expect(popoverOpen(el)).to.equal(true);
    part(el, 'copy-button')!.focus();
    const closed = oneEvent(el, ScpRunDetailsToggleEvent.eventName);
    await sendKeys({ press: 'Escape' });
    await closed;
    expect(popoverOpen(el)).to.equal(false);
  });

  it('copies @run:<id> and says so; a refused clipboard selects the ref and reports scp-error', async () => {
    const c = client();
    const rec = record('deploy:k8s');
    await c.ledger.write({ runs: [rec] });
    const el = await badge(c, { card: 'k8s' });
    el.showDetails();
    const clip = navigator.clipboard;
    const original = clip.writeText;
    const written: string[] = [];
    try {
      // The page's clipboard is the browser's; only its answer is chosen here.
      clip.writeText = async (t: string) => {
        written.push(t);
      };
      const copied = oneEvent(el, ScpRefCopiedEvent.eventName);
      part(el, 'copy-button')!.click();
      expect(((await copied) as ScpRefCopiedEvent).detail.ref).to.equal(`@run:${rec.run.run_id}`);
      expect(written).to.deep.equal([`@run:${rec.run.run_id}`]);
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('.note')!.textContent).to.equal(`Copied @run:${rec.run.run_id}`);

      clip.writeText = async () => {
        throw new DOMException('denied', 'NotAllowedError');
      };
      const failed = oneEvent(el, ScpActionErrorEvent.eventName);
      part(el, 'copy-button')!.click();
      const err = (await failed) as ScpActionErrorEvent;
      expect(err.detail.action).to.equal('copy');
      expect(err.detail.ids).to.deep.equal([rec.run.run_id]);
      await el.updateComplete;
      expect(el.shadowRoot!.querySelector('.note')!.textContent).to.contain('Could not copy');
      expect(getSelection()!.toString()).to.equal(`@run:${rec.run.run_id}`);
    } finally {
      clip.writeText = original;
    }
  });

  it('follows runs started and finished in another tab (BroadcastChannel)', async () => {
    const channel = `scp-test-${crypto.randomUUID()}`;
    const store = createMemoryStagingStore();
    const ledger = createMemoryLedger();
    const here = client({ channel, staging: store, ledger });
    const there = client({ channel, staging: store, ledger });
    const el = await badge(here, { card: 'docker' });
    const h = await there.runs.start({ type: 'build', subtype: 'build:docker', summary: 'building api image' });
    await until(() => part(el, 'base')!.dataset['state'] === 'running', 'the remote run to show');
    expect(part(el, 'label')!.textContent!.trim()).to.equal('running — building api image');
    await h.finish({ status: 'ok', summary: 'pushed api:1.2' });
    await until(() => part(el, 'base')!.dataset['state'] === 'ok', 'the remote completion to show');
    expect(part(el, 'label')!.textContent!.trim()).to.equal('ok — pushed api:1.2');
  });

  it('gets its client from a provided context', async () => {
    const c = client();
    await c.ledger.write({ runs: [record('git:commit', { summary: 'committed 3 files' })] });
    const wrap = mount<HTMLDivElement>(html`<div><scp-run-badge card="git"></scp-run-badge></div>`);
    const p = provideScpClient(wrap, c);
    const el = wrap.querySelector('scp-run-badge')!;
    await until(() => part(el, 'label')?.textContent?.trim() === 'ok — committed 3 files', 'the context client');
    p.dispose();
  });

  it('renders hostile strings as text: markup, template-shaped objects and bidi controls', async () => {
    const c = client();
    (window as unknown as { pwned?: number }).pwned = 0;
    const xss = '<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>';
    await c.ledger.write({
      runs: [
        record('deploy:k8s', { summary: xss, target: `${xss}\u202Egnp.exe`, user: xss, error: xss }, [
          { seq: 1, ts: '2026-11-23T10:00:00.000Z', type: xss, target: '\u202Eevil', status: xss },
        ]),
      ],
    });
    const el = await badge(c, { card: 'k8s' });
    el.showDetails();
    await el.updateComplete;
    const root = el.shadowRoot!;
    expect(root.querySelector('img, script')).to.equal(null);
    expect(part(el, 'label')!.textContent!.trim()).to.equal(`ok — ${xss}`);
    expect(part(el, 'details')!.textContent).to.contain('⟪U+202E⟫gnp.exe');
    expect(part(el, 'events')!.textContent).to.contain('⟪U+202E⟫evil');

    // A crafted object arriving on the bus (e.g. from another tab) in place of a string.
    const template = { _$litType$: { h: ['<img src=x onerror="window.pwned=3">'], parts: [] }, values: [] };
    c.bus.emit('run:started', {
      run_id: 'run_20261123T110000Z_deploy_zz99',
      type: 'deploy',
      subtype: 'deploy:k8s',
      summary: template as unknown as string,
    });
    await el.updateComplete;
    expect(root.querySelector('img, script')).to.equal(null);
    expect(part(el, 'base')!.dataset['state']).to.equal('running');
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { pwned?: number }).pwned).to.equal(0);
  });

  it('uses the dark palette on a page that follows the system (color-scheme: light dark) under a dark system, and passes axe there', async () => {
    const c = client();
    await c.ledger.write({ runs: [record('deploy:k8s', { status: 'failed', summary: 'crash loop' })] });
    const { emulateMedia } = await import('@web/test-runner-commands');
    const el = await badge(c, { card: 'k8s' });
    const light = getComputedStyle(part(el, 'base')!).backgroundColor;
    await emulateMedia({ colorScheme: 'dark' });
    document.documentElement.style.colorScheme = 'light dark';
    try {
      expect(getComputedStyle(part(el, 'base')!).backgroundColor).to.not.equal(light);
      expect(getComputedStyle(part(el, 'indicator')!).backgroundColor).to.equal('rgb(248, 81, 73)');
      el.showDetails();
      await el.updateComplete;
      await expect(el).to.be.accessible();
    } finally {
      document.documentElement.style.colorScheme = '';
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('lays out right-to-left (indicator at the inline start) and takes replacement strings', async () => {
    const c = client();
    const wrap = mount<HTMLDivElement>(html`<div dir="rtl"><scp-run-badge card="ci" .client=${c}
      .strings=${{ runBadgeNone: 'لا توجد عمليات' }}></scp-run-badge></div>`);
    const el = wrap.firstElementChild as ScpRunBadge;
    await el.settled();
    expect(part(el, 'label')!.textContent!.trim()).to.equal('لا توجد عمليات');
    const dot = part(el, 'indicator')!.getBoundingClientRect();
    const label = part(el, 'label')!.getBoundingClientRect();
    expect(dot.left).to.be.greaterThan(label.left);
    await expect(el).to.be.accessible();
  });
});
