import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';
import { ROW_HEIGHT } from '../../../../src/elements/audit-manager/manager-body.styles.js';
import { closeClients, mount, memoryClient, until } from '../internal/fixtures.js';
import { q, rows, stageAll, tab } from './helpers.js';

const CARDS = [
  'security',
  'testing',
  'quality',
  'packages',
  'env',
  'docs',
  'k8s',
  'terraform',
  'dns',
  'audit:scores',
  'audit:l2:risks',
];

describe('<scp-audit-manager> with many rows', () => {
  afterEach(closeClients);

  it('keeps the DOM row count bounded for 10,000 pending rows while scrolling to the end', async () => {
    const client = memoryClient();
    await client.staging.stageMany(
      Array.from({ length: 10_000 }, (_, i) => ({
        card_key: CARDS[i % CARDS.length]!,
        result: { i },
        options: { summary: `scan ${i}` },
      })),
    );
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    el.show();
    await el.settled();
    const viewport = q(el, '.viewport')!;
    const bound = Math.ceil(viewport.clientHeight / ROW_HEIGHT) + 2 * 6 + 1;
    expect(tab(el, 'all').querySelector('.count')!.textContent).to.equal('10,000');
    expect(rows(el).length).to.be.greaterThan(0).and.at.most(bound);
    expect(q(el, '.spacer-rows')!.style.blockSize).to.equal(`${10_000 * ROW_HEIGHT}px`);
    viewport.scrollTop = viewport.scrollHeight;
    // Scroll events are fired with rendering, which a background page (parallel test files) skips.
    viewport.dispatchEvent(new Event('scroll'));
    await until(() => rows(el).some((r) => r.getAttribute('aria-posinset') === '10000'), 'the last row');
    expect(rows(el).length).to.be.at.most(bound);
    const last = rows(el).find((r) => r.getAttribute('aria-posinset') === '10000')!;
    expect(last.getAttribute('aria-setsize')).to.equal('10000');
    expect(last.getBoundingClientRect().bottom).to.be.at.most(viewport.getBoundingClientRect().bottom + 1);
    // Select all works over every row, not only the rendered ones.
    q<HTMLInputElement>(el, '.toolbar input[type="checkbox"]')!.click();
    await el.updateComplete;
    expect(el.selectedIds).to.have.length(0);
    q<HTMLInputElement>(el, '.toolbar input[type="checkbox"]')!.click();
    await el.updateComplete;
    expect(el.selectedIds).to.have.length(10_000);
  });

  it('moves between rows with the arrow keys, Page Down and Ctrl+End, scrolling the focused row into view', async () => {
    const client = memoryClient();
    await client.staging.stageMany(
      Array.from({ length: 300 }, (_, i) => ({
        card_key: CARDS[i % CARDS.length]!,
        result: { i },
        options: { summary: `scan ${i}` },
      })),
    );
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    el.show();
    await el.settled();
    const focusedRow = () =>
      (el.shadowRoot!.activeElement as HTMLElement | null)?.closest<HTMLElement>('.row')?.dataset.index;
    rows(el)[0]!.querySelector<HTMLInputElement>('input')!.focus();
    await sendKeys({ press: 'ArrowDown' });
    await sendKeys({ press: 'ArrowDown' });
    await el.updateComplete;
    expect(focusedRow()).to.equal('2');
    expect((el.shadowRoot!.activeElement as HTMLElement).dataset.control).to.equal('select');
    await sendKeys({ press: 'Space' });
    await el.updateComplete;
    expect(el.selectedIds).to.have.length(299);
    await sendKeys({ press: 'PageDown' });
    await until(() => Number(focusedRow()) > 5, 'focus a page further');
    await sendKeys({ down: 'Control' });
    await sendKeys({ press: 'End' });
    await sendKeys({ up: 'Control' });
    await until(() => focusedRow() === '299', 'focus on the last row');
    const viewport = q(el, '.viewport')!;
    const row = el.shadowRoot!.activeElement!.closest('.row')!.getBoundingClientRect();
    expect(row.bottom).to.be.at.most(viewport.getBoundingClientRect().bottom + 1);
    await sendKeys({ press: 'ArrowUp' });
    await until(() => focusedRow() === '298', 'focus one up');
    // The row buttons keep their column: Save on one row, ArrowUp, Save on the row above.
    (el.shadowRoot!.activeElement!.closest('.row')!.querySelector('[data-control="save"]') as HTMLElement).focus();
    await sendKeys({ press: 'ArrowUp' });
    await until(() => focusedRow() === '297', 'focus on the row above');
    expect((el.shadowRoot!.activeElement as HTMLElement).dataset.control).to.equal('save');
  });

  it('mirrors its layout on a right-to-left page', async () => {
    const client = memoryClient();
    await stageAll(client, [['security', 'a']]);
    const place = async (dir: 'ltr' | 'rtl') => {
      const wrapper = await mount<HTMLDivElement>(
        html`<div dir=${dir}><scp-audit-manager .client=${client}></scp-audit-manager></div>`,
      );
      const el = wrapper.querySelector<ScpAuditManager>('scp-audit-manager')!;
      el.show();
      await el.settled();
      const row = rows(el)[0]!;
      const box = row.querySelector('input')!.getBoundingClientRect();
      const label = row.querySelector('.card')!.getBoundingClientRect();
      const save = [...el.shadowRoot!.querySelectorAll('footer button')].at(-1)!.getBoundingClientRect();
      const discard = [...el.shadowRoot!.querySelectorAll('footer button')].at(-2)!.getBoundingClientRect();
      const close = q(el, 'header button')!.getBoundingClientRect();
      const title = q(el, 'h2')!.getBoundingClientRect();
      el.close();
      return {
        boxBeforeLabel: box.left < label.left,
        saveAfterDiscard: save.left > discard.left,
        closeRightOfTitle: close.left > title.left,
      };
    };
    expect(await place('ltr')).to.deep.equal({ boxBeforeLabel: true, saveAfterDiscard: true, closeRightOfTitle: true });
    expect(await place('rtl')).to.deep.equal({
      boxBeforeLabel: false,
      saveAfterDiscard: false,
      closeRightOfTitle: false,
    });
  });
});
