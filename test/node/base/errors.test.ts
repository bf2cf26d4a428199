import assert from 'node:assert/strict';
import * as errors from '../../../src/core/errors/index.js';
import { isScpError, NotFoundError, ScpError, ValidationError } from '../../../src/core/errors/index.js';

type Ctor = new (message: string, o?: { data?: never; cause?: unknown }) => ScpError;
const subclasses = Object.entries(errors).filter(
  ([name, v]) =>
    typeof v === 'function' && name !== 'ScpError' && (v as { prototype?: unknown }).prototype instanceof ScpError,
) as [string, Ctor][];

describe('errors', () => {
  it('every subclass is an Error and an ScpError, named after its class, with its own literal code', () => {
    assert.ok(subclasses.length >= 18, `found ${subclasses.length} subclasses`);
    const codes = new Set<string>();
    for (const [name, C] of subclasses) {
      const e = new C('msg');
      assert.ok(e instanceof Error && e instanceof ScpError && e instanceof C, name);
      assert.ok(isScpError(e));
      assert.equal(e.name, name);
      assert.match(e.code, /^[a-z_]+$/, name);
      assert.ok(!codes.has(e.code), `code ${e.code} used twice`);
      codes.add(e.code);
      assert.deepEqual(e.data, {});
      assert.ok(typeof e.stack === 'string' && e.stack.includes(name));
    }
  });

  it('keeps data and cause, and toJSON gives name, code, message, data and a JSON-safe cause', () => {
    const root = new TypeError('socket closed');
    const e = new NotFoundError('Run "run_x" is not in the ledger', {
      data: { kind: 'run', id: 'run_x' },
      cause: root,
    });
    assert.equal(e.cause, root);
    assert.deepEqual(e.data, { kind: 'run', id: 'run_x' });
    assert.deepEqual(JSON.parse(JSON.stringify(e)), {
      name: 'NotFoundError',
      code: 'not_found',
      message: 'Run "run_x" is not in the ledger',
      data: { kind: 'run', id: 'run_x' },
      cause: { name: 'TypeError', message: 'socket closed' },
    });
  });

  it('nests an ScpError cause as its own toJSON, passes a plain cause through and omits a missing one', () => {
    const inner = new ValidationError('bad', { data: { what: 'x', issues: [] } });
    const outer = new errors.LedgerWriteError('write failed', { data: { ids: ['a'] }, cause: inner });
    assert.deepEqual(outer.toJSON().cause, inner.toJSON());
    assert.deepEqual(new ScpError('custom', 'm', { cause: { status: 500 } }).toJSON().cause, { status: 500 });
    assert.ok(!('cause' in new ScpError('custom', 'm').toJSON()));
    assert.ok(!('cause' in new ScpError('custom', 'm')), 'no cause property at all when none was given');
  });

  it('lets hosts define their own ScpError with a code', () => {
    class HostError extends ScpError<'host_thing', { n: number }> {}
    const e = new HostError('host_thing', 'x', { data: { n: 1 } });
    assert.equal(e.name, 'HostError');
    assert.equal(e.code, 'host_thing');
    assert.equal(e.data.n, 1);
  });
});
