import { expect } from '@esm-bundle/chai';
import type { CspResult } from './csp-app.js';
import { XSS } from './hostile.js';

describe('elements under a strict Content-Security-Policy with Trusted Types required', () => {
  it('render and work with hostile data without a single policy violation or executed payload', async () => {
    const frame = document.createElement('iframe');
    frame.src = new URL('./csp-page.html', import.meta.url).href;
    frame.style.inlineSize = '1000px';
    frame.style.blockSize = '800px';
    document.body.append(frame);
    try {
      await new Promise((r) => frame.addEventListener('load', r, { once: true }));
      const win = frame.contentWindow as Window & { __cspResult?: Promise<CspResult> };
      for (let i = 0; i < 200 && !win.__cspResult; i++) await new Promise((r) => setTimeout(r, 25));
      expect(win.__cspResult, 'the page script ran').to.not.equal(undefined);
      const result = await win.__cspResult!;
      expect(result.error).to.equal(undefined);
      expect(result.enforced, 'Trusted Types are enforced on the page').to.equal(true);
      expect(result.violations).to.deep.equal([]);
      expect(result.xss).to.equal(undefined);
      expect(result.rendered.badge).to.equal(`1 pending audit for ${XSS[0]}`);
      expect(result.rendered.rows).to.equal(XSS.length);
      expect(result.rendered.treeText).to.contain(XSS[1]).and.contain('_$litType$');
      expect(result.rendered.cards).to.equal(3);
    } finally {
      frame.remove();
    }
  });
});
