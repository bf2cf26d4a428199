import { expect } from '@esm-bundle/chai';
import { subtypeMatches } from '../../../../src/elements/run-badge/card-of.js';

describe('run badge: subtype patterns', () => {
  it('matches subtypes exactly or by a type:* pattern', () => {
    expect(subtypeMatches('deploy:k8s', 'deploy:k8s')).to.equal(true);
    expect(subtypeMatches('deploy:k8s', 'deploy:k8s_canary')).to.equal(false);
    expect(subtypeMatches('ci:*', 'ci:lint')).to.equal(true);
    expect(subtypeMatches('ci:*', 'deploy:ci')).to.equal(false);
  });
});
