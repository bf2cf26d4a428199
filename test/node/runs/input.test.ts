import assert from 'node:assert/strict';
import { ValidationError } from '../../../src/core/errors/index.js';
import { addArtifact } from '../../../src/core/runs/artifacts.js';
import type { ArtifactInput, RunOutcome, RunSpec } from '../../../src/core/runs/types.js';
import { fixture, type Fixture } from './runs-fixture.js';

/** The ValidationError's `what` and each bad field's path, for assertions. */
function invalid(what: string, paths: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof ValidationError, `expected a ValidationError, got ${String(e)}`);
    assert.equal(e.code, 'validation');
    assert.equal(e.data.what, what);
    assert.deepEqual(
      e.data.issues.map((i) => i.path),
      paths,
    );
    assert.match(e.message, new RegExp(`^Invalid ${what}: ${paths[0]!.replace(/[.()]/g, '\\$&')}: `));
    return true;
  };
}

describe('runs input: specs, events, outcomes and artifacts checked by schema', () => {
  let f: Fixture;
  beforeEach(() => {
    f = fixture();
  });
  afterEach(() => f.dispose());

  it('names every bad field of a run spec, and a spec that is not an object at the root', async () => {
    const bad = { type: 'deploy', subtype: 5, modules_affected: 'api' } as unknown as RunSpec;
    await assert.rejects(f.runs.start(bad), invalid('run spec', ['subtype', 'modules_affected']));
    await assert.rejects(f.runs.start({ type: 'x'.repeat(101) }), invalid('run spec', ['type']));
    await assert.rejects(f.runs.start(null as unknown as RunSpec), invalid('run spec', ['(root)']));
    assert.deepEqual(await f.runs.live(), [], 'no run was started');
  });

  it('refuses an event without a type, and the run stays open for the next one', async () => {
    const h = await f.runs.start({ type: 'deploy' });
    await assert.rejects(h.event({ target: 'api' } as unknown as { type: string }), invalid('run event', ['type']));
    const e = await h.event({ type: 'step' });
    assert.equal(e.seq, 1, 'the refused event took no number');
    await h.finish();
  });

  it('refuses a finish with an unknown status before ending the run, so a right finish still lands', async () => {
    const h = await f.runs.start({ type: 'deploy' });
    await assert.rejects(h.finish({ status: 'done' } as unknown as RunOutcome), invalid('run outcome', ['status']));
    const run = await h.finish({ status: 'partial', summary: '2 of 3' });
    assert.equal(run.status, 'partial');
    await f.runs.flush();
    assert.equal((await f.ledger.getRun(h.id))?.run.status, 'partial');
  });

  it("names the handle's own field names for a bad artifact (type, value) and keeps the list unchanged", async () => {
    const h = await f.runs.start({ type: 'deploy' });
    await assert.rejects(
      h.artifact({ type: 'ticket', value: '' } as unknown as ArtifactInput),
      invalid('artifact', ['type', 'value']),
    );
    const list = await h.artifact({ type: 'pr', value: '42' });
    assert.deepEqual(
      list.map((a) => `${a.ref_type}:${a.ref_value}`),
      ['pr:42'],
    );
    await h.finish();
  });

  it('addArtifact refuses an unknown type or an empty value with the reference field names', () => {
    assert.throws(
      () => addArtifact([], { ref_type: 'ticket', ref_value: 'x', repo: '' } as never),
      invalid('artifact', ['ref_type']),
    );
    assert.throws(
      () => addArtifact([], { ref_type: 'pr', ref_value: '', repo: '' }),
      invalid('artifact', ['ref_value']),
    );
  });
});
