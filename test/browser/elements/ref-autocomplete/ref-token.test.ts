import { expect } from '@esm-bundle/chai';
import { refTokenAt, replaceToken } from '../../../../src/elements/ref-autocomplete/ref-token.js';

describe('ref autocomplete: the token at the caret', () => {
  it('finds a bare @ and a partial kind at the caret', () => {
    expect(refTokenAt('hi @', 4)).to.deep.equal({ start: 3, end: 4, query: '@' });
    expect(refTokenAt('@au', 3)).to.deep.equal({ start: 0, end: 3, query: '@au' });
  });

  it('finds @kind:partial-id and extends the end past the caret to the token end', () => {
    expect(refTokenAt('see @audit:sec and', 14)).to.deep.equal({ start: 4, end: 14, query: '@audit:sec' });
    expect(refTokenAt('see @audit:security_1 x', 14)).to.deep.equal({ start: 4, end: 21, query: '@audit:sec' });
  });

  it('ignores e-mail addresses, spaces between @ and caret, and a caret outside a token', () => {
    expect(refTokenAt('mail me@host', 12)).to.equal(undefined);
    expect(refTokenAt('@audit: x', 9)).to.equal(undefined);
    expect(refTokenAt('plain text', 5)).to.equal(undefined);
    expect(refTokenAt('', 0)).to.equal(undefined);
    expect(refTokenAt('@@', 2)).to.equal(undefined);
  });

  it('replaces the token with a kind and keeps the caret right after the colon', () => {
    const text = 'see @au now';
    const token = refTokenAt(text, 7)!;
    expect(replaceToken(text, token, '@audit:')).to.deep.equal({ text: 'see @audit: now', caret: 11 });
  });

  it('replaces the token with a full ref and one following space', () => {
    const a = replaceToken('x @audit:se', refTokenAt('x @audit:se', 11)!, '@audit:security_1');
    expect(a).to.deep.equal({ text: 'x @audit:security_1 ', caret: 20 });
    const b = replaceToken('x @audit:se y', refTokenAt('x @audit:se y', 11)!, '@audit:security_1');
    expect(b).to.deep.equal({ text: 'x @audit:security_1 y', caret: 20 });
  });
});
