import assert from 'node:assert/strict';
import { InvalidIdError } from '../../../src/core/errors/index.js';
import {
  assertValidId,
  cardKeySlug,
  idProblem,
  isRunId,
  isValidId,
  newAuditId,
  newRunId,
  timeFromId,
} from '../../../src/core/ids.js';

const AT = new Date('2026-02-17T20:45:00.123Z');

describe('id generation', () => {
  it('issues 10,000 unique audit ids for one card at one fixed instant', () => {
    const ids = Array.from({ length: 10_000 }, () => newAuditId('audit:l2:risks', AT));
    assert.equal(new Set(ids).size, 10_000);
    for (const id of ids.slice(0, 50)) assert.match(id, /^audit_l2_risks_20260217_204500_[a-z0-9]{4}$/);
    assert.ok(ids.every(isValidId));
  });

  it('issues 10,000 unique run ids for one type at one fixed instant', () => {
    const ids = Array.from({ length: 10_000 }, () => newRunId('deploy', AT));
    assert.equal(new Set(ids).size, 10_000);
    assert.match(ids[0]!, /^run_20260217T204500Z_deploy_[a-z0-9]{4}$/);
    assert.ok(ids.every((id) => isValidId(id) && isRunId(id)));
  });

  it('stays unique when the caller alternates between two explicit times (backfill)', () => {
    const other = new Date('2026-02-17T20:45:01Z');
    const ids = Array.from({ length: 10_000 }, (_, i) => newRunId('build', i % 2 ? AT : other));
    assert.equal(new Set(ids).size, 10_000);
  });

  it('draws every random character with equal odds', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 9_000; i++)
      for (const ch of newRunId('x', new Date(Date.UTC(2020, 0, 1, 0, 0, i))).slice(-4))
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
    assert.equal(counts.size, 36);
    // 36,000 draws, 1,000 expected per character: a modulo bias would push a-d to ~1,140.
    for (const [ch, n] of counts) assert.ok(n > 850 && n < 1_150, `${ch} drawn ${n} times`);
  });

  it('slugs card keys the origin way (":" and "/" as "_") and types with "-"', () => {
    assert.equal(cardKeySlug('audit:l2:risks'), 'audit_l2_risks');
    assert.equal(cardKeySlug('ci/cd'), 'ci_cd');
    assert.match(newRunId('setup:vault/unlock', AT), /^run_20260217T204500Z_setup-vault-unlock_[a-z0-9]{4}$/);
    assert.match(newAuditId('weird card ✓', AT), /^weird-card--_20260217_204500_/);
    for (const key of ['../../etc', '-rf', '.git', '', '\u2024\u2024'])
      assert.ok(isValidId(newAuditId(key, AT)), `card key ${JSON.stringify(key)} still yields a safe id`);
  });
});

describe('id grammar', () => {
  const hostile: [string, unknown][] = [
    ['parent escape', '../x'],
    ['bare ..', '..'],
    ['forward slash', 'a/b'],
    ['backslash', 'a\\b'],
    ['percent-encoded dots', '%2e%2e'],
    ['percent-encoded slash', 'a%2fb'],
    ['dot git', '.git'],
    ['leading dot', '.hidden'],
    ['leading dash (option injection)', '-rf'],
    ['trailing dot', 'abc.'],
    ['lock file', 'main.lock'],
    ['NUL', 'a\u0000b'],
    ['newline', 'a\nb'],
    ['tab', 'a\tb'],
    ['DEL', 'a\u007fb'],
    ['C1 control', 'a\u0085b'],
    ['129 characters', 'a'.repeat(129)],
    ['one-dot leader pair', '\u2024\u2024'],
    ['two-dot leader', '\u2025'],
    ['fullwidth full stops', '\uff0e\uff0e'],
    ['fullwidth solidus', 'a\uff0fb'],
    ['division slash', 'a\u2215b'],
    ['fullwidth reverse solidus', 'a\uff3cb'],
    ['space', 'a b'],
    ['colon', 'c:x'],
    ['empty', ''],
    ['not a string', 42],
    ['null', null],
  ];
  for (const [what, id] of hostile) {
    it(`rejects ${what}`, () => {
      assert.equal(isValidId(id), false);
      assert.equal(typeof idProblem(id), 'string');
      assert.throws(
        () => assertValidId(id, 'audit'),
        (e) => e instanceof InvalidIdError && e.code === 'invalid_id' && typeof e.data.reason === 'string',
      );
    });
  }

  it("accepts the origin's own id formats and 128 characters", () => {
    for (const id of [
      'security_20260217_204500',
      'audit_l2_risks_20260217_204500',
      'run_20260217T204500Z_deploy_x7k2',
      'a'.repeat(128),
      'v1.2.3',
    ]) {
      assert.equal(idProblem(id), undefined, id);
    }
  });

  it('says what was wrong and names the id in the error', () => {
    try {
      assertValidId('../x', 'run');
      assert.fail('expected a throw');
    } catch (e) {
      assert.ok(e instanceof InvalidIdError);
      assert.equal(e.data.id, '../x');
      assert.match(e.data.reason, /only letters, digits/);
      assert.match(e.message, /run id "\.\.\/x"/);
    }
  });
});

describe('timeFromId', () => {
  it('reads the time of origin audit ids, origin run ids and our ids', () => {
    const iso = '2026-02-17T20:45:00.000Z';
    for (const id of [
      'security_20260217_204500',
      'audit_l2_risks_20260217_204500',
      'run_20260217T204500Z_deploy_x7k2',
      newAuditId('k8s', AT),
      newRunId('ci', AT),
    ]) {
      assert.equal(timeFromId(id)?.toISOString(), iso, id);
    }
  });

  it('gives undefined for ids without a time or with an impossible one', () => {
    assert.equal(timeFromId('notes'), undefined);
    assert.equal(timeFromId('security_20260230_204500'), undefined);
    assert.equal(timeFromId('security_20261317_204500'), undefined);
    assert.equal(timeFromId('security_20260217_246000'), undefined);
  });
});
