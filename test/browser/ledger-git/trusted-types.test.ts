import { expect } from '@esm-bundle/chai';
import { frameResult } from '../../helpers/frame-result.js';
import type { TrustedTypesResult } from './trusted-types-app.js';

describe('the default git ledger on a page that requires Trusted Types', () => {
  it('refuses to start its Worker with a typed error naming the fix, and works with a Worker the host starts through its policy', async () => {
    const r = await frameResult<TrustedTypesResult>(
      new URL('./trusted-types-page.html', import.meta.url),
      '__ttResult',
    );
    expect(r.error).to.equal(undefined);
    expect([r.refused.code, r.refused.reason]).to.deep.equal(['ledger_unavailable', 'trusted_types']);
    expect(r.refused.message).to.contain('createScp({ worker:');
    expect(r.violationsWhenRefused.length, 'the refused attempt is what the page reports').to.equal(1);
    expect(r.violationsWhenRefused[0]).to.contain('require-trusted-types-for');
    expect(r.saved.commit).to.match(/^[0-9a-f]{40}$/);
    expect(r.saved.head).to.equal(r.saved.commit);
    expect(r.violationsWhenStarted).to.deep.equal([]);
  });
});
