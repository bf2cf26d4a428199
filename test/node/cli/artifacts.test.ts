import assert from 'node:assert/strict';
import { addArtifact } from '../../../src/core/runs/artifacts.js';
import { ValidationError } from '../../../src/core/errors/index.js';

describe('artifact references on runs', () => {
  it('keeps one artifact per (repo, ref_type, ref_value) and merges a repeat', () => {
    let list = addArtifact([], { ref_type: 'commit', ref_value: 'abc1234', repo: '/r', summary: 'first' });
    list = addArtifact(list, {
      ref_type: 'commit',
      ref_value: 'abc1234',
      repo: '/r',
      summary: 'again',
      metadata: { files: 2 },
    });
    list = addArtifact(list, { ref_type: 'commit', ref_value: 'abc1234', repo: '/other' });
    list = addArtifact(list, { ref_type: 'pr', ref_value: 'abc1234', repo: '/r' });
    assert.equal(list.length, 3);
    assert.equal(list[0]!.summary, 'again');
    assert.deepEqual(list[0]!.metadata, { files: 2 });
  });

  it('rejects an unknown type or an empty value with a ValidationError', () => {
    assert.throws(
      () => addArtifact([], { ref_type: 'ticket' as 'pr', ref_value: 'x', repo: '' }),
      (e) => e instanceof ValidationError && e.code === 'validation',
    );
    assert.throws(() => addArtifact([], { ref_type: 'tag', ref_value: '', repo: '' }), ValidationError);
  });
});
