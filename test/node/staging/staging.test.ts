import assert from 'node:assert/strict';
import { contentHash } from '../../../src/core/hash/index.js';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createMemoryStagingStore } from '../../../src/core/storage/memory.js';
import { lastSavedKey, STAGE_CHUNK } from '../../../src/core/staging/staging.js';
import type { StageResult } from '../../../src/core/staging/types.js';
import { rejection, rig } from './fixtures.js';

const AWS = 'AKIA' + 'IOSFODNN7EXAMPLE';
const AT = new Date('2026-03-04T05:06:07.891Z');

function staged(r: StageResult) {
  assert.equal(r.staged, true, `expected staged, got ${JSON.stringify(r)}`);
  return r as Extract<StageResult, { staged: true }>;
}

describe('staging: stage', () => {
  it('builds the snapshot with the origin fields and returns its metadata', async () => {
    const { staging } = rig();
    const r = staged(
      await staging.stage(
        'security',
        { issues: [1, 2, 3], score: 78, grade: 'B' },
        { duration_s: 1.23456, computed_at: AT },
      ),
    );
    const m = r.snapshot;
    assert.match(m.snapshot_id, /^security_20260304_050607_[a-z0-9]{4}$/);
    assert.equal(m.card_key, 'security');
    assert.equal(m.audit_type, 'devops');
    assert.equal(m.computed_at, AT.getTime() / 1000);
    assert.equal(m.iso, '2026-03-04T05:06:07.891Z');
    assert.equal(m.status, 'ok');
    assert.equal(m.duration_s, 1.235);
    assert.equal(m.summary, '3 issues · Score: 78 · (B)');
    assert.deepEqual(m.redacted, []);
    assert.equal(m.content_hash, await contentHash({ issues: [1, 2, 3], score: 78, grade: 'B' }));
    assert.equal('data' in m, false);
    assert.deepEqual(r.replaced, []);
    assert.deepEqual((await staging.get(m.snapshot_id)).data, { issues: [1, 2, 3], score: 78, grade: 'B' });
  });

  it('marks audit:* cards as project audits and puts the slug in the id', async () => {
    const { staging } = rig();
    const m = staged(await staging.stage('audit:l2:risks', { risks: [] }, { computed_at: AT })).snapshot;
    assert.equal(m.audit_type, 'project');
    assert.match(m.snapshot_id, /^audit_l2_risks_20260304_050607_[a-z0-9]{4}$/);
  });

  it('redacts data and summary before anything reaches the store, and records the rules that fired', async () => {
    const { staging, store } = rig();
    const m = staged(
      await staging.stage(
        'env',
        { vars: { AWS_KEY: AWS, DB_PASSWORD: 'hunter2' }, ok: true },
        { summary: `leaked ${AWS}` },
      ),
    ).snapshot;
    assert.deepEqual(m.redacted, ['aws_access_key', 'password']);
    assert.equal(m.summary, 'leaked [REDACTED:aws_access_key]');
    const stored = await store.getSnapshot(m.snapshot_id);
    assert.deepEqual(stored!.data, {
      vars: { AWS_KEY: '[REDACTED:aws_access_key]', DB_PASSWORD: '[REDACTED:password]' },
      ok: true,
    });
    const everything = JSON.stringify([stored, await store.listSnapshots()]);
    assert.ok(!everything.includes(AWS) && !everything.includes('hunter2'));
    assert.equal(m.content_hash, await contentHash(stored!.data));
  });

  it('works with a host redactor that has only redact() (hash over canonical JSON of its output)', async () => {
    const redactor = {
      rules: [],
      redact: <T>(v: T) => ({
        value: JSON.parse(JSON.stringify(v).replaceAll('secret-x', '[REDACTED:host]')) as T,
        fired: ['host'],
      }),
    };
    const { staging } = rig({ redactor });
    const m = staged(await staging.stage('env', { b: 'secret-x', a: 1 })).snapshot;
    assert.deepEqual(m.redacted, ['host']);
    assert.equal(m.content_hash, await contentHash({ a: 1, b: '[REDACTED:host]' }));
  });

  it("does not modify the caller's result object", async () => {
    const { staging } = rig();
    const result = { token: 'abc', nested: { list: [AWS] } };
    await staging.stage('env', result);
    assert.deepEqual(result, { token: 'abc', nested: { list: [AWS] } });
  });

  it('derives a summary from the result, or falls back to the card', async () => {
    const { staging } = rig({ policy: 'all' });
    const s = async (card: string, data: unknown) => staged(await staging.stage(card, data)).snapshot.summary;
    assert.equal(await s('quality', { summary: 'All good\n  really' }), 'All good really');
    assert.equal(await s('quality', { findings: [1], warnings: 2 }), '1 finding · 2 warnings');
    assert.equal(await s('k8s', { pods: 3 }), 'k8s scan');
    assert.equal(await s('k8s', ['a', 'b']), '2 items');
  });

  it('skips a scan whose status is not ok unless stageErrors is set', async () => {
    const { staging, store, events } = rig();
    assert.deepEqual(await staging.stage('ci', { x: 1 }, { status: 'error' }), {
      staged: false,
      reason: 'not_ok',
      card_key: 'ci',
    });
    assert.deepEqual(await staging.stage('ci', { error: 'boom' }), { staged: false, reason: 'not_ok', card_key: 'ci' });
    assert.equal((await store.listSnapshots()).length, 0);
    assert.equal(events.length, 0);
    const withErrors = rig({ stageErrors: true });
    const m = staged(await withErrors.staging.stage('ci', { error: 'boom' })).snapshot;
    assert.equal(m.status, 'error');
    assert.equal(m.summary, 'ci scan (error)');
  });

  it('refuses a snapshot over maxSnapshotBytes, naming the card and size, and stores nothing', async () => {
    const { staging, store } = rig({ maxSnapshotBytes: 2000 });
    const err = await rejection(staging.stage('docs', { text: 'x'.repeat(3000) }));
    assert.equal(err.code, 'too_large');
    assert.equal(err.data!.card_key, 'docs');
    assert.ok((err.data!.bytes as number) > 3000);
    assert.equal(err.data!.limit, 2000);
    assert.match(err.message, /"docs"/);
    assert.equal((await store.listSnapshots()).length, 0);
    staged(await staging.stage('docs', { text: 'x'.repeat(1000) }));
  });

  it('limits snapshots to 1 MiB of JSON by default', async () => {
    const { staging } = rig();
    assert.equal((await rejection(staging.stage('docs', { text: 'x'.repeat(1024 * 1024) }))).code, 'too_large');
    staged(await staging.stage('docs', { text: 'x'.repeat(1000 * 1000) }));
  });

  it('rejects bad input with ValidationError and stores nothing', async () => {
    const { staging, store } = rig();
    const bad: [string, unknown, object?][] = [
      ['', {}],
      ['security', { f: () => 1 }],
      ['security', { n: Number.NaN }],
      ['security', undefined],
      ['security', {}, { duration_s: -1 }],
      ['security', {}, { computed_at: new Date('nope') }],
      ['security', {}, { status: 7 }],
    ];
    for (const [card, data, opts] of bad) {
      const err = await rejection(staging.stage(card, data, opts as never));
      assert.equal(err.code, 'validation', `${card} ${String(data)} ${JSON.stringify(opts)}: ${err.message}`);
    }
    assert.equal((await store.listSnapshots()).length, 0);
  });

  it('emits audit:pending with the ids it replaced', async () => {
    const { staging, eventsNamed } = rig();
    const a = staged(await staging.stage('git', { n: 1 })).snapshot;
    const b = staged(await staging.stage('git', { n: 2 })).snapshot;
    assert.deepEqual(eventsNamed('audit:pending'), [
      { snapshot_id: a.snapshot_id, card_key: 'git', summary: a.summary, iso: a.iso, replaced: [] },
      { snapshot_id: b.snapshot_id, card_key: 'git', summary: b.summary, iso: b.iso, replaced: [a.snapshot_id] },
    ]);
  });
});

describe('staging: policy', () => {
  it('latest (default) keeps one pending snapshot per card, replacing the older in one store write', async () => {
    const { staging, store } = rig();
    const a = staged(await staging.stage('git', { n: 1 })).snapshot;
    const other = staged(await staging.stage('k8s', { n: 1 })).snapshot;
    store.writes.length = 0;
    const b = staged(await staging.stage('git', { n: 2 }));
    assert.deepEqual(b.replaced, [a.snapshot_id]);
    assert.deepEqual(store.writes, [{ put: [b.snapshot.snapshot_id], remove: [a.snapshot_id] }]);
    assert.deepEqual(
      (await staging.list()).map((m) => m.snapshot_id).sort(),
      [b.snapshot.snapshot_id, other.snapshot_id].sort(),
    );
  });

  it('latest holds under concurrent stages of the same card (even with a slow store)', async () => {
    const slow = createMemoryStagingStore();
    const write = slow.writeSnapshots.bind(slow);
    slow.writeSnapshots = async (change) => {
      await new Promise((r) => setTimeout(r, 5));
      return write(change);
    };
    const { staging } = rig({ store: slow });
    await Promise.all(Array.from({ length: 10 }, (_, i) => staging.stage('git', { n: i })));
    assert.equal((await staging.list({ card_key: 'git' })).length, 1);
  });

  it('all keeps every pending snapshot', async () => {
    const { staging } = rig({ policy: 'all' });
    await staging.stage('git', { n: 1 });
    const b = staged(await staging.stage('git', { n: 2 }));
    assert.deepEqual(b.replaced, []);
    assert.equal((await staging.list({ card_key: 'git' })).length, 2);
  });
});

describe('staging: skip-unchanged', () => {
  it('skips a scan identical to the last saved snapshot of the card, not to a pending one', async () => {
    const { staging } = rig();
    const first = staged(await staging.stage('dns', { records: 4 }));
    staged(await staging.stage('dns', { records: 4 }));
    const pendingId = (await staging.list())[0]!.snapshot_id;
    assert.notEqual(pendingId, first.snapshot.snapshot_id);
    await staging.save([pendingId]);
    assert.deepEqual(await staging.stage('dns', { records: 4 }), {
      staged: false,
      reason: 'unchanged',
      card_key: 'dns',
    });
    staged(await staging.stage('dns', { records: 5 }));
  });

  it('compares after redaction (a rotated secret alone is not a change)', async () => {
    const { staging } = rig();
    const m = staged(await staging.stage('env', { password: 'one' })).snapshot;
    await staging.save([m.snapshot_id]);
    assert.deepEqual(await staging.stage('env', { password: 'two' }), {
      staged: false,
      reason: 'unchanged',
      card_key: 'env',
    });
  });

  it("falls back to the ledger's newest audit of the card when the store has no record", async () => {
    const ledger = createMemoryLedger();
    const one = rig({ ledger });
    const m = staged(await one.staging.stage('dns', { records: 4 })).snapshot;
    await one.staging.save([m.snapshot_id]);
    const fresh = rig({ ledger, store: createMemoryStagingStore() });
    assert.equal(await fresh.store.getMeta(lastSavedKey('dns')), undefined);
    assert.deepEqual(await fresh.staging.stage('dns', { records: 4 }), {
      staged: false,
      reason: 'unchanged',
      card_key: 'dns',
    });
  });

  it('records the last saved hash per card in store meta on save', async () => {
    const { staging, store } = rig();
    const m = staged(await staging.stage('dns', { records: 4 })).snapshot;
    await staging.save([m.snapshot_id]);
    assert.deepEqual(await store.getMeta(lastSavedKey('dns')), {
      content_hash: m.content_hash,
      computed_at: m.computed_at,
      snapshot_id: m.snapshot_id,
    });
  });

  it('stages everything when skipUnchanged is false', async () => {
    const { staging } = rig({ skipUnchanged: false });
    const m = staged(await staging.stage('dns', { records: 4 })).snapshot;
    await staging.save([m.snapshot_id]);
    staged(await staging.stage('dns', { records: 4 }));
  });
});

describe('staging: list, get, counts', () => {
  it('lists metadata newest first, filtered by card or audit type', async () => {
    const { staging } = rig({ policy: 'all' });
    const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));
    await staging.stage('security', { a: 1 }, { computed_at: t(1) });
    await staging.stage('audit:scores', { a: 2 }, { computed_at: t(3) });
    await staging.stage('security', { a: 3 }, { computed_at: t(2) });
    const all = await staging.list();
    assert.deepEqual(
      all.map((m) => m.computed_at),
      [t(3), t(2), t(1)].map((d) => d.getTime() / 1000),
    );
    assert.ok(all.every((m) => !('data' in m)));
    assert.deepEqual(
      (await staging.list({ card_key: 'security' })).map((m) => m.card_key),
      ['security', 'security'],
    );
    assert.deepEqual(
      (await staging.list({ audit_type: 'project' })).map((m) => m.card_key),
      ['audit:scores'],
    );
    assert.equal((await rejection(staging.list({ audit_type: 'other' as never }))).code, 'validation');
  });

  it('get throws NotFoundError for a well-formed id that is not pending, InvalidIdError for a bad one', async () => {
    const { staging } = rig();
    const err = await rejection(staging.get('security_20260101_000000_zzzz'));
    assert.equal(err.code, 'not_found');
    assert.match(
      err.message,
      /Audit "security_20260101_000000_zzzz" is not pending \(it may have been saved or discarded in another tab\)/,
    );
    assert.equal((await rejection(staging.get('../etc/passwd'))).code, 'invalid_id');
  });

  it('counts pending snapshots per card', async () => {
    const { staging } = rig({ policy: 'all' });
    await staging.stage('security', { a: 1 });
    await staging.stage('security', { a: 2 });
    await staging.stage('k8s', { a: 3 });
    assert.deepEqual({ ...(await staging.counts()) }, { security: 2, k8s: 1 });
  });
});

describe('staging: save', () => {
  it('writes the selected snapshots to the ledger as one batch, then removes them from pending', async () => {
    const { staging, ledger, eventsNamed } = rig({ now: () => AT });
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    const b = staged(await staging.stage('k8s', { b: 2 })).snapshot;
    const res = await staging.save([a.snapshot_id, b.snapshot_id], { message: 'weekly review' });
    assert.deepEqual(res.saved, [a.snapshot_id, b.snapshot_id]);
    assert.equal(ledger.writes.length, 1);
    assert.equal(ledger.writes[0]!.message, 'weekly review');
    assert.equal(ledger.log().length, 1);
    assert.equal(res.commit, ledger.log()[0]!.id);
    const saved = await ledger.getAudit(a.snapshot_id);
    assert.deepEqual(saved!.data, { a: 1 });
    assert.equal(saved!.saved_at, AT.toISOString());
    assert.equal(saved!.saved_by, 'ana');
    assert.equal(saved!.content_hash, a.content_hash);
    assert.deepEqual(await staging.list(), []);
    assert.deepEqual(eventsNamed('audit:saved'), [
      {
        snapshot_id: a.snapshot_id,
        card_key: 'security',
        status: 'ok',
        summary: a.summary,
        iso: a.iso,
        commit: res.commit,
        actor: 'ana',
      },
      {
        snapshot_id: b.snapshot_id,
        card_key: 'k8s',
        status: 'ok',
        summary: b.summary,
        iso: b.iso,
        commit: res.commit,
        actor: 'ana',
      },
    ]);
  });

  it("saves every pending snapshot with the explicit word 'all', in one write, as the given actor", async () => {
    const { staging, ledger } = rig({ policy: 'all' });
    for (let i = 0; i < 5; i++) await staging.stage('security', { i });
    const res = await staging.save('all', { actor: 'bob' });
    assert.equal(res.saved.length, 5);
    assert.equal(ledger.writes.length, 1);
    assert.equal(ledger.writes[0]!.audits!.length, 5);
    assert.ok(ledger.writes[0]!.audits!.every((a) => a.saved_by === 'bob'));
    assert.deepEqual({ ...(await staging.counts()) }, {});
  });

  it('refuses an empty or implicit selection, and anything but an id list or "all"', async () => {
    const { staging, ledger } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    for (const sel of [[], undefined, null]) {
      assert.equal((await rejection(staging.save(sel as never))).code, 'empty_selection', String(sel));
      assert.equal((await rejection(staging.discard(sel as never))).code, 'empty_selection', String(sel));
    }
    for (const sel of ['everything', 'ALL', a.snapshot_id, 42, {}, true]) {
      assert.equal((await rejection(staging.save(sel as never))).code, 'validation', String(sel));
      assert.equal((await rejection(staging.discard(sel as never))).code, 'validation', String(sel));
    }
    for (const sel of [['../x'], [a.snapshot_id, 'a/b'], [7]]) {
      assert.equal((await rejection(staging.save(sel as never))).code, 'invalid_id', String(sel));
    }
    assert.equal(ledger.writes.length, 0);
    assert.equal((await staging.list()).length, 1);
  });

  it("refuses 'all' when nothing is pending", async () => {
    const { staging, ledger } = rig();
    assert.equal((await rejection(staging.save('all'))).code, 'empty_selection');
    assert.equal((await rejection(staging.discard('all'))).code, 'empty_selection');
    assert.equal(ledger.writes.length, 0);
  });

  it('saves nothing when any id is not pending, and names the unknown ids', async () => {
    const { staging, ledger } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    const err = await rejection(
      staging.save([a.snapshot_id, 'security_20260101_000000_gone', 'k8s_20260101_000000_gone']),
    );
    assert.equal(err.code, 'not_found');
    assert.match(err.message, /"security_20260101_000000_gone", "k8s_20260101_000000_gone"/);
    assert.equal(err.data!.id, 'security_20260101_000000_gone,k8s_20260101_000000_gone');
    assert.equal(ledger.writes.length, 0);
    assert.deepEqual(
      (await staging.list()).map((m) => m.snapshot_id),
      [a.snapshot_id],
    );
  });

  it('keeps every snapshot pending when the ledger write fails, and says which', async () => {
    const { staging, ledger, store, eventsNamed } = rig({ policy: 'all' });
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(staged(await staging.stage('security', { i })).snapshot.snapshot_id);
    const cause = new Error('remote hung up');
    ledger.failWith = cause;
    const err = await rejection(staging.save('all'));
    assert.equal(err.code, 'ledger_write_failed');
    assert.deepEqual([...(err.data!.ids as string[])].sort(), [...ids].sort());
    assert.equal(err.cause, cause);
    assert.equal((await staging.list()).length, 3);
    assert.deepEqual(eventsNamed('audit:saved'), []);
    assert.equal(await store.getMeta(lastSavedKey('security')), undefined);
    assert.equal(await ledger.head(), undefined);
    ledger.failWith = undefined;
    assert.equal((await staging.save(ids)).saved.length, 3);
    assert.deepEqual(await staging.list(), []);
  });

  it('writes an id once when two saves of it run at the same time', async () => {
    const { staging, ledger } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    const results = await Promise.allSettled([staging.save([a.snapshot_id]), staging.save([a.snapshot_id])]);
    assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    assert.equal(failed.reason.code, 'not_found');
    assert.equal(ledger.writes.length, 1);
    assert.equal(ledger.log().length, 1);
  });

  it('a save racing a stage of the same card keeps the new scan pending', async () => {
    const { staging } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    const [saved, next] = await Promise.all([staging.save([a.snapshot_id]), staging.stage('security', { a: 2 })]);
    assert.deepEqual(saved.saved, [a.snapshot_id]);
    assert.deepEqual(
      (await staging.list()).map((m) => m.snapshot_id),
      [staged(next).snapshot.snapshot_id],
    );
  });
});

describe('staging: discard', () => {
  it('removes the selected snapshots, records who discarded them and why in the ledger (no data), and emits audit:discarded', async () => {
    const { staging, ledger, eventsNamed } = rig({ policy: 'all', actor: () => 'dora' });
    const a = staged(await staging.stage('security', { secret_finding: 'kept nowhere' })).snapshot;
    const b = staged(await staging.stage('k8s', { b: 1 })).snapshot;
    const r = await staging.discard([a.snapshot_id], { reason: 'stale scan', correlation_id: 'req-42' });
    assert.deepEqual(r.discarded, [a.snapshot_id]);
    assert.match(r.action_id!, /^act_\d{8}T\d{6}Z_discard_/);
    assert.equal(r.commit, await ledger.head());
    assert.deepEqual(
      (await staging.list()).map((m) => m.snapshot_id),
      [b.snapshot_id],
    );
    assert.deepEqual(eventsNamed('audit:discarded'), [
      {
        snapshot_id: a.snapshot_id,
        card_key: 'security',
        actor: 'dora',
        action_id: r.action_id,
        commit: r.commit,
        reason: 'stale scan',
        correlation_id: 'req-42',
      },
    ]);
    const entry = (await ledger.getAction!(r.action_id!))!;
    assert.deepEqual(
      [entry.action, entry.actor, entry.reason, entry.correlation_id],
      ['discard', 'dora', 'stale scan', 'req-42'],
    );
    assert.deepEqual(entry.targets, [{ id: a.snapshot_id, card_key: 'security', content_hash: a.content_hash }]);
    assert.equal(JSON.stringify(entry).includes('kept nowhere'), false);
    const all = await staging.discard('all', { actor: 'erin' });
    assert.deepEqual(all.discarded, [b.snapshot_id]);
    assert.equal((await ledger.getAction!(all.action_id!))!.actor, 'erin');
    assert.deepEqual(
      (await ledger.list({ kind: 'action' })).entries.map((e) => e.id),
      [all.action_id, r.action_id],
    );
  });

  it('discards nothing when the ledger cannot record the discard', async () => {
    const { staging, ledger, eventsNamed } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    ledger.failWith = new Error('disk full');
    const err = await rejection(staging.discard([a.snapshot_id]));
    assert.equal(err.code, 'ledger_write_failed');
    assert.match(err.message, /Nothing was discarded/);
    assert.deepEqual(
      (await staging.list()).map((m) => m.snapshot_id),
      [a.snapshot_id],
    );
    assert.deepEqual(eventsNamed('audit:discarded'), []);
  });

  it('refuses options that are not text with a ValidationError naming the field, before touching the ledger', async () => {
    const { staging, eventsNamed } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    for (const [options, path] of [
      [{ actor: 42 }, 'actor'],
      [{ reason: 'x'.repeat(2001) }, 'reason'],
      [{ correlation_id: ['req'] }, 'correlation_id'],
      [null, '(root)'],
    ] as const) {
      const err = await rejection(staging.discard([a.snapshot_id], options as never));
      assert.equal(err.code, 'validation', `${path}: ${err.message}`);
      assert.match(err.message, new RegExp(`^Invalid discard options: ${path.replace(/[()]/g, '\\$&')}: `));
    }
    assert.equal((await staging.list()).length, 1);
    assert.deepEqual(eventsNamed('audit:discarded'), []);
    // null and '' still mean "no reason".
    const r = await staging.discard([a.snapshot_id], { reason: null as never, correlation_id: '' });
    assert.deepEqual(r.discarded, [a.snapshot_id]);
  });

  it('discards nothing when any id is not pending', async () => {
    const { staging } = rig();
    const a = staged(await staging.stage('security', { a: 1 })).snapshot;
    assert.equal(
      (await rejection(staging.discard([a.snapshot_id, 'security_20260101_000000_gone']))).code,
      'not_found',
    );
    assert.equal((await staging.list()).length, 1);
  });
});

describe('staging: stageMany', () => {
  it('stages a batch with one store write, with the results and events of sequential stage calls', async () => {
    const { staging, store, eventsNamed } = rig();
    const old = staged(await staging.stage('git', { n: 0 })).snapshot;
    store.writes.length = 0;
    const results = await staging.stageMany([
      { card_key: 'git', result: { n: 1 } },
      { card_key: 'k8s', result: { n: 1 } },
      { card_key: 'ci', result: { n: 1 }, options: { status: 'error' } },
      { card_key: 'git', result: { n: 2 } },
    ]);
    const [g1, k, ci, g2] = results;
    assert.deepEqual(staged(g1!).replaced, [old.snapshot_id]);
    assert.deepEqual(staged(k!).replaced, []);
    assert.deepEqual(ci, { staged: false, reason: 'not_ok', card_key: 'ci' });
    assert.deepEqual(staged(g2!).replaced, [staged(g1!).snapshot.snapshot_id]);
    assert.equal(store.writes.length, 1);
    assert.deepEqual(store.writes[0]!.remove, [old.snapshot_id]);
    assert.deepEqual(
      new Set(store.writes[0]!.put),
      new Set([staged(k!).snapshot.snapshot_id, staged(g2!).snapshot.snapshot_id]),
    );
    assert.deepEqual({ ...(await staging.counts()) }, { git: 1, k8s: 1 });
    assert.deepEqual(
      eventsNamed('audit:pending')
        .slice(1)
        .map((e) => e.replaced.length),
      [1, 0, 1],
    );
  });

  it('rejects a malformed batch before staging anything', async () => {
    const { staging, store } = rig();
    for (const bad of [undefined, 'x', [{ card_key: 'git', result: {} }, null]]) {
      assert.equal((await rejection(staging.stageMany(bad as never))).code, 'validation');
    }
    assert.deepEqual(await store.listSnapshots(), []);
  });

  it('stops at the first scan that fails, like sequential stage calls: those before it staged, none after', async () => {
    const { staging, store, eventsNamed } = rig({ policy: 'all', maxSnapshotBytes: 5000 });
    const failAt = STAGE_CHUNK + 150; // in the second chunk
    const items = Array.from({ length: STAGE_CHUNK * 2 }, (_, i) => ({
      card_key: 'git',
      result: { i, blob: i === failAt ? 'x'.repeat(6000) : 'y' },
    }));
    const err = await rejection(staging.stageMany(items));
    assert.equal(err.code, 'too_large');
    const stored = (await store.listSnapshots()).map((m) => m.summary);
    assert.equal(stored.length, failAt);
    assert.equal(eventsNamed('audit:pending').length, failAt);
    const staged = new Set((await staging.list()).map((m) => m.snapshot_id));
    assert.deepEqual(new Set(eventsNamed('audit:pending').map((e) => e.snapshot_id)), staged);
  });

  it('writes in chunks (far fewer transactions than scans) and announces only what the store accepted', async () => {
    const inner = createMemoryStagingStore();
    let calls = 0;
    const failing = {
      ...inner,
      async writeSnapshots(change: Parameters<typeof inner.writeSnapshots>[0]) {
        if (++calls === 2) throw new Error('disk went away');
        return inner.writeSnapshots(change);
      },
    };
    const { staging, eventsNamed } = rig({ policy: 'all', store: failing });
    const err = await rejection(
      staging.stageMany(Array.from({ length: STAGE_CHUNK * 2 + 10 }, (_, i) => ({ card_key: 'ci', result: { i } }))),
    );
    assert.equal(err.message, 'disk went away');
    assert.equal(calls, 2);
    const pending = await staging.list();
    assert.equal(pending.length, STAGE_CHUNK);
    assert.deepEqual(
      new Set(eventsNamed('audit:pending').map((e) => e.snapshot_id)),
      new Set(pending.map((m) => m.snapshot_id)),
    );
  });
});
