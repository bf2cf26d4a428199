import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { Preview } from '../../../../src/core/schemas/ref.js';
import type { ScpRefRemoveEvent } from '../../../../src/elements/events/ref-remove-event.js';
import type { ScpRefResolvedEvent } from '../../../../src/elements/events/ref-resolved-event.js';
import '../../../../src/elements/ref-preview/scp-ref-preview.js';
import { removeRefText, type ScpRefPreview } from '../../../../src/elements/ref-preview/ref-preview.js';
import { closeClients, memoryClient, mount, until } from '../internal/fixtures.js';
import { cards, cardText, compose, countResolves, savedAndPending, type } from './helpers.js';

describe('<scp-ref-preview>', () => {
  afterEach(closeClients);

  it('shows one card per ref typed in the textarea, with kind, id, label, summary and status, resolving each once', async () => {
    const client = memoryClient({ runs: { groupCommitMs: 0 } });
    const { saved, pending } = await savedAndPending(client);
    const run = await client.runs.start({ type: 'deploy', subtype: 'deploy:k8s', summary: 'rollout' });
    await run.finish({ status: 'failed', summary: 'rollout failed' });
    await client.runs.flush();
    const calls = countResolves(client);
    const { el, textarea } = await compose(client);
    const resolved: ScpRefResolvedEvent[] = [];
    el.addEventListener('scp-ref-resolved', (e) => resolved.push(e));
    type(textarea, `see @audit:${saved} and @audit:${pending}, then @run:${run.id} (again @audit:${saved})`);
    await until(
      () => cards(el).length === 3 && cards(el).every((c) => c.dataset.state === 'ready'),
      'three ready cards',
    );
    const [c1, c2, c3] = cards(el).map(cardText);
    expect(c1)
      .to.contain('Security Posture')
      .and.contain('3 issues · Score: 78 · (B)')
      .and.contain(`@audit:${saved}`)
      .and.contain('ok');
    expect(c2).to.contain('Kubernetes').and.contain('5 pods').and.contain(`@audit:${pending}`);
    expect(c3).to.contain('deploy:k8s').and.contain('rollout failed').and.contain(`@run:${run.id}`);
    expect(cards(el)[2]!.querySelector('[part="status"]')!.getAttribute('data-status')).to.equal('failed');
    expect(cards(el)[2]!.querySelector('[part="status"]')!.textContent).to.equal('failed');
    expect([...calls.values()]).to.deep.equal([1, 1, 1]);
    expect(resolved.map((e) => e.detail.ref)).to.have.members([
      `@audit:${saved}`,
      `@audit:${pending}`,
      `@run:${run.id}`,
    ]);
    expect(el.shadowRoot!.querySelector('[role="status"]')!.textContent).to.equal('3 references');
    await expect(el).to.be.accessible();
  });

  it('waits for 400 ms of quiet typing by default', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const wrapper = await mount<HTMLDivElement>(
      html`<div><input id="c" aria-label="Message"><scp-ref-preview for="c" .client=${client}></scp-ref-preview></div>`,
    );
    const el = wrapper.querySelector<ScpRefPreview>('scp-ref-preview')!;
    expect(el.debounce).to.equal(400);
    const input = wrapper.querySelector('input')!;
    const t0 = performance.now();
    input.value = `@audit:${saved}`;
    input.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 250));
    expect(cards(el)).to.have.length(0);
    await until(() => cards(el).length === 1, 'card after the debounce');
    expect(performance.now() - t0).to.be.at.least(400);
  });

  it('answers repeated refs from its cache, misses included', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const calls = countResolves(client);
    const { el, textarea } = await compose(client);
    const missing = 'security_20200101_000000_zzzz';
    type(textarea, `@audit:${saved} @audit:${missing}`);
    await el.settled();
    type(textarea, `x`);
    await el.settled();
    expect(cards(el)).to.have.length(0);
    type(textarea, `@audit:${missing} then @audit:${saved}`);
    await el.settled();
    expect(cards(el)).to.have.length(1);
    expect(calls.get(`audit:${saved}`)).to.equal(1);
    expect(calls.get(`audit:${missing}`)).to.equal(1);
    expect(el.isCached({ kind: 'audit', id: missing })).to.equal(true);
  });

  it('shows no card for a missing entity unless show-missing is set', async () => {
    const client = memoryClient();
    const missing = 'dns_20200101_000000_abcd';
    const quiet = await compose(client);
    type(quiet.textarea, `@audit:${missing}`);
    await quiet.el.settled();
    expect(cards(quiet.el)).to.have.length(0);
    await closeClients();
    const client2 = memoryClient();
    const loud = await compose(client2, { showMissing: true });
    type(loud.textarea, `@audit:${missing}`);
    await loud.el.settled();
    expect(cards(loud.el)).to.have.length(1);
    expect(cards(loud.el)[0]!.dataset.state).to.equal('missing');
    expect(cardText(cards(loud.el)[0]!)).to.contain('Not found');
    await expect(loud.el).to.be.accessible();
  });

  it('shows a loading skeleton while a ref resolves, then the card', async () => {
    const client = memoryClient();
    let finish!: (p: Preview) => void;
    client.refs.register({
      kind: 'ticket',
      icon: 'T',
      label: 'Ticket',
      resolve: () =>
        new Promise<Preview>((r) => {
          finish = r;
        }),
    });
    const { el, textarea } = await compose(client);
    type(textarea, '@ticket:T-42');
    await until(() => cards(el)[0]?.dataset.state === 'loading', 'loading card');
    const card = cards(el)[0]!;
    expect(card.getAttribute('aria-busy')).to.equal('true');
    expect(card.querySelector('.skeleton')).to.not.equal(null);
    expect(cardText(card)).to.contain('Loading @ticket:T-42');
    await expect(el).to.be.accessible();
    finish({
      type: 'ticket',
      id: 'T-42',
      exists: true,
      summary: 'Broken login',
      status: 'running',
      label: 'Ticket T-42',
    });
    await until(() => cards(el)[0]?.dataset.state === 'ready', 'ready card');
    expect(cardText(cards(el)[0]!))
      .to.contain('Broken login')
      .and.contain('running');
    expect(cards(el)[0]!.querySelector('[part~="icon"]')!.textContent!.trim()).to.equal('T');
  });

  it('shows an error card with a retry when resolving fails, and retries on request', async () => {
    const client = memoryClient();
    let fail = true;
    client.refs.register({
      kind: 'ticket',
      icon: 'T',
      label: 'Ticket',
      resolve: async (id) => {
        if (fail) throw new Error('tracker offline');
        return { type: 'ticket', id, exists: true, summary: 'back', status: 'ok' };
      },
    });
    const { el, textarea } = await compose(client);
    const errors: string[] = [];
    el.addEventListener('scp-error', (e) => errors.push(e.detail.message));
    type(textarea, '@ticket:T-1');
    await until(() => cards(el)[0]?.dataset.state === 'error', 'error card');
    expect(cardText(cards(el)[0]!)).to.contain('Could not load: tracker offline');
    expect(errors).to.deep.equal(['Could not load: tracker offline']);
    await expect(el).to.be.accessible();
    fail = false;
    cards(el)[0]!.querySelector<HTMLButtonElement>('.retry')!.click();
    await until(() => cards(el)[0]?.dataset.state === 'ready', 'ready after retry');
    expect(cardText(cards(el)[0]!)).to.contain('back');
  });

  it('removes every occurrence of a ref from the textarea with its remove button, dispatching input and keeping focus in the list', async () => {
    const client = memoryClient();
    const { saved, pending } = await savedAndPending(client);
    const { el, textarea } = await compose(client);
    let inputs = 0;
    textarea.addEventListener('input', () => inputs++);
    const removes: ScpRefRemoveEvent[] = [];
    el.addEventListener('scp-ref-remove', (e) => removes.push(e));
    type(textarea, `a @audit:${saved} b @audit:${pending} c @audit:${saved}{Security · ok}.`);
    await until(() => cards(el).length === 2, 'two cards');
    inputs = 0;
    const remove = cards(el)[0]!.querySelector<HTMLButtonElement>('[part~="remove"]')!;
    expect(remove.getAttribute('aria-label')).to.equal(`Remove @audit:${saved}`);
    remove.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => cards(el).length === 1, 'one card left');
    expect(textarea.value).to.equal(`a b @audit:${pending} c.`);
    expect(inputs).to.equal(1);
    expect(removes[0]!.detail.ref.id).to.equal(saved);
    expect(el.shadowRoot!.activeElement).to.equal(cards(el)[0]!.querySelector('[part~="remove"]'));
    // A host can veto the removal.
    el.addEventListener('scp-ref-remove', (e) => e.preventDefault());
    cards(el)[0]!.querySelector<HTMLButtonElement>('[part~="remove"]')!.click();
    await el.settled();
    expect(textarea.value).to.equal(`a b @audit:${pending} c.`);
  });

  it('gives focus back to the textarea when the last card is removed', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const { el, textarea } = await compose(client);
    type(textarea, `see @audit:${saved}`);
    await until(() => cards(el).length === 1, 'card');
    cards(el)[0]!.querySelector<HTMLButtonElement>('[part~="remove"]')!.focus();
    await sendKeys({ press: 'Enter' });
    await until(() => cards(el).length === 0, 'no card left');
    expect(textarea.value).to.equal('see');
    expect(document.activeElement?.id).to.equal('compose');
    expect([textarea.selectionStart, textarea.selectionEnd]).to.deep.equal([3, 3]);
  });

  it('clear() removes the cards after a send', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const { el, textarea } = await compose(client);
    type(textarea, `@audit:${saved}`);
    await until(() => cards(el).length === 1, 'card');
    el.clear();
    await el.updateComplete;
    expect(cards(el)).to.have.length(0);
    expect(el.refs).to.have.length(0);
  });

  it('never resolves an id that fails the id grammar', async () => {
    const client = memoryClient();
    const calls = countResolves(client);
    const { el, textarea } = await compose(client, { showMissing: true });
    type(textarea, '@audit:../../etc/passwd @run:a/b @audit:.hidden @audit:x.lock @audit:ok_id');
    await el.settled();
    expect([...calls.keys()]).to.deep.equal(['audit:ok_id']);
    expect(cards(el).map((c) => c.querySelector('[part="id"]')!.textContent)).to.deep.equal(['@audit:ok_id']);
  });

  it('previews the text property when no for is given', async () => {
    const client = memoryClient();
    const { pending } = await savedAndPending(client);
    const el = await fixture<ScpRefPreview>(html`<scp-ref-preview debounce="0" .client=${client}></scp-ref-preview>`);
    el.text = `look: @audit:${pending}`;
    await until(() => cards(el).length === 1, 'card from text');
    cards(el)[0]!.querySelector<HTMLButtonElement>('[part~="remove"]')!.click();
    await el.settled();
    expect(el.text).to.equal('look:');
    expect(cards(el)).to.have.length(0);
  });

  it('updates a card when its run finishes (running → ok)', async () => {
    const client = memoryClient({ runs: { groupCommitMs: 0 } });
    const run = await client.runs.start({ type: 'build', subtype: 'build:docker', summary: 'building' });
    const { el, textarea } = await compose(client);
    type(textarea, `@run:${run.id}`);
    await until(
      () => cards(el)[0]?.querySelector('[part="status"]')?.getAttribute('data-status') === 'running',
      'running pill',
    );
    await run.finish({ status: 'ok', summary: 'image pushed' });
    await until(() => cards(el)[0]?.querySelector('[part="status"]')?.getAttribute('data-status') === 'ok', 'ok pill');
    expect(cardText(cards(el)[0]!)).to.contain('image pushed');
  });

  it('links the id only to http(s) URLs a resolver gives', async () => {
    const client = memoryClient();
    client.refs.register({
      kind: 'ticket',
      icon: 'T',
      label: 'Ticket',
      resolve: async (id) => ({
        type: 'ticket',
        id,
        exists: true,
        summary: id,
        url: id === 'good' ? 'https://tracker.example/good' : 'javascript:alert(1)',
      }),
    });
    const { el, textarea } = await compose(client);
    type(textarea, '@ticket:good @ticket:bad');
    await until(() => cards(el).length === 2 && cards(el).every((c) => c.dataset.state === 'ready'), 'two cards');
    const links = [...el.shadowRoot!.querySelectorAll('a')].map((a) => a.getAttribute('href'));
    expect(links).to.deep.equal(['https://tracker.example/good']);
  });
});

describe('<scp-ref-preview> layout', () => {
  afterEach(closeClients);

  it('mirrors its cards on a right-to-left page while ids stay left-to-right', async () => {
    const client = memoryClient();
    const { saved } = await savedAndPending(client);
    const place = async (dir: 'ltr' | 'rtl') => {
      const wrapper =
        await mount<HTMLDivElement>(html`<div dir=${dir}><textarea id="c-${dir}" aria-label="m"></textarea>
        <scp-ref-preview for="c-${dir}" debounce="0" .client=${client}></scp-ref-preview></div>`);
      const el = wrapper.querySelector<ScpRefPreview>('scp-ref-preview')!;
      type(wrapper.querySelector('textarea')!, `@audit:${saved}`);
      await until(() => cards(el)[0]?.dataset.state === 'ready', 'card');
      const card = cards(el)[0]!;
      const icon = card.querySelector('[part~="icon"]')!.getBoundingClientRect();
      const remove = card.querySelector('[part~="remove"]')!.getBoundingClientRect();
      const id = card.querySelector<HTMLElement>('.id-line')!;
      return { iconFirst: icon.left < remove.left, idDirection: getComputedStyle(id).direction };
    };
    expect(await place('ltr')).to.deep.equal({ iconFirst: true, idDirection: 'ltr' });
    expect(await place('rtl')).to.deep.equal({ iconFirst: false, idDirection: 'ltr' });
  });
});

describe('removeRefText', () => {
  it('removes the ref with its label extension and one adjacent space, but not longer ids', () => {
    expect(removeRefText('x @run:r1 y', { kind: 'run', id: 'r1' }).text).to.equal('x y');
    expect(removeRefText('@run:r1 y', { kind: 'run', id: 'r1' }).text).to.equal('y');
    expect(removeRefText('x @run:r1{Deploy · k8s · ok} y', { kind: 'run', id: 'r1' }).text).to.equal('x y');
    expect(removeRefText('x @run:r10 @run:r1.', { kind: 'run', id: 'r1' }).text).to.equal('x @run:r10.');
  });
});
