import assert from 'node:assert/strict';
import { DEMO_CARDS } from '../../../demo/cards.js';
import { defineCards } from '../../../src/core/cards.js';
import { ValidationError } from '../../../src/core/errors/index.js';

describe('host-declared cards', () => {
  it('shows only labels the host gave: no built-in card names', () => {
    const cards = defineCards([{ key: 'api', label: 'Public API' }, { key: 'web' }]);
    assert.equal(cards.label('api'), 'Public API');
    assert.equal(cards.label('web'), 'web');
    // The origin's keys mean nothing to a host that did not declare them.
    assert.equal(cards.label('security'), 'security');
    assert.equal(defineCards().label('k8s'), 'k8s');
  });

  it("puts an adopter's deploy:api run on its api card, by name or by declared runs", () => {
    const byName = defineCards([{ key: 'api' }, { key: 'web' }]);
    assert.equal(byName.ofRun('deploy:api'), 'api');
    assert.equal(byName.runBelongs('api', 'deploy:api'), true);
    assert.equal(byName.runBelongs('web', 'deploy:api'), false);
    assert.equal(byName.ofRun('deploy:k8s'), undefined);
    const declared = defineCards([{ key: 'api', runs: ['release:*', 'migrate:db'] }, { key: 'db' }]);
    assert.equal(declared.ofRun('release:v2'), 'api');
    assert.equal(declared.runBelongs('api', 'migrate:db'), true);
    // A run claimed by a card's `runs` is not also shown on the card it names.
    assert.equal(declared.runBelongs('db', 'migrate:db'), false);
    assert.equal(declared.runBelongs('api', 'deploy:api'), false, 'declared runs replace matching by name');
    // Undeclared keys (a badge for a card the host never listed) still match by name.
    assert.equal(declared.runBelongs('queue', 'deploy:queue'), true);
  });

  it('lists categories in declaration order, for the manager tabs', () => {
    const cards = defineCards([
      { key: 'a', category: 'Ops' },
      { key: 'b', category: 'Product' },
      { key: 'c', category: 'Ops' },
      { key: 'd' },
    ]);
    assert.deepEqual(cards.categories, ['Ops', 'Product']);
    assert.equal(cards.category('c'), 'Ops');
    assert.equal(cards.category('d'), undefined);
  });

  it("keeps the origin's run mapping as the demo's configuration", () => {
    const cards = defineCards(DEMO_CARDS);
    const cases: [string, string | undefined][] = [
      ['deploy:k8s', 'k8s'],
      ['build:docker', 'docker'],
      ['plan:terraform', 'terraform'],
      ['apply:terraform', 'terraform'],
      ['ci:github_actions', 'ci'],
      ['pages:deploy', 'pages'],
      ['git:commit', 'git'],
      ['setup:k8s_namespace', 'k8s'],
      ['deploy:helm', 'k8s'],
      ['validate:tf', 'terraform'],
      ['scan:github', 'github'],
      ['setup:vault_unlock', undefined],
      ['backup', undefined],
      ['constructor:toString', undefined],
      ['__proto__', undefined],
    ];
    for (const [subtype, card] of cases) assert.equal(cards.ofRun(subtype), card, subtype);
    assert.equal(cards.label('security'), 'Security Posture');
    assert.deepEqual(cards.categories, ['DevOps', 'Integrations', 'Project']);
  });

  it('treats prototype-named keys as plain keys', () => {
    const cards = defineCards([
      { key: '__proto__', label: 'Proto card' },
      { key: 'constructor', label: 'Ctor card' },
    ]);
    assert.equal(cards.label('__proto__'), 'Proto card');
    assert.equal(cards.label('constructor'), 'Ctor card');
    assert.equal(cards.label('toString'), 'toString');
    assert.equal(cards.ofRun('deploy:toString'), undefined);
  });

  it('rejects malformed declarations with a ValidationError that says what to fix', () => {
    const bad: unknown[] = [
      [{ key: '' }],
      [{ key: 'a' }, { key: 'a' }],
      [{ key: 'a', runs: 'deploy:a' }],
      [{ key: 'a', runs: [''] }],
      [{ key: 'a', category: 3 }],
      [{ key: 'a', label: {} }],
      [null],
      'api',
    ];
    for (const specs of bad) {
      assert.throws(
        () => defineCards(specs as never),
        (e: unknown) => e instanceof ValidationError && e.code === 'validation' && /cards/.test(e.message),
        JSON.stringify(specs),
      );
    }
  });
});
