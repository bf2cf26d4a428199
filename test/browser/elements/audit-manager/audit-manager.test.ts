import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { LedgerWriteError } from '../../../../src/core/errors/index.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import '../../../../src/elements/audit-badge/scp-audit-badge.js';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpAuditBadge } from '../../../../src/elements/audit-badge/audit-badge.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';
import type { ScpActionErrorEvent } from '../../../../src/elements/events/action-error-event.js';
import type { ScpAuditsDiscardedEvent } from '../../../../src/elements/events/audits-discarded-event.js';
import type { ScpAuditsSavedEvent } from '../../../../src/elements/events/audits-saved-event.js';
import type { ScpManagerToggleEvent } from '../../../../src/elements/events/manager-toggle-event.js';
import type { ScpSaveRequestEvent } from '../../../../src/elements/events/save-request-event.js';
import type { ScpJsonTree } from '../../../../src/elements/json-tree/json-tree.js';
import { makeAudit } from '../../../contract/ledger.js';
import { closeClients, mount, memoryClient, until } from '../internal/fixtures.js';
import { buttonByText, q, qa, rows, stageAll, tab } from './helpers.js';

async function openManager(client = memoryClient()) {
  const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
  el.show();
  await el.settled();
  return { el, client };
}

describe('<scp-audit-manager>', () => {
  afterEach(closeClients);

  it('stays closed until asked, then opens a modal native dialog with the pending rows', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', '3 issues · Score: 78 · (B)'],
      ['audit:l2:risks', '2 risks'],
    ]);
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    await el.settled();
    // Closed: no dialog is shown (its code loads on the first open).
    expect(q<HTMLDialogElement>(el, 'dialog')?.open ?? false).to.equal(false);
    expect(rows(el)).to.have.length(0);
    el.show();
    await el.settled();
    const dialog = q<HTMLDialogElement>(el, 'dialog')!;
    expect(dialog.open).to.equal(true);
    expect(dialog.matches(':modal')).to.equal(true);
    const texts = rows(el).map(
      (r) => r.querySelector('.card')!.textContent + ' | ' + r.querySelector('.summary')!.textContent,
    );
    expect(texts).to.deep.equal(['L2 Risks | 2 risks', 'Security Posture | 3 issues · Score: 78 · (B)']);
    await expect(el).to.be.accessible();
  });

  it('shows one tab per category the host declared, with counts, and filters rows by tab, with arrow keys between tabs', async () => {
    const { el, client } = await openManager();
    await stageAll(client, [
      ['security', 'a'],
      ['k8s', 'b'],
      ['audit:scores', 'c'],
    ]);
    await until(() => rows(el).length === 3, 'three rows');
    expect(qa(el, '[role="tab"] .tab-name').map((t) => t.textContent)).to.deep.equal([
      'All',
      'DevOps',
      'Integrations',
      'Project',
      'Saved',
    ]);
    expect(
      ['all', 'category:DevOps', 'category:Integrations', 'category:Project'].map(
        (t) => tab(el, t).querySelector('.count')!.textContent,
      ),
    ).to.deep.equal(['3', '2', '0', '1']);
    tab(el, 'category:Project').click();
    await el.updateComplete;
    expect(rows(el).map((r) => r.querySelector('.card')!.textContent)).to.deep.equal(['Audit Scores']);
    expect(tab(el, 'category:Project').getAttribute('aria-selected')).to.equal('true');
    tab(el, 'category:Project').focus();
    await sendKeys({ press: 'ArrowLeft' });
    await sendKeys({ press: 'ArrowLeft' });
    await el.updateComplete;
    expect(el.tab).to.equal('category:DevOps');
    expect(el.shadowRoot!.activeElement).to.equal(tab(el, 'category:DevOps'));
    expect(
      rows(el)
        .map((r) => r.querySelector('.card')!.textContent)
        .sort(),
    ).to.deep.equal(['Kubernetes', 'Security Posture']);
    await sendKeys({ press: 'End' });
    await el.updateComplete;
    expect(el.tab).to.equal('saved');
  });

  it('pre-checks every row, and select all unchecks and re-checks the whole view', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
      ['docs', 'c'],
    ]);
    const { el } = await openManager(client);
    const boxes = () => rows(el).map((r) => r.querySelector<HTMLInputElement>('input[type="checkbox"]')!.checked);
    expect(boxes()).to.deep.equal([true, true, true]);
    const all = q<HTMLInputElement>(el, '.toolbar input[type="checkbox"]')!;
    expect(all.checked).to.equal(true);
    all.click();
    await el.updateComplete;
    expect(boxes()).to.deep.equal([false, false, false]);
    expect(q(el, '.toolbar span')!.textContent).to.equal('0 of 3 selected');
    expect(buttonByText(el, 'Save selected')!.disabled).to.equal(true);
    rows(el)[1]!.querySelector<HTMLInputElement>('input')!.click();
    await el.updateComplete;
    expect(all.indeterminate).to.equal(true);
    expect(el.selectedIds).to.have.length(1);
    all.click();
    await el.updateComplete;
    expect(boxes()).to.deep.equal([true, true, true]);
  });

  it('shows a relative time in the page locale with the full date as title', async () => {
    const client = memoryClient();
    await client.staging.stage('dns', {}, { summary: 'x', computed_at: new Date(Date.now() - 5 * 60_000) });
    const { el } = await openManager(client);
    const time = rows(el)[0]!.querySelector('time')!;
    expect(time.textContent).to.equal('5 minutes ago');
    expect(time.getAttribute('title')).to.match(/\d/);
    document.documentElement.lang = 'fr';
    try {
      await until(() => rows(el)[0]!.querySelector('time')!.textContent === 'il y a 5 minutes', 'French relative time');
    } finally {
      document.documentElement.lang = '';
    }
  });

  it('saves the selected rows in one write, announces it, fires request and saved events, and the rows leave', async () => {
    const client = memoryClient();
    const ids = await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
      ['docs', 'c'],
    ]);
    const { el } = await openManager(client);
    rows(el)
      .find((r) => r.querySelector('.card')!.textContent === 'Testing')!
      .querySelector<HTMLInputElement>('input')!
      .click();
    await el.updateComplete;
    const requests: ScpSaveRequestEvent[] = [];
    const saved: ScpAuditsSavedEvent[] = [];
    el.addEventListener('scp-save-request', (e) => requests.push(e));
    el.addEventListener('scp-audits-saved', (e) => saved.push(e));
    buttonByText(el, 'Save selected')!.click();
    await until(() => saved.length === 1, 'saved event');
    await el.settled();
    expect([...requests[0]!.detail.ids].sort()).to.deep.equal([ids[0], ids[2]].sort());
    expect([...saved[0]!.detail.ids].sort()).to.deep.equal([ids[0], ids[2]].sort());
    expect(saved[0]!.detail.commit).to.be.a('string').and.not.empty;
    expect((await client.ledger.list({ kind: 'audit' })).entries.map((e) => e.id).sort()).to.deep.equal(
      [ids[0], ids[2]].sort(),
    );
    expect(rows(el).map((r) => r.querySelector('.card')!.textContent)).to.deep.equal(['Testing']);
    expect(q(el, '[role="status"][aria-live]')!.textContent).to.equal('Saved 2 audits to the ledger.');
  });

  it('saves nothing when the host cancels scp-save-request', async () => {
    const client = memoryClient();
    await stageAll(client, [['security', 'a']]);
    const { el } = await openManager(client);
    el.addEventListener('scp-save-request', (e) => e.preventDefault());
    buttonByText(el, 'Save selected')!.click();
    await el.settled();
    expect((await client.ledger.list()).entries).to.have.length(0);
    expect(rows(el)).to.have.length(1);
    expect(q(el, '[role="status"][aria-live]')!.textContent).to.equal('The page cancelled this action.');
  });

  it('shows an error banner naming what failed and keeps every row when the ledger write fails', async () => {
    const ledger = createMemoryLedger();
    const client = memoryClient({
      ledger: {
        ...ledger,
        write: async () => {
          throw new LedgerWriteError('remote rejected the push', { data: { ids: [] } });
        },
      },
    });
    await stageAll(client, [
      ['security', 'a'],
      ['k8s', 'b'],
    ]);
    const { el } = await openManager(client);
    const errors: ScpActionErrorEvent[] = [];
    el.addEventListener('scp-error', (e) => errors.push(e));
    buttonByText(el, 'Save selected')!.click();
    await until(() => q(el, '.banner[role="alert"]'), 'error banner');
    await el.settled();
    const banner = q(el, '.banner[role="alert"] p')!.textContent!;
    expect(banner).to.match(/^Saving failed for (Kubernetes and Security Posture|Security Posture and Kubernetes): /);
    // The user reads what happened; the error's own (developer) message is in the event and the console.
    expect(banner).to.contain('the audit ledger did not accept the change');
    expect(banner).not.to.contain('remote rejected the push');
    expect(banner).to.contain('Nothing was removed');
    expect(rows(el)).to.have.length(2);
    expect((await client.staging.list()).length).to.equal(2);
    expect(errors).to.have.length(1);
    expect(errors[0]!.detail.action).to.equal('save');
    expect((errors[0]!.detail.error as Error).message).to.contain('remote rejected the push');
    await expect(el).to.be.accessible();
    buttonByText(el, 'Dismiss')!.click();
    await el.updateComplete;
    expect(q(el, '.banner')).to.equal(null);
  });

  it('saves and discards single rows from their own buttons', async () => {
    const client = memoryClient();
    const [sec, tst] = await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const { el } = await openManager(client);
    const discarded: ScpAuditsDiscardedEvent[] = [];
    el.addEventListener('scp-audits-discarded', (e) => discarded.push(e));
    const rowOf = (label: string) => rows(el).find((r) => r.querySelector('.card')!.textContent === label)!;
    rowOf('Testing').querySelector<HTMLButtonElement>('[data-control="discard"]')!.click();
    await until(() => discarded.length === 1, 'discarded event');
    expect(discarded[0]!.detail.ids).to.deep.equal([tst]);
    rowOf('Security Posture').querySelector<HTMLButtonElement>('[data-control="save"]')!.click();
    await until(async () => (await client.ledger.getAudit(sec!)) !== undefined, 'saved to the ledger');
    await until(() => rows(el).length === 0, 'empty list');
    expect(q(el, '.empty')!.textContent).to.equal('No pending audits.');
    await expect(el).to.be.accessible();
  });

  it('discards the selection only after the host lets scp-discard-request through', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const { el } = await openManager(client);
    let veto = true;
    el.addEventListener('scp-discard-request', (e) => {
      if (veto) e.preventDefault();
    });
    buttonByText(el, 'Discard selected')!.click();
    await el.settled();
    expect(rows(el)).to.have.length(2);
    veto = false;
    buttonByText(el, 'Discard selected')!.click();
    await until(() => rows(el).length === 0, 'all discarded');
    expect(await client.staging.list()).to.have.length(0);
  });

  it("loads a row's data only when its preview opens and shows it as a collapsible, paged JSON tree", async () => {
    const client = memoryClient();
    const big = { findings: Array.from({ length: 250 }, (_, i) => ({ n: i })), score: 78, name: 'repo' };
    await stageAll(client, [['security', 'a', big]]);
    const { el } = await openManager(client);
    const gets: string[] = [];
    const get = client.staging.get.bind(client.staging);
    client.staging.get = (id) => {
      gets.push(id);
      return get(id);
    };
    expect(gets).to.have.length(0);
    const toggle = rows(el)[0]!.querySelector<HTMLButtonElement>('[data-control="preview"]')!;
    toggle.click();
    await until(() => q(el, 'scp-json-tree'), 'json tree');
    expect(gets).to.have.length(1);
    expect(toggle.getAttribute('aria-expanded')).to.equal('true');
    const tree = q<ScpJsonTree>(el, 'scp-json-tree')!;
    await tree.updateComplete;
    const rootItems = [...tree.shadowRoot!.querySelectorAll('[part="base"] > details > ul > li')];
    expect(rootItems.map((li) => li.querySelector('[part="key"]')!.textContent)).to.deep.equal([
      'findings',
      'score',
      'name',
    ]);
    const findings = rootItems[0]!.querySelector('details')!;
    expect(findings.open).to.equal(false);
    expect(findings.querySelector('summary')!.textContent).to.contain('250 items');
    findings.querySelector('summary')!.click();
    await until(() => findings.querySelectorAll(':scope > ul > li').length === 100, 'first page of 100');
    findings.querySelector<HTMLButtonElement>(':scope > button[part="more"]')!.click();
    await tree.updateComplete;
    expect(findings.querySelectorAll(':scope > ul > li').length).to.equal(200);
    await expect(el).to.be.accessible();
    toggle.click();
    await el.updateComplete;
    expect(q(el, '.preview')).to.equal(null);
  });

  it('says so in the preview when the data cannot be loaded', async () => {
    const client = memoryClient();
    await stageAll(client, [['security', 'a']]);
    const { el } = await openManager(client);
    client.staging.get = async () => {
      throw new Error('store unavailable');
    };
    rows(el)[0]!.querySelector<HTMLButtonElement>('[data-control="preview"]')!.click();
    await until(() => q(el, '.preview [role="alert"]'), 'preview error');
    expect(q(el, '.preview [role="alert"]')!.textContent).to.equal('The data could not be loaded: store unavailable');
  });

  it('adds rows staged while open, pre-checked', async () => {
    const { el, client } = await openManager();
    expect(rows(el)).to.have.length(0);
    await stageAll(client, [['ci', 'green']]);
    await until(() => rows(el).length === 1, 'live row');
    expect(rows(el)[0]!.querySelector<HTMLInputElement>('input')!.checked).to.equal(true);
    expect(q(el, '[role="status"][aria-live]')!.textContent).to.equal('1 pending audit');
  });

  it('says on the Saved tab while the ledger index catches up, and searches again as it grows', async () => {
    const client = memoryClient();
    const [first] = await stageAll(client, [['security', 'Score 78']]);
    await client.staging.save([first!]);
    const { el } = await openManager(client);
    tab(el, 'saved').click();
    await until(() => qa(el, '.saved li').length === 1, 'one saved');
    const note = () => q(el, '[part="progress"]')!;
    expect(note().hidden).to.equal(true);
    // An entry arrives the way a sync brings one (no audit:saved event), while the index catches up.
    await client.ledger.write({ audits: [makeAudit({ card_key: 'k8s', summary: '3 pods' })] });
    client.bus.emit('ledger:progress', { op: 'index', phase: 'indexing', loaded: 250, total: 20_000 });
    await until(() => !note().hidden, 'indexing note shown');
    expect(note().getAttribute('role')).to.equal('status');
    expect(note().textContent).to.equal('Indexing 250 of 20,000 entries…');
    await until(() => qa(el, '.saved li').length === 2, 'the Saved list searched again');
    client.bus.emit('ledger:progress', { op: 'index', phase: 'done', loaded: 20_000, total: 20_000 });
    await until(() => note().hidden, 'indexing note gone');
  });

  it('searches saved audits in the Saved tab and copies @audit:<id>', async () => {
    const client = memoryClient();
    const [sec, k8s] = await stageAll(client, [
      ['security', 'Score 78'],
      ['k8s', '3 pods'],
    ]);
    await client.staging.save([sec!, k8s!]);
    const { el } = await openManager(client);
    tab(el, 'saved').click();
    await until(() => qa(el, '.saved li').length === 2, 'two saved');
    const input = q<HTMLInputElement>(el, 'input[type="search"]')!;
    input.focus();
    await sendKeys({ type: 'pods' });
    await until(() => qa(el, '.saved li').length === 1, 'one match');
    expect(q(el, '.saved li code')!.textContent).to.equal(`@audit:${k8s}`);
    const written: string[] = [];
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async (t: string) => {
          written.push(t);
        },
      },
    });
    const copied: string[] = [];
    el.addEventListener('scp-ref-copied', (e) => copied.push(e.detail.ref));
    try {
      q<HTMLButtonElement>(el, '.saved li button')!.click();
      await until(() => copied.length === 1, 'copied event');
    } finally {
      delete (navigator as unknown as Record<string, unknown>).clipboard;
    }
    expect(written).to.deep.equal([`@audit:${k8s}`]);
    expect(copied).to.deep.equal([`@audit:${k8s}`]);
    expect(q(el, '[role="status"][aria-live]')!.textContent).to.equal(`Copied @audit:${k8s}`);
    await expect(el).to.be.accessible();
    input.value = '';
    await sendKeys({ type: 'zzz' });
    await until(() => q(el, '.empty')?.textContent === 'No saved audit matches “zzz”.', 'no match text');
  });

  it('falls back to a selected text field when the clipboard is refused', async () => {
    const client = memoryClient();
    const [id] = await stageAll(client, [['security', 'a']]);
    await client.staging.save([id!]);
    const { el } = await openManager(client);
    tab(el, 'saved').click();
    await until(() => qa(el, '.saved li').length === 1, 'saved row');
    Object.defineProperty(navigator, 'clipboard', {
      configurable: true,
      value: {
        writeText: async () => {
          throw new DOMException('denied', 'NotAllowedError');
        },
      },
    });
    const execCommand = document.execCommand;
    document.execCommand = () => false;
    try {
      q<HTMLButtonElement>(el, '.saved li button')!.click();
      await until(() => q(el, '.copy-fallback'), 'fallback field');
    } finally {
      delete (navigator as unknown as Record<string, unknown>).clipboard;
      document.execCommand = execCommand;
    }
    const field = q<HTMLInputElement>(el, '.copy-fallback')!;
    expect(field.value).to.equal(`@audit:${id}`);
    expect(el.shadowRoot!.activeElement).to.equal(field);
    expect([field.selectionStart, field.selectionEnd]).to.deep.equal([0, field.value.length]);
  });

  it('closes with Escape and with the close button, gives focus back to the opener and fires toggle events', async () => {
    const client = memoryClient();
    await stageAll(client, [['security', 'a']]);
    const wrapper = await mount<HTMLDivElement>(
      html`<div><button id="opener">open</button><scp-audit-manager .client=${client}></scp-audit-manager></div>`,
    );
    const el = wrapper.querySelector<ScpAuditManager>('scp-audit-manager')!;
    const opener = wrapper.querySelector<HTMLButtonElement>('#opener')!;
    const toggles: boolean[] = [];
    el.addEventListener('scp-manager-toggle', (e: ScpManagerToggleEvent) => toggles.push(e.detail.open));
    opener.focus();
    el.show();
    await el.settled();
    expect(document.activeElement).to.not.equal(opener);
    await sendKeys({ press: 'Escape' });
    await until(() => !el.open, 'closed by Escape');
    await el.updateComplete;
    expect(q<HTMLDialogElement>(el, 'dialog')!.open).to.equal(false);
    expect(document.activeElement).to.equal(opener);
    opener.focus();
    el.show();
    await el.settled();
    q<HTMLButtonElement>(el, 'header button')!.click();
    await el.updateComplete;
    expect(el.open).to.equal(false);
    expect(document.activeElement).to.equal(opener);
    expect(toggles).to.deep.equal([true, false, true, false]);
  });

  it('shows no stale rows or selection after closing and reopening', async () => {
    const client = memoryClient();
    const [a, b] = await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const { el } = await openManager(client);
    rows(el)[0]!.querySelector<HTMLInputElement>('input')!.click();
    rows(el)[1]!.querySelector<HTMLButtonElement>('[data-control="preview"]')!.click();
    await until(() => q(el, 'scp-json-tree'), 'preview');
    el.close();
    await el.updateComplete;
    expect(el.rows).to.have.length(0);
    await client.staging.discard([a!]);
    await el.settled();
    // Hold the lists back so the reopened dialog can be looked at before fresh rows arrive.
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const list = client.staging.list.bind(client.staging);
    client.staging.list = async (f) => {
      await gate;
      return list(f);
    };
    el.show();
    await el.updateComplete;
    expect(rows(el)).to.have.length(0);
    expect(q(el, '.empty')!.textContent).to.equal('Loading…');
    expect(q(el, '.preview')).to.equal(null);
    release();
    await el.settled();
    expect(rows(el).map((r) => r.querySelector('.summary')!.textContent)).to.deep.equal(['b']);
    expect(rows(el)[0]!.querySelector<HTMLInputElement>('input')!.checked).to.equal(true);
    expect(el.selectedIds).to.deep.equal([b]);
  });

  it('opens filtered to the card of a badge that was activated, returns focus to the badge on Escape', async () => {
    const client = memoryClient();
    await stageAll(client, [
      ['security', 'a'],
      ['testing', 'b'],
    ]);
    const wrapper = await mount<HTMLDivElement>(html`<div>
      <scp-audit-badge card="security" .client=${client}></scp-audit-badge>
      <scp-audit-manager .client=${client}></scp-audit-manager></div>`);
    const badge = wrapper.querySelector<ScpAuditBadge>('scp-audit-badge')!;
    const el = wrapper.querySelector<ScpAuditManager>('scp-audit-manager')!;
    await badge.settled();
    const button = badge.shadowRoot!.querySelector<HTMLButtonElement>('button')!;
    button.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => el.open, 'opened by the badge');
    await el.settled();
    expect(el.card).to.equal('security');
    expect(rows(el).map((r) => r.querySelector('.card')!.textContent)).to.deep.equal(['Security Posture']);
    expect(q(el, 'h2')!.textContent).to.equal('Pending audits · Security Posture');
    await sendKeys({ press: 'Escape' });
    await until(() => !el.open, 'closed');
    expect(badge.shadowRoot!.activeElement).to.equal(button);
    // The chip clears the card filter.
    el.show('security');
    await el.settled();
    q<HTMLButtonElement>(el, '.chip')!.click();
    await el.settled();
    expect(rows(el)).to.have.length(2);
  });

  it("does not open when the host cancels the badge's scp-open-manager", async () => {
    const client = memoryClient();
    await stageAll(client, [['security', 'a']]);
    const wrapper = await mount<HTMLDivElement>(html`<div>
      <scp-audit-badge card="security" .client=${client}></scp-audit-badge>
      <scp-audit-manager .client=${client}></scp-audit-manager></div>`);
    const badge = wrapper.querySelector<ScpAuditBadge>('scp-audit-badge')!;
    const el = wrapper.querySelector<ScpAuditManager>('scp-audit-manager')!;
    await badge.settled();
    const veto = (e: Event) => e.preventDefault();
    window.addEventListener('scp-open-manager', veto);
    try {
      badge.shadowRoot!.querySelector<HTMLButtonElement>('button')!.click();
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      window.removeEventListener('scp-open-manager', veto);
    }
    expect(el.open).to.equal(false);
  });
});
