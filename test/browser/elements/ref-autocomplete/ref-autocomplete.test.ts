import { expect, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { ScpClient } from '../../../../src/core/client.js';
import type { Suggestion } from '../../../../src/core/schemas/ref.js';
import { attach, closeClients, runsClient } from '../internal/fixtures.js';
import { ScpActionErrorEvent } from '../../../../src/elements/events/action-error-event.js';
import { ScpRefPickedEvent } from '../../../../src/elements/events/ref-picked-event.js';
import type { ScpRefAutocomplete } from '../../../../src/elements/ref-autocomplete/ref-autocomplete.js';
import '../../../../src/elements/ref-autocomplete/scp-ref-autocomplete.js';

// Sets up containers (attach) and clients (client) that closeClients removes after each test.
const client = runsClient;
const mount = attach;
afterEach(closeClients);

interface Setup {
  wrap: HTMLElement;
  field: HTMLTextAreaElement | HTMLInputElement;
  el: ScpRefAutocomplete;
  c: ScpClient;
}

async function setup(c: ScpClient, kind: 'textarea' | 'input' = 'textarea', dir = 'ltr'): Promise<Setup> {
  const wrap = mount<HTMLElement>(
    kind === 'textarea'
      ? html`<div dir=${dir}><label for="compose">Message</label><textarea id="compose"></textarea>
        <scp-ref-autocomplete for="compose" .client=${c}></scp-ref-autocomplete></div>`
      : html`<div dir=${dir}><label for="compose">Message</label><input id="compose" type="text">
        <scp-ref-autocomplete for="compose" .client=${c}></scp-ref-autocomplete></div>`,
  );
  const field = wrap.querySelector<HTMLTextAreaElement | HTMLInputElement>('#compose')!;
  const el = wrap.querySelector('scp-ref-autocomplete')!;
  await el.updateComplete;
  field.focus();
  return { wrap, field, el, c };
}

const listbox = (el: ScpRefAutocomplete) => el.querySelector<HTMLElement>('[role="listbox"]')!;
const options = (el: ScpRefAutocomplete) => [...el.querySelectorAll<HTMLElement>('[role="option"]')];
const labels = (el: ScpRefAutocomplete) => options(el).map((o) => o.querySelector('.label')!.textContent);
const activeOption = (s: Setup) => s.el.querySelector(`#${s.field.getAttribute('aria-activedescendant')}`);

async function type(s: Setup, text: string): Promise<void> {
  await sendKeys({ type: text });
  await s.el.settled();
}

async function seed(c: ScpClient): Promise<{ saved: string; pending: string }> {
  const a = await c.staging.stage('security', { findings: 3 }, { summary: '3 issues · Score: 78' });
  const saved = a.staged ? a.snapshot.snapshot_id : '';
  await c.staging.save([saved]);
  const b = await c.staging.stage('k8s', { pods: 4 }, { summary: '4 pods healthy' });
  return { saved, pending: b.staged ? b.snapshot.snapshot_id : '' };
}

describe('<scp-ref-autocomplete>', () => {
  it('opens the kind picker on @ with the combobox attributes on a textarea, and passes axe', async () => {
    const s = await setup(client());
    await type(s, 'see @');
    expect(listbox(s.el).hidden).to.equal(false);
    expect(labels(s.el)).to.deep.equal(['Audit', 'Run']);
    expect(s.field.getAttribute('aria-controls')).to.equal(listbox(s.el).id);
    expect(s.field.getAttribute('aria-autocomplete')).to.equal('list');
    expect(activeOption(s)).to.equal(options(s.el)[0]);
    expect(options(s.el)[0]!.getAttribute('aria-selected')).to.equal('true');
    expect(s.el.querySelector('[role="group"]')!.getAttribute('aria-labelledby')).to.match(/-g-kinds$/);
    expect(s.el.querySelector('.group-label')!.textContent).to.equal('Reference kinds');
    expect(s.el.querySelector('[role="status"]')!.textContent).to.equal('2 suggestions');
    await expect(s.wrap).to.be.accessible();
  });

  it('says while the ledger index catches up that items come from what it has so far', async () => {
    const s = await setup(client());
    await seed(s.c);
    const note = () => s.el.querySelector<HTMLElement>('.note[data-kind="indexing"]');
    s.c.bus.emit('ledger:progress', { op: 'index', phase: 'indexing', loaded: 2_250, total: 20_000 });
    await type(s, 'see @audit:');
    expect(options(s.el).length).to.be.greaterThan(0);
    expect(note()?.textContent).to.equal('Indexing 2,250 of 20,000 entries…');
    expect(note()!.getAttribute('role')).to.equal('status');
    s.c.bus.emit('ledger:progress', { op: 'index', phase: 'indexing', loaded: 4_250, total: 20_000 });
    await s.el.updateComplete;
    expect(note()?.textContent).to.equal('Indexing 4,250 of 20,000 entries…');
    s.c.bus.emit('ledger:progress', { op: 'index', phase: 'done', loaded: 20_000, total: 20_000 });
    await s.el.updateComplete;
    expect(note()).to.equal(null);
    expect(options(s.el).length).to.be.greaterThan(0, 'the suggestions stay');
  });

  it('gives an <input> role=combobox with aria-expanded following the list', async () => {
    const s = await setup(client(), 'input');
    expect(s.field.getAttribute('role')).to.equal('combobox');
    expect(s.field.getAttribute('aria-expanded')).to.equal('false');
    await type(s, '@');
    expect(s.field.getAttribute('aria-expanded')).to.equal('true');
    await expect(s.wrap).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    await s.el.updateComplete;
    expect(s.field.getAttribute('aria-expanded')).to.equal('false');
    expect(s.field.hasAttribute('aria-activedescendant')).to.equal(false);
  });

  it("Enter on a kind inserts it and lists that kind's items in sections; arrows move; Enter inserts the ref", async () => {
    const c = client();
    const { saved, pending } = await seed(c);
    const s = await setup(c);
    await type(s, 'look at @au');
    expect(labels(s.el)).to.deep.equal(['Audit']);
    const inputs: string[] = [];
    s.field.addEventListener('input', () => inputs.push(s.field.value));
    await sendKeys({ press: 'Enter' });
    expect(s.field.value).to.equal('look at @audit:');
    expect(inputs).to.deep.equal(['look at @audit:']);
    await s.el.settled();
    const groups = [...s.el.querySelectorAll('.group-label')].map((g) => g.textContent);
    expect(groups).to.deep.equal(['Saved', 'Not saved yet']);
    expect(options(s.el).map((o) => o.querySelector('.label')!.textContent)).to.have.length(2);
    expect(options(s.el)[0]!.textContent).to.contain('3 issues');
    expect(options(s.el)[1]!.textContent).to.contain('4 pods healthy');
    await expect(s.wrap).to.be.accessible();

    await sendKeys({ press: 'ArrowDown' });
    await s.el.updateComplete;
    expect(activeOption(s)).to.equal(options(s.el)[1]);
    expect(options(s.el)[1]!.getAttribute('aria-selected')).to.equal('true');
    expect(options(s.el)[0]!.getAttribute('aria-selected')).to.equal('false');
    await sendKeys({ press: 'ArrowDown' });
    await s.el.updateComplete;
    expect(activeOption(s)).to.equal(options(s.el)[0]);
    await sendKeys({ press: 'ArrowUp' });
    await s.el.updateComplete;
    expect(activeOption(s)).to.equal(options(s.el)[1]);

    const picked = oneEvent(s.el, ScpRefPickedEvent.eventName);
    await sendKeys({ press: 'Enter' });
    const ev = (await picked) as ScpRefPickedEvent;
    expect(ev.detail.ref).to.equal(`@audit:${pending}`);
    expect(ev.detail.suggestion.section).to.equal('unsaved');
    expect(s.field.value).to.equal(`look at @audit:${pending} `);
    expect(s.field.selectionStart).to.equal(s.field.value.length);
    expect(inputs.at(-1)).to.equal(s.field.value);
    await s.el.updateComplete;
    expect(listbox(s.el).hidden).to.equal(true);
    expect(s.field.hasAttribute('aria-activedescendant')).to.equal(false);
    expect(saved).to.match(/^security_/);
  });

  it('Tab picks the active item and replaces the whole token around the caret', async () => {
    const c = client();
    const { saved } = await seed(c);
    const s = await setup(c);
    s.field.value = `x @audit:secu tail`;
    s.field.setSelectionRange(9, 9); // caret after "@audit:"
    s.field.dispatchEvent(new InputEvent('input', { bubbles: true }));
    await s.el.settled();
    expect(options(s.el).length).to.equal(2);
    await sendKeys({ press: 'Tab' });
    expect(s.field.value).to.equal(`x @audit:${saved} tail`);
    expect(document.activeElement).to.equal(s.field);
  });

  it('Esc closes without changing the text, stops there, and stays closed until the token changes', async () => {
    const s = await setup(client());
    let escapedToPage = false;
    document.addEventListener(
      'keydown',
      (e) => {
        if (e.key === 'Escape') escapedToPage = true;
      },
      { once: true },
    );
    await type(s, '@r');
    expect(labels(s.el)).to.deep.equal(['Run']);
    await sendKeys({ press: 'Escape' });
    await s.el.updateComplete;
    expect(s.el.open).to.equal(false);
    expect(s.field.value).to.equal('@r');
    expect(escapedToPage).to.equal(false);
    s.field.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    await s.el.settled();
    expect(s.el.open).to.equal(false);
    await type(s, 'u');
    expect(s.el.open).to.equal(true);
    expect(labels(s.el)).to.deep.equal(['Run']);
  });

  it('leaves Enter to the page while closed (the message can be sent)', async () => {
    const s = await setup(client());
    let sent: KeyboardEvent | undefined;
    s.field.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') sent = e as KeyboardEvent;
    });
    await type(s, 'hello me@example.com');
    expect(s.el.open).to.equal(false);
    await sendKeys({ press: 'Enter' });
    expect(sent).to.not.equal(undefined);
    expect(sent!.defaultPrevented).to.equal(false);
    expect(s.field.value).to.equal('hello me@example.com\n');
  });

  it('a mouse click picks an option and keeps the focus in the field', async () => {
    const c = client();
    const s = await setup(c);
    await type(s, '@');
    const run = options(s.el)[1]!;
    run.dispatchEvent(new MouseEvent('mousedown', { bubbles: true, cancelable: true }));
    run.click();
    expect(s.field.value).to.equal('@run:');
    expect(document.activeElement).to.equal(s.field);
  });

  it('asks for items once per 200 ms pause while typing (debounce), and kinds at once', async () => {
    const c = client();
    const asked: string[] = [];
    c.refs.register({
      kind: 'ticket',
      icon: '🎫',
      label: 'Ticket',
      resolve: async (id) => ({ type: 'ticket', id, exists: false }),
      suggest: async (q) => {
        asked.push(q);
        return [{ ref: `@ticket:${q}1`, label: `Ticket ${q}1`, detail: '', icon: '🎫', section: 'log' as const }];
      },
    });
    const s = await setup(c);
    await sendKeys({ type: '@ticket:a' });
    await sendKeys({ type: 'b' });
    await sendKeys({ type: 'c' });
    expect(asked).to.deep.equal([]);
    await s.el.settled();
    expect(asked).to.deep.equal(['abc']);
    expect(labels(s.el)).to.deep.equal(['Ticket abc1']);
  });

  it('shows "no matches" and a failure (with scp-error) without a listbox', async () => {
    const c = client();
    c.refs.register({
      kind: 'broken',
      icon: '!',
      label: 'Broken',
      resolve: async (id) => ({ type: 'broken', id, exists: false }),
      suggest: async () => {
        throw new Error('backend down');
      },
    });
    const s = await setup(c);
    await type(s, '@run:zzz');
    expect(listbox(s.el).hidden).to.equal(true);
    expect(s.el.querySelector('.note')!.textContent).to.equal('No matches for @run:zzz');
    await expect(s.wrap).to.be.accessible();
    s.field.value = '';
    const failed = oneEvent(s.el, ScpActionErrorEvent.eventName);
    await type(s, '@broken:x');
    const err = (await failed) as ScpActionErrorEvent;
    expect(err.detail.action).to.equal('search');
    expect(s.el.querySelector('.note')!.textContent).to.equal('Suggestions could not be loaded: backend down');
  });

  it('renders hostile labels as text (markup, template-shaped objects, bidi controls)', async () => {
    const c = client();
    (window as unknown as { pwned?: number }).pwned = 0;
    const xss = '<img src=x onerror="window.pwned=1">';
    const template = { _$litType$: { h: ['<img src=x onerror="window.pwned=2">'], parts: [] }, values: [] };
    c.refs.register({
      kind: 'evil',
      icon: xss,
      label: 'Evil',
      resolve: async (id) => ({ type: 'evil', id, exists: false }),
      suggest: async () => [
        { ref: '@evil:a', label: xss, detail: '\u202Eexe.txt', icon: xss, section: 'saved', status: xss } as Suggestion,
        {
          ref: '@evil:b',
          label: template as unknown as string,
          detail: template as unknown as string,
          icon: '',
          section: 'runs',
        } as Suggestion,
      ],
    });
    const s = await setup(c);
    await type(s, '@evil:');
    expect(s.el.querySelector('img, script')).to.equal(null);
    expect(options(s.el)[0]!.querySelector('.label')!.textContent).to.equal(xss);
    expect(options(s.el)[0]!.querySelector('.detail')!.textContent).to.equal('⟪U+202E⟫exe.txt');
    expect(options(s.el)[1]!.querySelector('.label')!.textContent).to.equal('');
    await new Promise((r) => setTimeout(r, 50));
    expect((window as unknown as { pwned?: number }).pwned).to.equal(0);
  });

  it('uses the dark palette on a page that follows the system (color-scheme: light dark) under a dark system, and passes axe there', async () => {
    const { emulateMedia } = await import('@web/test-runner-commands');
    const s = await setup(client());
    await type(s, '@');
    const light = getComputedStyle(s.el.querySelector('.scp-ref-ac-popup')!).backgroundColor;
    await emulateMedia({ colorScheme: 'dark' });
    document.documentElement.style.colorScheme = 'light dark';
    try {
      expect(getComputedStyle(s.el.querySelector('.scp-ref-ac-popup')!).backgroundColor).to.equal('rgb(13, 17, 23)');
      expect(light).to.equal('rgb(255, 255, 255)');
      await expect(s.wrap).to.be.accessible();
    } finally {
      document.documentElement.style.colorScheme = '';
      await emulateMedia({ colorScheme: 'light' });
    }
  });

  it('opens at the inline start of a right-to-left page', async () => {
    const s = await setup(client(), 'textarea', 'rtl');
    await type(s, '@');
    const popup = s.el.querySelector('.scp-ref-ac-popup')!.getBoundingClientRect();
    const host = s.el.getBoundingClientRect();
    expect(Math.abs(popup.right - host.right)).to.be.lessThan(1);
    await expect(s.wrap).to.be.accessible();
  });

  it("finds a field rendered after it, and restores the field's attributes when removed", async () => {
    const c = client();
    const wrap = mount<HTMLElement>(
      html`<div><scp-ref-autocomplete for="late" .client=${c}></scp-ref-autocomplete></div>`,
    );
    const el = wrap.querySelector('scp-ref-autocomplete')!;
    // Rendered (its popup part loaded) before the field exists, so the field is found by watching the tree.
    await el.updateComplete;
    expect(el.querySelector('[role="listbox"]')).to.not.equal(null);
    const field = document.createElement('textarea');
    field.id = 'late';
    field.setAttribute('aria-label', 'Late field');
    wrap.append(field);
    await new Promise((r) => setTimeout(r, 0));
    expect(field.getAttribute('aria-autocomplete')).to.equal('list');
    el.remove();
    expect(field.hasAttribute('aria-autocomplete')).to.equal(false);
    expect(field.hasAttribute('aria-controls')).to.equal(false);
  });
});
