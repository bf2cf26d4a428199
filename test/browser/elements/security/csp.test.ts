import { expect } from '@esm-bundle/chai';
import { frameResult } from '../../../helpers/frame-result.js';
import type { CspResult } from './csp-app.js';
import { XSS } from './hostile.js';

describe('elements under a strict Content-Security-Policy with Trusted Types required', () => {
  it('render and work with hostile data without a single policy violation or executed payload', async () => {
    const result = await frameResult<CspResult>(new URL('./csp-page.html', import.meta.url), '__cspResult');
    expect(result.error).to.equal(undefined);
    expect(result.enforced, 'Trusted Types are enforced on the page').to.equal(true);
    expect(result.violations).to.deep.equal([]);
    expect(result.xss).to.equal(undefined);
    expect(result.rendered.badge).to.equal(`1 pending audit for ${XSS[0]}`);
    expect(result.rendered.rows).to.equal(XSS.length);
    expect(result.rendered.treeText).to.contain(XSS[1]).and.contain('_$litType$');
    expect(result.rendered.cards).to.equal(3);
  });
});
