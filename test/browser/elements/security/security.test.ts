import { expect, fixture, html } from '@open-wc/testing';
import type { ScpClient } from '../../../../src/core/client.js';
import type { AuditMeta } from '../../../../src/core/schemas/audit.js';
import '../../../../src/elements/audit-badge/scp-audit-badge.js';
import '../../../../src/elements/audit-manager/scp-audit-manager.js';
import '../../../../src/elements/ref-preview/scp-ref-preview.js';
import type { ScpAuditBadge } from '../../../../src/elements/audit-badge/audit-badge.js';
import type { ScpAuditManager } from '../../../../src/elements/audit-manager/audit-manager.js';
import type { ScpJsonTree } from '../../../../src/elements/json-tree/json-tree.js';
import type { ScpRefPreview } from '../../../../src/elements/ref-preview/ref-preview.js';
import { closeClients, memoryClient, mount, until } from '../internal/fixtures.js';
import { activeContent, BIDI, deepText, hostileData, LIT_LOOKALIKE, XSS } from './hostile.js';

declare global {
  interface Window {
    __xss?: number;
  }
}

const RAW_BIDI = /[\u202A-\u202E\u2066-\u2069]/;

/** Expand every collapsed branch of the JSON trees inside `root` (a few rounds: branches render lazily). */
async function expandAll(root: Element) {
  for (let round = 0; round < 4; round++) {
    const trees = [...root.shadowRoot!.querySelectorAll<ScpJsonTree>('scp-json-tree')];
    for (const tree of trees) {
      for (const d of tree.shadowRoot!.querySelectorAll('details:not([open])')) d.querySelector('summary')!.click();
      await tree.updateComplete;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function assertInert(root: Element) {
  await new Promise((r) => setTimeout(r, 50));
  expect(activeContent(root).map((e) => e.outerHTML)).to.deep.equal([]);
  expect(window.__xss).to.equal(undefined);
}

describe('hostile values in elements', () => {
  afterEach(async () => {
    delete window.__xss;
    await closeClients();
  });

  it('the manager shows hostile card keys, summaries and data (keys and values) as text', async () => {
    const client = memoryClient();
    for (const x of XSS) await client.staging.stage(x, hostileData, { summary: `${x} ${BIDI}` });
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    el.show();
    await el.settled();
    const rowEls = [...el.shadowRoot!.querySelectorAll('.row')];
    expect(rowEls).to.have.length(XSS.length);
    const cardsShown = rowEls.map((r) => r.querySelector('.card')!.textContent);
    expect(cardsShown).to.have.members(XSS);
    for (const r of rowEls) {
      expect(r.querySelector('.summary')!.textContent).to.contain('⟪U+202E⟫txt.exe⟪U+202C⟫');
      r.querySelector<HTMLButtonElement>('[data-control="preview"]')!.click();
      await until(() => el.shadowRoot!.querySelector('scp-json-tree'), 'tree');
      await expandAll(el);
      const tree = el.shadowRoot!.querySelector<ScpJsonTree>('scp-json-tree')!;
      const text = deepText(tree.shadowRoot!);
      for (const x of XSS.slice(0, 5)) expect(text).to.contain(x);
      expect(text).to.contain('_$litType$');
      expect(text).to.not.match(RAW_BIDI);
    }
    expect(deepText(el.shadowRoot!)).to.not.match(RAW_BIDI);
    await assertInert(el);
  });

  it('the manager renders Lit-template lookalikes and other non-strings from a client as JSON text', async () => {
    const client = memoryClient();
    await client.staging.stage('security', { a: 1 }, { summary: 'x' });
    const [real] = await client.staging.list();
    const weird = {
      ...real!,
      summary: LIT_LOOKALIKE,
      card_key: LIT_LOOKALIKE,
      iso: LIT_LOOKALIKE,
    } as unknown as AuditMeta;
    const hostile: ScpClient = { ...client, staging: { ...client.staging, list: async () => [weird] } };
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${hostile}></scp-audit-manager>`);
    el.show();
    await el.settled();
    const row = el.shadowRoot!.querySelector('.row')!;
    expect(row.querySelector('.summary')!.textContent).to.equal(JSON.stringify(LIT_LOOKALIKE));
    await assertInert(el);
  });

  it('the saved tab shows hostile saved entries as text', async () => {
    const client = memoryClient();
    const staged = await client.staging.stage(XSS[0]!, hostileData, { summary: `${XSS[1]} ${BIDI}` });
    if (!staged.staged) throw new Error('not staged');
    await client.staging.save([staged.snapshot.snapshot_id]);
    const el = await fixture<ScpAuditManager>(html`<scp-audit-manager .client=${client}></scp-audit-manager>`);
    el.show();
    await el.settled();
    el.tab = 'saved';
    await until(() => el.shadowRoot!.querySelector('.saved li'), 'saved entry');
    const text = el.shadowRoot!.querySelector('.saved li')!.textContent!;
    expect(text).to.contain(XSS[0]).and.contain(XSS[1]).and.contain('⟪U+202E⟫');
    await assertInert(el);
  });

  it('the badge names a hostile card as text', async () => {
    const client = memoryClient();
    await client.staging.stage(XSS[0]!, {});
    const el = await fixture<ScpAuditBadge>(
      html`<scp-audit-badge card=${XSS[0]!} .client=${client}></scp-audit-badge>`,
    );
    await el.settled();
    expect(el.shadowRoot!.querySelector('button')!.getAttribute('aria-label')).to.equal(
      `1 pending audit for ${XSS[0]}`,
    );
    await assertInert(el);
  });

  it('the ref preview shows hostile run fields and resolver answers as text and drops unsafe links', async () => {
    const client = memoryClient({ runs: { groupCommitMs: 0 } });
    const run = await client.runs.start({ type: 'deploy', subtype: `deploy:${XSS[0]}`, summary: XSS[1] });
    client.refs.register({
      kind: 'ticket',
      icon: XSS[2]!,
      label: XSS[3]!,
      resolve: async (id) => ({
        type: 'ticket',
        id,
        exists: true,
        summary: `${XSS[4]} ${BIDI}`,
        status: XSS[5]!,
        label: LIT_LOOKALIKE as unknown as string,
        url: 'javascript:window.__xss=8',
      }),
    });
    const wrapper = await mount<HTMLDivElement>(html`<div><textarea id="t" aria-label="m"></textarea>
      <scp-ref-preview for="t" debounce="0" .client=${client}></scp-ref-preview></div>`);
    const el = wrapper.querySelector<ScpRefPreview>('scp-ref-preview')!;
    const textarea = wrapper.querySelector('textarea')!;
    textarea.value = `@run:${run.id} @ticket:T-1 @audit:${encodeURIComponent(XSS[0]!)}`;
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    await until(() => el.shadowRoot!.querySelectorAll('li[data-state="ready"]').length === 2, 'two cards');
    const text = deepText(el.shadowRoot!);
    expect(text)
      .to.contain(XSS[0])
      .and.contain(XSS[1])
      .and.contain(XSS[4])
      .and.contain(XSS[5]!.slice(0, 30))
      .and.contain('_$litType$');
    expect(text).to.contain('⟪U+202E⟫');
    expect(text).to.not.match(RAW_BIDI);
    expect(el.shadowRoot!.querySelectorAll('a')).to.have.length(0);
    await assertInert(el);
  });
});
