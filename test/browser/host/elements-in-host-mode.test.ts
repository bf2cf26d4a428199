// Elements need nothing but the client they are given: the same elements, handed a host client
// talking to the origin's API (msw service worker), show the host's data and follow its events.
import { expect, fixture, html } from '@open-wc/testing';
import { setupWorker } from 'msw/browser';
import '../../../src/elements/audit-badge/scp-audit-badge.js';
import '../../../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpAuditBadge } from '../../../src/elements/audit-badge/audit-badge.js';
import type { ScpRefPreview } from '../../../src/elements/ref-preview/ref-preview.js';
import { createHostClient, type HostClient } from '../../../src/core/host/host-client.js';
import { createOriginState, originHandlers, originSnapshot, type OriginState } from '../../../demo/origin-api/index.js';
import { until as pollUntil } from '../../helpers/until.js';

const BASE = `${location.origin}/origin-elements`;

const until = (check: () => boolean, what: string) => pollUntil(check, what, 5_000);

describe('elements in host-backend mode (origin API through msw)', () => {
  let state: OriginState;
  let client: HostClient | undefined;
  const worker = setupWorker();
  before(async () => {
    await worker.start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
  });
  after(() => worker.stop());
  beforeEach(() => {
    state = createOriginState();
    worker.resetHandlers(...originHandlers(state, BASE));
  });
  afterEach(async () => {
    await client?.close();
    client = undefined;
  });

  it('<scp-audit-badge> shows the host pending count and refetches on audit:pending', async () => {
    const a = originSnapshot('security', 1);
    state.pending.set(a.snapshot_id, a);
    const b = originSnapshot('security', 2);
    client = createHostClient({ baseUrl: BASE, events: false });
    const badge = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card="security" .client=${client}></scp-audit-badge>`,
    );
    await badge.settled();
    const count = () => badge.shadowRoot!.querySelector('[part="count"]')?.textContent;
    expect(count()).to.equal('1');
    // The host stages another scan and its event reaches the client's bus: the element refetches.
    state.pending.set(b.snapshot_id, b);
    client.bus.emit('audit:pending', {
      snapshot_id: b.snapshot_id,
      card_key: 'security',
      summary: b.summary,
      iso: b.iso,
      replaced: [],
    });
    await until(() => count() === '2', 'badge shows 2');
    expect(state.requests.filter((r) => r.path === '/origin-elements/api/audits/pending').length).to.equal(2);
  });

  it('a dozen badges refreshing on one event cost the host one pending-list request', async () => {
    client = createHostClient({ baseUrl: BASE, events: false });
    const cards = [
      'security',
      'testing',
      'quality',
      'packages',
      'env',
      'docs',
      'k8s',
      'terraform',
      'dns',
      'ci',
      'git',
      'docker',
    ];
    // Built by hand: open-wc's fixture waits a frame for a plain <div>, and a page the runner keeps
    // in the background never paints one.
    const badges = cards.map((c) =>
      Object.assign(document.createElement('scp-audit-badge') as ScpAuditBadge, { card: c, client }),
    );
    const wrap = document.createElement('div');
    wrap.append(...badges);
    document.body.append(wrap);
    try {
      await Promise.all(badges.map((b) => b.settled()));
      const listed = () => state.requests.filter((r) => r.path === '/origin-elements/api/audits/pending').length;
      const before = listed();
      const s = originSnapshot('docker', 1);
      state.pending.set(s.snapshot_id, s);
      client.bus.emit('audit:pending', {
        snapshot_id: s.snapshot_id,
        card_key: 'docker',
        summary: s.summary,
        iso: s.iso,
        replaced: [],
      });
      const docker = badges.at(-1)!;
      await until(
        () => docker.shadowRoot!.querySelector('[part="count"]')?.textContent === '1',
        'the docker badge shows 1',
      );
      await Promise.all(badges.map((b) => b.settled()));
      // One shared request; a second when a loaded machine spreads the refreshes past the window.
      expect(listed() - before, 'pending-list requests for 12 badges').to.be.within(1, 2);
    } finally {
      wrap.remove();
    }
  });

  it('<scp-audit-badge> refetches after the stream delivers an origin envelope', async () => {
    const a = originSnapshot('k8s', 1);
    const b = originSnapshot('k8s', 2);
    state.pending.set(a.snapshot_id, a);
    const env = {
      v: 1,
      ts: b.computed_at,
      seq: 5,
      type: 'audit:pending',
      key: 'k8s',
      snapshot_id: b.snapshot_id,
      data: {},
    };
    let served = false;
    state.streams.push(() => {
      served = true;
      state.pending.set(b.snapshot_id, b); // the host staged it, then announced it
      return [
        'event: sys:ready\ndata: {"instance_id":"i1","cache_keys":[]}\n\n',
        `event: audit:pending\nid: 5\ndata: ${JSON.stringify(env)}\n\n`,
      ];
    });
    client = createHostClient({ baseUrl: BASE, events: false });
    const badge = await fixture<ScpAuditBadge>(html`<scp-audit-badge card="k8s" .client=${client}></scp-audit-badge>`);
    await badge.settled();
    const count = () => badge.shadowRoot!.querySelector('[part="count"]')?.textContent;
    expect(count()).to.equal('1');
    await client.close();
    client = createHostClient({ baseUrl: BASE, events: { initialDelayMs: 5000 } });
    badge.client = client;
    await until(() => served && count() === '2', 'badge follows the stream');
  });

  it('<scp-ref-preview> resolves refs through the host, a missing one (exists:false) showing no ready card', async () => {
    const s = originSnapshot('security', 3, '3 issues · Score: 78 · (B)');
    state.saved.set(s.snapshot_id, s);
    client = createHostClient({ baseUrl: BASE, events: false });
    const el = await fixture<ScpRefPreview>(html`<scp-ref-preview debounce="0" .client=${client}></scp-ref-preview>`);
    el.text = `see @audit:${s.snapshot_id} and @audit:security_20990101_000000`;
    const cards = () => [...el.shadowRoot!.querySelectorAll<HTMLElement>('li[part~="card"]')];
    await until(
      () => cards().some((c) => c.dataset.state === 'ready') && !cards().some((c) => c.dataset.state === 'loading'),
      'resolved',
    );
    const ready = cards().filter((c) => c.dataset.state === 'ready');
    expect(ready).to.have.length(1);
    expect(ready[0]!.textContent).to.contain('3 issues · Score: 78 · (B)');
    expect(state.requests.filter((r) => r.path.includes('/api/chat/refs/resolve')).length).to.equal(2);
  });
});
