import { expect } from '@esm-bundle/chai';
import type { TrustedTypesResult } from './trusted-types-app.js';

describe('the default git ledger on a page that requires Trusted Types', () => {
  it('refuses to start its Worker with a typed error naming the fix, and works with a Worker the host starts through its policy', async () => {
    const frame = document.createElement('iframe');
    frame.src = new URL('./trusted-types-page.html', import.meta.url).href;
    document.body.append(frame);
    try {
      await new Promise((r) => frame.addEventListener('load', r, { once: true }));
      const win = frame.contentWindow as Window & { __ttResult?: Promise<TrustedTypesResult> };
      for (let i = 0; i < 200 && !win.__ttResult; i++) await new Promise((r) => setTimeout(r, 25));
      expect(win.__ttResult, 'the page script ran').to.not.equal(undefined);
      const r = await win.__ttResult!;
      expect(r.error).to.equal(undefined);
      expect([r.refused.code, r.refused.reason]).to.deep.equal(['ledger_unavailable', 'trusted_types']);
      expect(r.refused.message).to.contain('createScp({ worker:');
      expect(r.violationsWhenRefused.length, 'the refused attempt is what the page reports').to.equal(1);
      expect(r.violationsWhenRefused[0]).to.contain('require-trusted-types-for');
      expect(r.saved.commit).to.match(/^[0-9a-f]{40}$/);
      expect(r.saved.head).to.equal(r.saved.commit);
      expect(r.violationsWhenStarted).to.deep.equal([]);
    } finally {
      frame.remove();
    }
  });
});
