import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../../src/elements/audit-badge/scp-audit-badge.js';
import type { ScpAuditBadge } from '../../../../src/elements/audit-badge/audit-badge.js';
import { ScpOpenManagerEvent } from '../../../../src/elements/events/open-manager-event.js';
import { provideScpClient } from '../../../../src/elements/internal/context.js';
import { resetScpMessages, setScpMessages } from '../../../../src/elements/internal/messages.js';
import { closeClients, mount, memoryClient, twoTabs, until } from '../internal/fixtures.js';

const button = (el: ScpAuditBadge) => el.shadowRoot!.querySelector<HTMLButtonElement>('button[part="base"]');

describe('<scp-audit-badge>', () => {
  afterEach(async () => {
    resetScpMessages();
    await closeClients();
  });

  it('is hidden (not rendered, display none) while its card has no pending audit', async () => {
    const client = memoryClient();
    await client.staging.stage('testing', { ok: true });
    const el = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await el.settled();
    expect(button(el)).to.equal(null);
    expect(el.hasAttribute('empty')).to.equal(true);
    expect(getComputedStyle(el).display).to.equal('none');
  });

  it('shows the count of its card with an accessible name naming the card label', async () => {
    const client = memoryClient();
    await client.staging.stage('security', { issues: 1 });
    await client.staging.stage('security', { issues: 2 });
    await client.staging.stage('testing', { passed: 10 });
    const el = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await el.settled();
    const b = button(el)!;
    expect(b.getAttribute('aria-label')).to.equal('2 pending audits for Security Posture');
    expect(b.querySelector('[part="count"]')!.textContent).to.equal('2');
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal(
      '2 pending audits for Security Posture',
    );
    await expect(el).to.be.accessible();
  });

  it('counts every card when no card is given, in the singular for one', async () => {
    const client = memoryClient();
    await client.staging.stage('audit:l2:risks', { risks: [] });
    const el = await fixture<ScpAuditBadge>(html`<scp-audit-badge .client=${client}></scp-audit-badge>`);
    await el.settled();
    expect(button(el)!.getAttribute('aria-label')).to.equal('1 pending audit');
  });

  it('follows stage, save and discard in the core live', async () => {
    const client = memoryClient();
    const el = await fixture<ScpAuditBadge>(html`<scp-audit-badge card="k8s" .client=${client}></scp-audit-badge>`);
    await el.settled();
    expect(button(el)).to.equal(null);
    const a = await client.staging.stage('k8s', { pods: 3 });
    const b = await client.staging.stage('k8s', { pods: 4 });
    await until(() => el.count === 2, 'count 2 after two stages');
    await el.updateComplete;
    expect(button(el)!.getAttribute('aria-label')).to.equal('2 pending audits for Kubernetes');
    if (!a.staged || !b.staged) throw new Error('stage failed');
    await client.staging.save([a.snapshot.snapshot_id]);
    await until(() => el.count === 1, 'count 1 after a save');
    await client.staging.discard([b.snapshot.snapshot_id]);
    await until(() => el.count === 0, 'count 0 after a discard');
    await el.updateComplete;
    expect(button(el)).to.equal(null);
  });

  it('updates when another tab stages or discards (shared IndexedDB + BroadcastChannel)', async () => {
    const [tabA, tabB] = twoTabs();
    const el = await fixture<ScpAuditBadge>(html`<scp-audit-badge card="docker" .client=${tabA}></scp-audit-badge>`);
    await el.settled();
    expect(el.count).to.equal(0);
    const staged = await tabB.staging.stage('docker', { images: 2 });
    await until(() => el.count === 1, 'count from the other tab');
    if (!staged.staged) throw new Error('stage failed');
    await tabB.staging.discard([staged.snapshot.snapshot_id]);
    await until(() => el.count === 0, 'count back to 0 after the other tab discarded');
  });

  it('re-counts when its card attribute changes', async () => {
    const client = memoryClient();
    await client.staging.stage('dns', { records: 1 });
    const el = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await el.settled();
    expect(el.count).to.equal(0);
    el.card = 'dns';
    await until(() => el.count === 1, 'count for dns');
  });

  it('on click dispatches a bubbling, composed, cancelable scp-open-manager with its card and opens nothing itself', async () => {
    const client = memoryClient();
    await client.staging.stage('security', {});
    const el = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await el.settled();
    const seen: ScpOpenManagerEvent[] = [];
    const onOpen = (e: ScpOpenManagerEvent) => seen.push(e);
    document.addEventListener('scp-open-manager', onOpen);
    try {
      button(el)!.click();
    } finally {
      document.removeEventListener('scp-open-manager', onOpen);
    }
    expect(seen).to.have.length(1);
    const ev = seen[0]!;
    expect(ev).to.be.instanceOf(ScpOpenManagerEvent);
    expect(ev.detail.card).to.equal('security');
    expect([ev.bubbles, ev.composed, ev.cancelable]).to.deep.equal([true, true, true]);
    expect(document.querySelector('dialog[open]')).to.equal(null);
  });

  it('is operable from the keyboard (Tab to focus, Enter and Space activate)', async () => {
    const client = memoryClient();
    await client.staging.stage('quality', {});
    const wrapper = await mount<HTMLDivElement>(
      html`<div><button id="before">before</button><scp-audit-badge card="quality" .client=${client}></scp-audit-badge></div>`,
    );
    const el = wrapper.querySelector<ScpAuditBadge>('scp-audit-badge')!;
    await el.settled();
    let opened = 0;
    const onOpen = () => {
      opened++;
    };
    document.addEventListener('scp-open-manager', onOpen);
    try {
      wrapper.querySelector<HTMLButtonElement>('#before')!.focus();
      await sendKeys({ press: 'Tab' });
      expect(el.shadowRoot!.activeElement).to.equal(button(el));
      await sendKeys({ press: 'Enter' });
      await sendKeys({ press: 'Space' });
    } finally {
      document.removeEventListener('scp-open-manager', onOpen);
    }
    expect(opened).to.equal(2);
  });

  it('takes its client from an ancestor that provides one, also when provided after it connected', async () => {
    const client = memoryClient();
    await client.staging.stage('env', {});
    const wrapper = await mount<HTMLDivElement>(html`<div><scp-audit-badge card="env"></scp-audit-badge></div>`);
    const el = wrapper.querySelector<ScpAuditBadge>('scp-audit-badge')!;
    await el.settled();
    expect(el.count).to.equal(0);
    const provision = provideScpClient(wrapper, client);
    await until(() => el.count === 1, 'count through the provided client');
    const other = memoryClient();
    provision.set(other);
    await until(() => el.count === 0, 'count of the replaced client');
    el.client = client; // the property wins over the context
    await until(() => el.count === 1, 'count through the property');
    provision.dispose();
  });

  it('formats the count in the page locale and takes replacement strings per language', async () => {
    const client = memoryClient();
    for (let i = 0; i < 3; i++) await client.staging.stage('terraform', { i });
    setScpMessages({ badgeLabel: '{count} ausstehende Prüfungen für {card}' }, 'de');
    const wrapper = await mount<HTMLDivElement>(html`<div>
      <div lang="ar-EG"><scp-audit-badge id="ar" card="terraform" .client=${client}></scp-audit-badge></div>
      <div lang="de-DE"><scp-audit-badge id="de" card="terraform" .client=${client}></scp-audit-badge></div>
    </div>`);
    const ar = wrapper.querySelector<ScpAuditBadge>('#ar')!;
    const de = wrapper.querySelector<ScpAuditBadge>('#de')!;
    await ar.settled();
    await de.settled();
    expect(button(ar)!.querySelector('[part="count"]')!.textContent).to.equal(new Intl.NumberFormat('ar-EG').format(3));
    expect(button(ar)!.querySelector('[part="count"]')!.textContent).to.not.equal('3');
    expect(button(de)!.getAttribute('aria-label')).to.equal('3 ausstehende Prüfungen für Terraform');
    de.strings = { badgeLabel: (p) => `custom ${p.count}` };
    await de.updateComplete;
    expect(button(de)!.getAttribute('aria-label')).to.equal('custom 3');
  });
});
