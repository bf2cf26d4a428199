import assert from 'node:assert/strict';
import {
  auditMetaOf,
  compareMeta,
  decodeCursor,
  encodeCursor,
  entryMetaOf,
  matchesQuery,
  normalizeQuery,
  pageFrom,
  referencesArtifact,
  runMetaOf,
  sortNewestFirst,
} from '../../../src/core/ledger/query.js';
import type { EntryMeta } from '../../../src/core/schemas/ledger.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';

describe('ledger query helpers', () => {
  it('extracts audit metadata: time = iso, actor = saved_by, no data', () => {
    const a = makeAudit({
      card_key: 'k8s',
      iso: '2026-02-17T20:45:00.000Z',
      saved_by: 'bob',
      status: 'error',
      content_hash: 'ab',
    });
    assert.deepEqual(auditMetaOf(a, 'c1'), {
      kind: 'audit',
      id: a.snapshot_id,
      time: '2026-02-17T20:45:00.000Z',
      status: 'error',
      summary: a.summary,
      actor: 'bob',
      card_key: 'k8s',
      audit_type: 'devops',
      content_hash: 'ab',
      commit: 'c1',
    });
    assert.deepEqual(entryMetaOf(a), auditMetaOf(a));
  });

  it('extracts run metadata: time = started_at, actor = user, status, duration, target, reason, artifacts', () => {
    const r = makeRun({
      started_at: '2026-02-17T20:45:00.000Z',
      user: 'carol',
      status: 'partial',
      duration_ms: null,
      artifacts: [{ ref_type: 'tag', ref_value: 'v1', repo: '' }, { bogus: true }],
    });
    assert.deepEqual(runMetaOf(r), {
      kind: 'run',
      id: r.run.run_id,
      time: '2026-02-17T20:45:00.000Z',
      status: 'partial',
      summary: r.run.summary,
      actor: 'carol',
      type: 'deploy',
      subtype: 'deploy:k8s',
      target: 'cluster-a',
      reason: 'release 1.2',
      duration_ms: null,
      artifacts: ['tag:v1'],
      event_types: ['step'],
    });
    assert.deepEqual(entryMetaOf(r), runMetaOf(r));
  });

  it('applies the default limit of 50, clamps to 500 and rejects non-positive or fractional limits', () => {
    assert.equal(normalizeQuery(undefined).limit, 50);
    assert.equal(normalizeQuery({ limit: 501 }).limit, 500);
    assert.equal(normalizeQuery({ limit: 1 }).limit, 1);
    for (const limit of [0, -5, 1.5]) assert.throws(() => normalizeQuery({ limit }), { code: 'validation' });
    assert.throws(() => normalizeQuery({ since: 'last tuesday' }), { code: 'validation' });
    assert.throws(() => normalizeQuery({ kind: 'thread' } as never), { code: 'validation' });
  });

  it('round-trips cursors (ids with dots, negative times) and rejects anything else', () => {
    for (const key of [
      { t: 1_771_361_100_000, id: 'security_20260217_204500_k3x9' },
      { t: -5, id: 'a.b.c' },
      { t: 0, id: 'x' },
    ]) {
      assert.deepEqual(decodeCursor(encodeCursor(key)), key);
    }
    for (const bad of [
      '',
      'abc',
      encodeCursor({ t: 1, id: 'x' }).slice(0, -3) + '!!!',
      btoa('c2.1.x'),
      btoa('c1.NaN.x'),
      btoa('c1.5.'),
    ]) {
      assert.throws(() => decodeCursor(bad), { code: 'validation' }, bad);
    }
  });

  it('orders newest first by instant, then by id descending', () => {
    const m = (id: string, time: string) => ({ id, time });
    const sorted = sortNewestFirst([
      m('a', '2026-01-01T00:00:00Z'),
      m('c', '2026-01-01T00:00:00.000Z'),
      m('b', '2026-01-01T01:00:00+01:00'),
      m('z', '2026-01-02T00:00:00Z'),
    ]);
    assert.deepEqual(
      sorted.map((x) => x.id),
      ['z', 'c', 'b', 'a'],
    );
    assert.ok(compareMeta(m('z', '2026-01-02T00:00:00Z'), m('a', '2026-01-01T00:00:00Z')) < 0);
  });

  it('pages a plain newest-first array with the same cursor rules as the adapters', () => {
    const metas: EntryMeta[] = sortNewestFirst(
      Array.from(
        { length: 23 },
        (_, i) =>
          ({
            kind: i % 2 ? 'run' : 'audit',
            id: `e_${String(i).padStart(2, '0')}`,
            time: new Date(Date.UTC(2026, 0, 1) + (i % 7) * 1000).toISOString(),
            status: 'ok',
            summary: `n${i}`,
          }) satisfies EntryMeta,
      ),
    );
    const out: string[] = [];
    let cursor: string | undefined;
    do {
      const page = pageFrom(metas, normalizeQuery({ kind: 'audit', limit: 5, ...(cursor && { cursor }) }));
      out.push(...page.entries.map((e) => e.id));
      cursor = page.cursor;
    } while (cursor);
    assert.deepEqual(
      out,
      metas.filter((m) => m.kind === 'audit').map((m) => m.id),
    );
    assert.equal(matchesQuery(metas[0]!, { text: metas[0]!.summary.toUpperCase() }), true);
    assert.equal(matchesQuery(metas[0]!, { status: 'failed' }), false);
  });

  it('matches artifacts: commits by sha prefix of 4+ characters, other types exactly', () => {
    const keys = ['commit:abcdef123456', 'branch:main', 'file:a:b'];
    assert.equal(referencesArtifact(keys, 'commit:abcd'), true);
    assert.equal(referencesArtifact(keys, 'commit:abc'), false);
    assert.equal(referencesArtifact(keys, 'branch:main'), true);
    assert.equal(referencesArtifact(keys, 'branch:mai'), false);
    assert.equal(referencesArtifact(keys, 'file:a:b'), true);
    assert.equal(referencesArtifact(keys, 'main'), false);
    assert.equal(referencesArtifact(undefined, 'branch:main'), false);
  });
});
