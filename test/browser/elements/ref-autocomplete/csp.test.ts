import { expect } from '@esm-bundle/chai';
import { frameResult } from '../../../helpers/frame-result.js';
import { BIDI, XSS } from '../security/hostile.js';
import type { BeyondCspResult } from './csp-app.js';

describe('run badge, ref autocomplete and audit log under a strict CSP with Trusted Types required', () => {
  it('render, style and pick with hostile data without a policy violation or an executed payload', async () => {
    const result = await frameResult<BeyondCspResult>(
      new URL('./csp-page.html', import.meta.url),
      '__cspBeyondResult',
      { waitMs: 10000 },
    );
    expect(result.error).to.equal(undefined);
    expect(result.enforced, 'Trusted Types are enforced on the page').to.equal(true);
    expect(result.violations).to.deep.equal([]);
    expect(result.xss).to.equal(undefined);
    const shownBidi = BIDI.replace(
      /[\u202A-\u202E\u2066-\u2069]/g,
      (c) => `⟪U+${c.charCodeAt(0).toString(16).toUpperCase()}⟫`,
    );
    expect(result.rendered.badge).to.equal(`failed — ${XSS[0]} ${shownBidi}`);
    expect(result.rendered.rows).to.equal(XSS.length);
    expect(result.rendered.summary).to.equal(`${XSS[0]} ${shownBidi}`);
    expect(result.rendered.options).to.have.length(XSS.length);
    expect(result.rendered.popupStyled, 'the light-DOM list got its adopted stylesheet').to.equal(true);
    expect(result.rendered.picked).to.equal('@run:run_20261123T100000Z_deploy_csp0 ');
  });
});
