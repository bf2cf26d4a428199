import { expect } from '@esm-bundle/chai';
import { defaultCardOf, subtypeMatches } from '../../../../src/elements/run-badge/card-of.js';

describe('run badge: subtype → card mapping', () => {
  it('maps the origin subtypes to their cards', () => {
    expect(defaultCardOf('deploy:k8s')).to.equal('k8s');
    expect(defaultCardOf('build:docker')).to.equal('docker');
    expect(defaultCardOf('plan:terraform')).to.equal('terraform');
    expect(defaultCardOf('apply:terraform')).to.equal('terraform');
    expect(defaultCardOf('ci:github_actions')).to.equal('ci');
    expect(defaultCardOf('pages:deploy')).to.equal('pages');
    expect(defaultCardOf('git:commit')).to.equal('git');
  });

  it('reads the first word of the detail and aliases like helm and kubectl', () => {
    expect(defaultCardOf('setup:k8s_namespace')).to.equal('k8s');
    expect(defaultCardOf('deploy:helm')).to.equal('k8s');
    expect(defaultCardOf('validate:tf')).to.equal('terraform');
  });

  it('returns undefined for subtypes that name no card (and ignores prototype keys)', () => {
    expect(defaultCardOf('setup:vault_unlock')).to.equal(undefined);
    expect(defaultCardOf('backup')).to.equal(undefined);
    expect(defaultCardOf('constructor:toString')).to.equal(undefined);
    expect(defaultCardOf('__proto__')).to.equal(undefined);
  });

  it('matches subtypes exactly or by a type:* pattern', () => {
    expect(subtypeMatches('deploy:k8s', 'deploy:k8s')).to.equal(true);
    expect(subtypeMatches('deploy:k8s', 'deploy:k8s_canary')).to.equal(false);
    expect(subtypeMatches('ci:*', 'ci:lint')).to.equal(true);
    expect(subtypeMatches('ci:*', 'deploy:ci')).to.equal(false);
  });
});
