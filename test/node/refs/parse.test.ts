import assert from 'node:assert/strict';
import { formatRef, parseRefs, splitExtension, splitRef } from '../../../src/core/refs/parse.js';

const KINDS = ['audit', 'run'];
const AID = 'security_20260217_204500_k3x9';
const RID = 'run_20260217T204500Z_deploy_x7k2';

describe('parseRefs', () => {
  it('finds @audit and @run refs with their kind, id, raw text and offset', () => {
    const text = `Saved @audit:${AID} after @run:${RID} finished`;
    assert.deepEqual(parseRefs(text, KINDS), [
      { kind: 'audit', id: AID, raw: `@audit:${AID}`, index: 6 },
      { kind: 'run', id: RID, raw: `@run:${RID}`, index: text.indexOf('@run:') },
    ]);
  });

  it('keeps only the first occurrence of each kind:id, in order of appearance', () => {
    const refs = parseRefs(
      `@run:${RID} @audit:${AID} @run:${RID}{Deploy · k8s · ok} @audit:${AID} @audit:run_x`,
      KINDS,
    );
    assert.deepEqual(
      refs.map((r) => `${r.kind}:${r.id}`),
      [`run:${RID}`, `audit:${AID}`, 'audit:run_x'],
    );
    assert.equal(refs[0]!.label, undefined, 'the first occurrence (without extension) wins');
  });

  it('reads the {label · detail · status} extension and tolerates missing parts', () => {
    const one = (ext: string) => {
      const [r] = parseRefs(`@run:${RID}${ext} rest`, KINDS);
      return { label: r!.label, detail: r!.detail, status: r!.status, raw: r!.raw };
    };
    assert.deepEqual(one('{Deploy · k8s · ok}'), {
      label: 'Deploy',
      detail: 'k8s',
      status: 'ok',
      raw: `@run:${RID}{Deploy · k8s · ok}`,
    });
    assert.deepEqual(one('{Deploy}'), {
      label: 'Deploy',
      detail: undefined,
      status: undefined,
      raw: `@run:${RID}{Deploy}`,
    });
    assert.deepEqual(one('{Deploy · k8s}'), {
      label: 'Deploy',
      detail: 'k8s',
      status: undefined,
      raw: `@run:${RID}{Deploy · k8s}`,
    });
    assert.deepEqual(one('{ · k8s · }'), {
      label: undefined,
      detail: 'k8s',
      status: undefined,
      raw: `@run:${RID}{ · k8s · }`,
    });
    assert.deepEqual(one('{Deploy·k8s·failed}'), {
      label: 'Deploy',
      detail: 'k8s',
      status: 'failed',
      raw: `@run:${RID}{Deploy·k8s·failed}`,
    });
    assert.deepEqual(one('{Deploy · k8s · prod · ok}'), {
      label: 'Deploy',
      detail: 'k8s · prod',
      status: 'ok',
      raw: `@run:${RID}{Deploy · k8s · prod · ok}`,
    });
    assert.deepEqual(one('{}'), { label: undefined, detail: undefined, status: undefined, raw: `@run:${RID}{}` });
  });

  it('ignores an unclosed or multi-line extension and keeps the plain ref', () => {
    const [open] = parseRefs(`@run:${RID}{Deploy · k8s`, KINDS);
    assert.equal(open!.raw, `@run:${RID}`);
    assert.equal(open!.label, undefined);
    const [multi] = parseRefs(`@run:${RID}{Deploy\n· ok}`, KINDS);
    assert.equal(multi!.raw, `@run:${RID}`);
  });

  it('leaves out ids that fail the id grammar (path escapes, slashes, dot names, too long)', () => {
    const text = [
      '@audit:../etc',
      '@audit:a/b',
      '@run:.git',
      '@audit:..',
      '@audit:a..b',
      `@audit:${'x'.repeat(129)}`,
      '@audit:-rf',
      '@audit:x.lock',
    ].join(' ');
    assert.deepEqual(parseRefs(text, KINDS), []);
    assert.deepEqual(
      parseRefs(`@audit:${'x'.repeat(128)}`, KINDS).map((r) => r.id.length),
      [128],
    );
  });

  it('does not take a sentence-ending dot into the id', () => {
    assert.deepEqual(
      parseRefs('see @run:run_x.', KINDS).map((r) => [r.id, r.raw]),
      [['run_x', '@run:run_x']],
    );
    assert.deepEqual(
      parseRefs('wow @run:run_x... really', KINDS).map((r) => r.id),
      ['run_x'],
    );
    assert.deepEqual(
      parseRefs('file @audit:a.b.', KINDS).map((r) => r.id),
      ['a.b'],
    );
    assert.deepEqual(
      parseRefs('@audit:a.b then', KINDS).map((r) => r.id),
      ['a.b'],
    );
  });

  it('stops the id at characters outside the ref alphabet', () => {
    assert.deepEqual(
      parseRefs(`(@audit:${AID}), "@run:${RID}"; @audit:x!`, KINDS).map((r) => r.id),
      [AID, RID, 'x'],
    );
  });

  it('only matches the given kinds, and not right after a word character', () => {
    assert.deepEqual(parseRefs('@thread:t1 @user:bob @audits:x', KINDS), []);
    assert.deepEqual(
      parseRefs('@thread:t1', [...KINDS, 'thread']).map((r) => r.kind),
      ['thread'],
    );
    assert.deepEqual(
      parseRefs('mail me@audit:x or (@audit:y)', KINDS).map((r) => r.id),
      ['y'],
    );
    assert.deepEqual(parseRefs('@audit: nothing here @run:', KINDS), []);
    assert.deepEqual(parseRefs('', KINDS), []);
    assert.deepEqual(parseRefs('@audit:x', []), []);
  });

  it('prefers the longest kind when one kind is a prefix of another', () => {
    assert.deepEqual(
      parseRefs('@runbook:rb1 @run:r1', ['run', 'runbook']).map((r) => `${r.kind}:${r.id}`),
      ['runbook:rb1', 'run:r1'],
    );
  });
});

describe('splitExtension / formatRef / splitRef', () => {
  it('formats a ref that parses back to the same kind, id and parts', () => {
    const text = formatRef({ kind: 'run', id: RID, label: 'Deploy {api}', detail: 'k8s · prod', status: 'ok' });
    assert.equal(text, `@run:${RID}{Deploy  api · k8s - prod · ok}`);
    const [r] = parseRefs(`x ${text} y`, KINDS);
    assert.deepEqual(
      { kind: r!.kind, id: r!.id, label: r!.label, detail: r!.detail, status: r!.status },
      { kind: 'run', id: RID, label: 'Deploy  api', detail: 'k8s - prod', status: 'ok' },
    );
    assert.equal(formatRef({ kind: 'audit', id: AID }), `@audit:${AID}`);
    assert.equal(formatRef({ kind: 'audit', id: AID, label: 'Security' }), `@audit:${AID}{Security}`);
  });

  it('splits "{a · b · c}" into label, detail and status', () => {
    assert.deepEqual(splitExtension('{a · b · c}'), { label: 'a', detail: 'b', status: 'c' });
    assert.deepEqual(splitExtension('a'), { label: 'a' });
  });

  it('splits a ref string into kind and id without judging the id, and rejects text that is not a ref', () => {
    assert.deepEqual(splitRef(`@audit:${AID}`), { kind: 'audit', id: AID });
    assert.deepEqual(splitRef(` run:${RID}{Deploy} `), { kind: 'run', id: RID, extension: '{Deploy}' });
    assert.deepEqual(splitRef('@audit:../etc'), { kind: 'audit', id: '../etc' });
    assert.deepEqual(splitRef('@AUDIT:x'), { kind: 'audit', id: 'x' });
    for (const bad of ['hello', '@:x', '', '@1x:y']) assert.throws(() => splitRef(bad), { code: 'validation' });
  });
});
