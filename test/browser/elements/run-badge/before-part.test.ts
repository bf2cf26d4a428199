import { expect, html } from '@open-wc/testing';
import { createScp, type ScpClient } from '../../../../src/core/client.js';
import { createMemoryLedger } from '../../../../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../../../../src/core/storage/memory.js';
import type { ScpRunDetailsToggleEvent } from '../../../../src/elements/events/run-details-toggle-event.js';
import '../../../../src/elements/run-badge/scp-run-badge.js';
import { closeClients, mount, until } from '../internal/fixtures.js';

// The badge, its details popover and their styles are a part (<scp-run-badge-body>) loaded on the
// element's first connection; the element itself (properties, attributes, public methods, loading
// the runs) is defined from the start.
describe('<scp-run-badge> before its part has loaded', () => {
  const clients: ScpClient[] = [];
  afterEach(async () => {
    await closeClients();
    for (const c of clients.splice(0)) await c.close();
  });
  const client = () => {
    const c = createScp({
      channel: false,
      ledger: createMemoryLedger(),
      staging: createMemoryStagingStore(),
      runs: { heartbeatMs: 60_000, groupCommitMs: 10 },
    });
    clients.push(c);
    return c;
  };

  it('takes properties and attributes while detached, and renders them once attached', async () => {
    const c = client();
    await c.ledger.write({
      runs: [
        {
          events: [],
          run: {
            run_id: 'run_20261123T100000Z_deploy_ab01',
            type: 'deploy',
            subtype: 'deploy:helm',
            status: 'failed',
            user: 'ana',
            code_ref: 'abc123',
            started_at: '2026-11-23T10:00:00.000Z',
            duration_ms: 1500,
            summary: 'chart rejected',
          },
        },
      ],
    });
    const el = document.createElement('scp-run-badge');
    expect(el).to.be.instanceOf(customElements.get('scp-run-badge')!);
    el.setAttribute('card', 'platform');
    el.cardOf = (s) => (s.startsWith('deploy:') ? 'platform' : undefined);
    el.client = c;
    expect([el.card, el.subtype, el.live, el.last]).to.deep.equal(['platform', undefined, [], undefined]);
    expect(el.shadowRoot).to.equal(null);
    // Public methods are safe to call before anything has rendered.
    el.showDetails();
    el.hideDetails();

    const wrapper = await mount<HTMLDivElement>(html`<div></div>`);
    const toggles: boolean[] = [];
    el.addEventListener('scp-run-details-toggle', (e) => toggles.push((e as ScpRunDetailsToggleEvent).detail.open));
    wrapper.append(el);
    // The host holds its place (its own style) while the part is still loading.
    expect(customElements.get('scp-run-badge-body')).to.equal(undefined);
    expect(el.shadowRoot!.querySelector('[part="base"]')).to.equal(null);
    expect(getComputedStyle(el).display).to.equal('inline-block');
    // Asked for before the part's code has arrived, the details open once it has rendered.
    el.showDetails();
    await el.settled();
    const popover = el.shadowRoot!.querySelector<HTMLElement>('[part="popover"]')!;
    expect(popover.matches(':popover-open')).to.equal(true);
    await until(() => toggles.length === 1, 'the open toggle event');
    el.hideDetails();
    await until(() => toggles.length === 2, 'the close toggle event');
    expect(popover.matches(':popover-open')).to.equal(false);

    const base = el.shadowRoot!.querySelector<HTMLButtonElement>('[part="base"]')!;
    expect(base.dataset['state']).to.equal('failed');
    expect(base.getAttribute('aria-label')).to.equal('platform: failed — chart rejected');
    expect(el.last?.run_id).to.equal('run_20261123T100000Z_deploy_ab01');
    // The part's styles were adopted with it: the pill shape and the status dot's colour.
    expect(getComputedStyle(base).borderTopLeftRadius).to.equal('999px');
    const dot = el.shadowRoot!.querySelector<HTMLElement>('[part="indicator"]')!;
    expect(getComputedStyle(dot).inlineSize).to.equal('10px');

    // Once the part is there, the public method opens the details at once; they name the run.
    el.showDetails();
    expect(popover.matches(':popover-open')).to.equal(true);
    expect(el.shadowRoot!.querySelector('[part="ref"]')!.textContent).to.equal('@run:run_20261123T100000Z_deploy_ab01');
    await until(() => toggles.length === 3, 'the second open toggle event');
    el.hideDetails();
    await until(() => toggles.length === 4, 'the second close toggle event');
    expect(toggles).to.deep.equal([true, false, true, false]);
  });

  it('keeps the details closed when hideDetails() follows showDetails() before the part has rendered', async () => {
    const el = document.createElement('scp-run-badge');
    el.subtype = 'deploy:k8s';
    el.client = client();
    const toggles: boolean[] = [];
    el.addEventListener('scp-run-details-toggle', (e) => toggles.push((e as ScpRunDetailsToggleEvent).detail.open));
    const wrapper = await mount<HTMLDivElement>(html`<div></div>`);
    wrapper.append(el);
    expect(el.shadowRoot!.querySelector('[part="popover"]')).to.equal(null);
    el.showDetails();
    el.hideDetails();
    await el.settled();
    const popover = el.shadowRoot!.querySelector<HTMLElement>('[part="popover"]')!;
    expect(popover.matches(':popover-open')).to.equal(false);
    // A later request still opens them.
    el.showDetails();
    expect(popover.matches(':popover-open')).to.equal(true);
    await until(() => toggles.length === 1, 'the open toggle event');
    expect(toggles).to.deep.equal([true]);
  });

  it('shows a run started right after it is attached, then its finish (the shell follows the runs)', async () => {
    const c = client();
    const wrapper = await mount<HTMLDivElement>(html`<div></div>`);
    const el = document.createElement('scp-run-badge');
    el.subtype = 'deploy:k8s';
    el.client = c;
    wrapper.append(el);
    const handle = await c.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: 'rolling out api' });
    await el.settled();
    expect(el.shadowRoot!.querySelector<HTMLElement>('[part="base"]')!.dataset['state']).to.equal('running');
    expect(el.shadowRoot!.querySelector('[part="label"]')!.textContent!.trim()).to.equal('running — rolling out api');
    await handle.finish({ status: 'ok', summary: 'rolled out' });
    await el.settled();
    await until(
      () => el.shadowRoot!.querySelector('[part="label"]')!.textContent!.trim() === 'ok — rolled out',
      'the finished run',
    );
  });
});
