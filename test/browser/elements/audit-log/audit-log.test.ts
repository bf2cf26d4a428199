import { expect, html, oneEvent } from '@open-wc/testing';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import type { ScpClient } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import type { Ledger } from '../../../../src/core/ledger/types.js';
import type { SavedAudit } from '../../../../src/core/schemas/audit.js';
import type { RunRecord } from '../../../../src/core/schemas/run.js';
import { attach, closeClients, runsClient } from '../internal/fixtures.js';
import type { ScpAuditLog } from '../../../../src/elements/audit-log/audit-log.js';
import '../../../../src/elements/audit-log/scp-audit-log.js';
import { ScpActionErrorEvent } from '../../../../src/elements/events/action-error-event.js';
import { ScpLogExportEvent } from '../../../../src/elements/events/log-export-event.js';
import { until as pollUntil } from '../../../helpers/until.js';

// Sets up containers (attach) and clients (client) that closeClients removes after each test.
const client = runsClient;
const mount = attach;
afterEach(closeClients);

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();

function run(id: string, subtype: string, minutesAgo: number, over: Partial<RunRecord['run']> = {}): RunRecord {
  return {
    run: {
      run_id: `run_${id}`,
      type: subtype.split(':')[0]!,
      subtype,
      status: 'ok',
      user: 'ana',
      code_ref: '',
      started_at: ago(minutesAgo),
      ended_at: ago(minutesAgo),
      duration_ms: 1200,
      summary: `${subtype} done`,
      ...over,
    },
    events: [],
  };
}

function audit(id: string, card: string, minutesAgo: number, over: Partial<SavedAudit> = {}): SavedAudit {
  const iso = ago(minutesAgo);
  return {
    snapshot_id: id,
    card_key: card,
    audit_type: card.startsWith('audit:') ? 'project' : 'devops',
    computed_at: Date.parse(iso) / 1000,
    iso,
    status: 'ok',
    duration_s: 1.5,
    summary: `${card} scanned`,
    data: {},
    saved_by: 'bo',
    saved_at: iso,
    ...over,
  };
}

/** Five entries: two audits (bo), three runs (ana, cy). */
async function seed(c: ScpClient): Promise<void> {
  await c.ledger.write({
    audits: [
      audit('security_1', 'security', 10, { summary: '3 issues · Score: 78' }),
      audit('k8s_1', 'k8s', 3 * 24 * 60),
    ],
    runs: [
      run('d1', 'deploy:k8s', 5, { target: 'prod-cluster', reason: 'hotfix 1.2.1', summary: 'rolled out api' }),
      run('b1', 'build:docker', 90, { status: 'failed', user: 'cy', summary: 'image build failed' }),
      run('p1', 'plan:terraform', 20 * 24 * 60, { status: 'partial', summary: '3 to add' }),
    ],
  });
}

async function log(c: ScpClient, attrs = ''): Promise<ScpAuditLog> {
  const wrap = mount<HTMLDivElement>(html`<div></div>`);
  wrap.innerHTML = `<scp-audit-log ${attrs}></scp-audit-log>`;
  const el = wrap.firstElementChild as ScpAuditLog;
  el.client = c;
  await el.settled();
  return el;
}

const root = (el: ScpAuditLog) => el.shadowRoot!;
const ids = (el: ScpAuditLog) =>
  [...root(el).querySelectorAll<HTMLElement>('tr[part="row"]')].map((r) => r.dataset['id']);
const cells = (el: ScpAuditLog, id: string) =>
  [...root(el).querySelector(`tr[data-id="${id}"]`)!.querySelectorAll('td')].map((td) =>
    td.textContent!.trim().replace(/\s+/g, ' '),
  );
const control = <T extends HTMLElement>(el: ScpAuditLog, name: string) =>
  root(el).querySelector<T>(`[name="${name}"]`)!;

async function choose(el: ScpAuditLog, name: string, value: string): Promise<void> {
  const c = control<HTMLSelectElement | HTMLInputElement>(el, name);
  c.value = value;
  c.dispatchEvent(new Event('change', { bubbles: true }));
  await el.updateComplete;
  await el.settled();
}

const until = (check: () => boolean, what: string) => pollUntil(check, what, 15_000);

describe('<scp-audit-log>', () => {
  it('lists runs and audit saves newest first with time, actor, action, target, reason/summary and status text', async () => {
    const c = client();
    await seed(c);
    const el = await log(c);
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'run_b1', 'k8s_1', 'run_p1']);
    const d1 = cells(el, 'run_d1');
    const time = root(el).querySelector<HTMLTimeElement>('tr[data-id="run_d1"] time')!;
    expect(d1[0]).to.equal(
      new Intl.DateTimeFormat(navigator.language, { dateStyle: 'medium', timeStyle: 'short' }).format(
        Date.parse(time.dateTime),
      ),
    );
    // The action cell starts with its kind in words (create / change / destroy / read), coloured by kind too.
    expect(d1.slice(1)).to.deep.equal([
      'ana',
      'change deploy:k8s',
      'prod-cluster',
      'rolled out apiReason: hotfix 1.2.1',
      'ok',
    ]);
    expect(cells(el, 'security_1').slice(1)).to.deep.equal([
      'bo',
      'create Audit saved',
      'Security Posture',
      '3 issues · Score: 78',
      'ok',
    ]);
    expect(cells(el, 'run_p1')[2]).to.equal('read plan:terraform');
    expect(cells(el, 'run_b1')[2]).to.equal('create build:docker');
    const kind = (id: string) => root(el).querySelector<HTMLElement>(`tr[data-id="${id}"] [part="action-kind"]`)!;
    expect(getComputedStyle(kind('security_1')).color).to.not.equal(getComputedStyle(kind('run_d1')).color);
    expect(cells(el, 'run_b1')[5]).to.equal('failed');
    expect(root(el).querySelector('tr[data-id="run_b1"] .status')!.getAttribute('data-status')).to.equal('failed');
    expect(root(el).querySelector('.count')!.textContent).to.equal('5 entries shown');
    await expect(el).to.be.accessible();
  });

  it('shows an empty state that passes axe', async () => {
    const el = await log(client());
    expect(root(el).querySelector('[part="empty"]')!.textContent).to.equal('No activity recorded yet.');
    await expect(el).to.be.accessible();
  });

  it('filters by action, status, card, actor, free text and time range through its controls', async () => {
    const c = client();
    await seed(c);
    const el = await log(c);
    await choose(el, 'action', 'audit:saved');
    expect(ids(el)).to.deep.equal(['security_1', 'k8s_1']);
    await choose(el, 'action', 'deploy:k8s');
    expect(ids(el)).to.deep.equal(['run_d1']);
    await choose(el, 'action', 'run');
    expect(ids(el)).to.deep.equal(['run_d1', 'run_b1', 'run_p1']);
    await choose(el, 'status', 'failed');
    expect(ids(el)).to.deep.equal(['run_b1']);
    await choose(el, 'action', '');
    await choose(el, 'status', '');
    await choose(el, 'card', 'k8s');
    expect(ids(el)).to.deep.equal(['k8s_1']);
    await choose(el, 'card', '');

    // Typing is debounced into one query.
    control<HTMLInputElement>(el, 'actor').focus();
    await sendKeys({ type: 'cy' });
    await until(() => el.actor === 'cy', 'the actor filter');
    await el.settled();
    expect(ids(el)).to.deep.equal(['run_b1']);
    await choose(el, 'actor', '');
    el.actor = '';
    await el.settled();
    control<HTMLInputElement>(el, 'text').focus();
    await sendKeys({ type: 'SCORE' });
    await until(() => el.text === 'SCORE', 'the text filter');
    await el.settled();
    expect(ids(el)).to.deep.equal(['security_1']);
    el.text = '';
    control<HTMLInputElement>(el, 'text').value = '';
    await el.settled();

    await choose(el, 'range', '1h');
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1']);
    await choose(el, 'range', '24h');
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'run_b1']);
    await choose(el, 'range', '7d');
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'run_b1', 'k8s_1']);
    await choose(el, 'range', 'custom');
    const local = (iso: string) => {
      const d = new Date(iso);
      d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
      return d.toISOString().slice(0, 16);
    };
    await choose(el, 'from', local(ago(4 * 24 * 60)));
    await choose(el, 'to', local(ago(60)));
    expect(ids(el)).to.deep.equal(['run_b1', 'k8s_1']);
    expect(root(el).querySelector('[part="empty"]')).to.equal(null);
    await expect(el).to.be.accessible();

    await choose(el, 'status', 'cancelled');
    expect(root(el).querySelector('[part="empty"]')!.textContent).to.equal('No activity matches these filters.');
    root(el).querySelector<HTMLButtonElement>('button.reset')!.click();
    await el.settled();
    expect(ids(el)).to.have.length(5);
  });

  it('takes its filters from attributes', async () => {
    const c = client();
    await seed(c);
    const el = await log(c, 'action="run" status="ok"');
    expect(ids(el)).to.deep.equal(['run_d1']);
    expect(control<HTMLSelectElement>(el, 'action').value).to.equal('run');
  });

  it('pages with "Load more" (keyboard too) until the ledger has no more', async () => {
    const c = client();
    await seed(c);
    const el = await log(c, 'page-size="2"');
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1']);
    expect(root(el).querySelector('.count')!.textContent).to.equal('2 entries shown, more available');
    root(el).querySelector<HTMLButtonElement>('[part="load-more"]')!.focus();
    await sendKeys({ press: 'Enter' });
    await el.settled();
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'run_b1', 'k8s_1']);
    await el.loadMore();
    await el.updateComplete;
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'run_b1', 'k8s_1', 'run_p1']);
    expect(root(el).querySelector('[part="load-more"]')).to.equal(null);
  });

  it('adds new runs and saves as they happen when they match, keeping the pages already loaded', async () => {
    const c = client();
    await seed(c);
    const el = await log(c, 'page-size="2" status="ok"');
    await el.loadMore();
    expect(ids(el)).to.deep.equal(['run_d1', 'security_1', 'k8s_1']);

    await c.runs.track({ type: 'deploy', subtype: 'deploy:k8s', summary: 'canary' }, () => ({ ok: true }));
    await c.runs
      .track({ type: 'build', subtype: 'build:docker' }, () => {
        throw new Error('no daemon');
      })
      .catch(() => undefined);
    await until(() => ids(el).length === 4, 'the new run');
    const staged = await c.staging.stage('dns', { records: 4 }, { summary: '4 records' });
    if (!staged.staged) throw new Error('not staged');
    await c.staging.save([staged.snapshot.snapshot_id]);
    await until(() => ids(el).length === 5, 'the new save');
    await el.settled();
    const shown = ids(el);
    expect(shown.slice(2)).to.deep.equal(['run_d1', 'security_1', 'k8s_1']);
    expect(shown).to.include(staged.snapshot.snapshot_id);
    // The failed docker build does not match status=ok.
    expect(shown.filter((id) => id!.includes('build'))).to.deep.equal([]);
    expect(root(el).querySelector('.visually-hidden[role="status"]')!.textContent).to.match(/new entr/);
  });

  it('shows entries written in another tab', async () => {
    const channel = `scp-log-${crypto.randomUUID()}`;
    const ledger = createMemoryLedger();
    const here = client({ channel, ledger });
    const there = client({ channel, ledger });
    const el = await log(here);
    expect(ids(el)).to.deep.equal([]);
    await there.runs.track({ type: 'git', subtype: 'git:push', summary: 'pushed 2 commits' }, () => ({ ok: true }));
    await until(() => ids(el).length === 1, 'the remote run');
    expect(cells(el, ids(el)[0]!)[2]).to.equal('change git:push');
  });

  it('exports exactly the filtered view, all pages, as RFC 4180 CSV and JSONL', async () => {
    const c = client();
    await seed(c);
    await c.ledger.write({
      runs: [
        run('x1', 'deploy:k8s', 1, {
          summary: '=HYPERLINK("http://evil","click")',
          user: '@admin',
          target: 'a,b "c"\nd',
        }),
      ],
    });
    const el = await log(c, 'page-size="1" action="run"');
    expect(ids(el)).to.have.length(1);
    const csv = await el.exportText('csv');
    const lines = csv.split('\r\n');
    expect(lines[0]).to.equal('time,kind,id,actor,action,target,card,status,summary,reason,duration_ms');
    expect(csv.endsWith('\r\n')).to.equal(true);
    expect(lines.slice(1, -1).map((l) => l.split(',')[2])).to.deep.equal(['run_x1', 'run_d1', 'run_b1', 'run_p1']);
    expect(csv).to.contain(
      `,run,run_x1,"'@admin",deploy:k8s,"a,b ""c""\nd",,ok,"'=HYPERLINK(""http://evil"",""click"")",,1200\r\n`,
    );
    const jsonl = await el.exportText('jsonl');
    const rows = jsonl
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).to.deep.equal((await c.ledger.list({ kind: 'run', limit: 500 })).entries);
  });

  it('downloads the export as a file after a cancelable scp-log-export event', async () => {
    const c = client();
    await seed(c);
    const el = await log(c, 'status="failed"');
    const clicks: HTMLAnchorElement[] = [];
    root(el).addEventListener(
      'click',
      (e) => {
        const a = e.target as HTMLElement;
        if (a instanceof HTMLAnchorElement) {
          clicks.push(a);
          e.preventDefault();
        }
      },
      true,
    );
    const announced = oneEvent(el, ScpLogExportEvent.eventName);
    root(el).querySelector<HTMLButtonElement>('button.export-csv')!.click();
    const ev = (await announced) as ScpLogExportEvent;
    expect(ev.detail.format).to.equal('csv');
    expect(ev.detail.count).to.equal(1);
    expect(ev.detail.filename).to.match(/^scp-audit-log-\d{8}T\d{6}Z\.csv$/);
    await until(() => clicks.length === 1, 'the download link');
    expect(clicks[0]!.download).to.equal(ev.detail.filename);
    expect(await (await fetch(clicks[0]!.href)).text()).to.equal(ev.detail.text);
    await el.updateComplete;
    expect(root(el).querySelector('.export-note')!.textContent).to.equal('Exported 1 entry as CSV.');

    el.addEventListener(ScpLogExportEvent.eventName, (e) => e.preventDefault(), { once: true });
    expect(await el.download('jsonl')).to.equal(1);
    expect(clicks).to.have.length(1);
    await expect(el).to.be.accessible();
  });

  it('shows a load failure with Retry (role=alert, scp-error) and recovers', async () => {
    const inner = createMemoryLedger();
    let fail = true;
    const flaky: Ledger = {
      ...inner,
      list: async (q) => {
        if (fail) throw new Error('ledger offline');
        return inner.list(q);
      },
    };
    const c = client({ ledger: flaky });
    await inner.write({ runs: [run('r1', 'ci:lint', 2)] });
    const wrap = mount<HTMLDivElement>(html`<div></div>`);
    const el = document.createElement('scp-audit-log');
    const failed = oneEvent(el, ScpActionErrorEvent.eventName);
    el.client = c;
    wrap.append(el);
    const err = (await failed) as ScpActionErrorEvent;
    expect(err.detail.action).to.equal('load');
    await el.settled();
    const alert = root(el).querySelector('[part="error"]')!;
    expect(alert.getAttribute('role')).to.equal('alert');
    expect(alert.textContent).to.contain('The activity log could not be loaded: ledger offline');
    await expect(el).to.be.accessible();
    fail = false;
    alert.querySelector('button')!.click();
    await el.settled();
    expect(root(el).querySelector('[part="error"]')).to.equal(null);
    expect(ids(el)).to.deep.equal(['run_r1']);
  });

  it('renders hostile strings as text in every column, and ignores template-shaped objects', async () => {
    const inner = createMemoryLedger();
    const template = { _$litType$: { h: ['<img src=x onerror="window.pwned=2">'], parts: [] }, values: [] };
    // A host's ledger adapter handing back objects where strings belong.
    const odd: Ledger = {
      ...inner,
      list: async (q) => {
        const page = await inner.list(q);
        return {
          ...page,
          entries: page.entries.map((e) =>
            e.id === 'run_t2'
              ? { ...e, summary: template as unknown as string, actor: template as unknown as string }
              : e,
          ),
        };
      },
    };
    const c = client({ ledger: odd });
    (window as unknown as { pwned?: number }).pwned = 0;
    const xss = '<img src=x onerror="window.pwned=1"><script>window.pwned=1</script>';
    await inner.write({
      runs: [
        run('t1', 'deploy:k8s', 1, { summary: xss, user: xss, target: `\u202Egnp.exe${xss}`, reason: xss }),
        run('t2', 'deploy:k8s', 2),
      ],
      audits: [audit('evil_1', xss.replace(/[^a-z]/g, ''), 3, { summary: xss, saved_by: '\u2067rtl\u2069' })],
    });
    const el = await log(c);
    expect(root(el).querySelector('tbody img, tbody script')).to.equal(null);
    const t1 = cells(el, 'run_t1');
    expect(t1[1]).to.equal(xss);
    expect(t1[3]).to.equal(`⟪U+202E⟫gnp.exe${xss}`);
    expect(t1[4]).to.equal(`${xss}Reason: ${xss}`);
    expect(cells(el, 'evil_1')[1]).to.equal('⟪U+2067⟫rtl⟪U+2069⟫');
    expect(cells(el, 'run_t2')[4]).to.equal('');
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { pwned?: number }).pwned).to.equal(0);
  });

  it('uses the dark palette on a page that follows the system (color-scheme: light dark) under a dark system, and passes axe there', async () => {
    const c = client();
    await seed(c);
    const el = await log(c);
    await emulateMedia({ colorScheme: 'dark' });
    document.documentElement.style.colorScheme = 'light dark';
    try {
      const failed = root(el).querySelector<HTMLElement>('tr[data-id="run_b1"] .status')!;
      expect(getComputedStyle(failed).color).to.equal('rgb(248, 81, 73)');
      await expect(el).to.be.accessible();
    } finally {
      document.documentElement.style.colorScheme = '';
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('lays out right-to-left and takes replacement strings', async () => {
    const c = client();
    await seed(c);
    const wrap = mount<HTMLDivElement>(html`<div dir="rtl" lang="ar"></div>`);
    const el = document.createElement('scp-audit-log');
    el.strings = { logTitle: 'سجل النشاط' };
    el.client = c;
    wrap.append(el);
    await el.settled();
    expect(root(el).querySelector('caption')!.textContent).to.equal('سجل النشاط');
    const th = [...root(el).querySelectorAll('th')].map((x) => x.getBoundingClientRect());
    expect(th[0]!.left).to.be.greaterThan(th[th.length - 1]!.left);
    const time = root(el).querySelector<HTMLTimeElement>('tr[data-id="run_d1"] time')!;
    expect(time.textContent).to.equal(
      new Intl.DateTimeFormat('ar', { dateStyle: 'medium', timeStyle: 'short' }).format(Date.parse(time.dateTime)),
    );
    await expect(el).to.be.accessible();
  });
});
