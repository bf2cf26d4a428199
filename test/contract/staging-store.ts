// The behaviour every StagingStore adapter must have. Runs in Node (memory) and in Chromium
// (memory and IndexedDB) through the mocha-style globals both runners provide.
import type { expect as Expect } from '@esm-bundle/chai';
// @ts-expect-error -- untyped path; the package's "main" is missing in Node, this file loads in both runners.
import { expect as untypedExpect } from '@esm-bundle/chai/esm/chai.js';
import type { AuditSnapshot } from '../../src/core/schemas/audit.js';
import type { LiveRun, StagingStore } from '../../src/core/storage/types.js';

const expect: typeof Expect = untypedExpect;

export type StoreFactory = () => StagingStore | Promise<StagingStore>;

let seq = 0;
export function makeSnapshot(over: Partial<AuditSnapshot> & Record<string, unknown> = {}): AuditSnapshot {
  seq += 1;
  const computed_at = over.computed_at ?? 1_790_000_000 + seq;
  return {
    snapshot_id: `security_20260101_000000_${String(seq).padStart(4, '0')}`,
    card_key: 'security',
    audit_type: 'devops',
    computed_at,
    iso: new Date(computed_at * 1000).toISOString(),
    status: 'ok',
    duration_s: 0.5,
    summary: `scan ${seq}`,
    content_hash: 'a'.repeat(64),
    redacted: [],
    data: { findings: [{ id: seq, title: 'open port' }], score: 78 },
    ...over,
  };
}

function makeRun(id: string, events = 0): LiveRun {
  return {
    run: {
      run_id: id,
      type: 'deploy',
      subtype: 'deploy:k8s',
      status: 'running',
      user: 'ana',
      code_ref: '',
      started_at: '2026-01-01T00:00:00.000Z',
      summary: 'deploying',
    },
    events: Array.from({ length: events }, (_, i) => ({ seq: i + 1, ts: '2026-01-01T00:00:01.000Z', type: 'step' })),
  };
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; name?: string }> {
  try {
    await p;
  } catch (e) {
    return e as { code?: string };
  }
  throw new Error('expected a rejection, the call succeeded');
}

export function stagingStoreContract(name: string, factory: StoreFactory): void {
  describe(`StagingStore contract: ${name}`, () => {
    let store: StagingStore;
    beforeEach(async () => {
      store = await factory();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns a stored snapshot by id with its data', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s] });
      expect(await store.getSnapshot(s.snapshot_id)).to.deep.equal(s);
    });

    it('returns undefined for an id that is not stored', async () => {
      expect(await store.getSnapshot('security_20260101_000000_none')).to.equal(undefined);
    });

    it('lists metadata without data, newest computed_at first', async () => {
      const a = makeSnapshot({ computed_at: 1_800_000_010 });
      const b = makeSnapshot({ computed_at: 1_800_000_030, card_key: 'k8s' });
      const c = makeSnapshot({ computed_at: 1_800_000_020 });
      await store.writeSnapshots({ put: [a, b, c] });
      const list = await store.listSnapshots();
      expect(list.map((m) => m.snapshot_id)).to.deep.equal([b.snapshot_id, c.snapshot_id, a.snapshot_id]);
      for (const m of list) expect(m).to.not.have.property('data');
      const { data: _d, ...metaB } = b;
      expect(list[0]).to.deep.equal(metaB);
    });

    it('keeps unknown extra fields of stored snapshots, in get and in list', async () => {
      const s = makeSnapshot({ host_field: { nested: [1, 2] }, schema_rev: 7 });
      await store.writeSnapshots({ put: [s] });
      const got = (await store.getSnapshot(s.snapshot_id)) as Record<string, unknown>;
      expect(got.host_field).to.deep.equal({ nested: [1, 2] });
      expect(got.schema_rev).to.equal(7);
      const [meta] = (await store.listSnapshots()) as Record<string, unknown>[];
      expect(meta!.host_field).to.deep.equal({ nested: [1, 2] });
      expect(meta!.schema_rev).to.equal(7);
    });

    it('removes and puts in one call (the replace-older-pending step)', async () => {
      const old = makeSnapshot();
      await store.writeSnapshots({ put: [old] });
      const fresh = makeSnapshot();
      await store.writeSnapshots({ put: [fresh], remove: [old.snapshot_id] });
      expect(await store.getSnapshot(old.snapshot_id)).to.equal(undefined);
      expect((await store.listSnapshots()).map((m) => m.snapshot_id)).to.deep.equal([fresh.snapshot_id]);
    });

    it('puts a snapshot whose id is also in remove (put wins)', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s], remove: [s.snapshot_id] });
      expect(await store.getSnapshot(s.snapshot_id)).to.deep.equal(s);
    });

    it('ignores removal of ids that are not stored', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s] });
      await store.writeSnapshots({ remove: ['nope_20260101_000000_zzzz'] });
      expect((await store.listSnapshots()).length).to.equal(1);
    });

    it('replaces a snapshot put again under the same id', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s] });
      await store.writeSnapshots({ put: [{ ...s, summary: 'second' }] });
      expect((await store.getSnapshot(s.snapshot_id))!.summary).to.equal('second');
      expect((await store.listSnapshots()).map((m) => m.summary)).to.deep.equal(['second']);
    });

    it('hands out copies: changing a returned or given object does not change the store', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s] });
      (s.data as { score: number }).score = -1;
      const got = await store.getSnapshot(s.snapshot_id);
      expect((got!.data as { score: number }).score).to.equal(78);
      (got!.data as { score: number }).score = -2;
      const [meta] = await store.listSnapshots();
      meta!.summary = 'changed';
      expect((await store.getSnapshot(s.snapshot_id))!.summary).to.not.equal('changed');
      expect(((await store.getSnapshot(s.snapshot_id))!.data as { score: number }).score).to.equal(78);
    });

    it('rejects a snapshot that cannot be stored and leaves everything as it was (all or nothing)', async () => {
      const keep = makeSnapshot();
      await store.writeSnapshots({ put: [keep] });
      const good = makeSnapshot();
      const bad = makeSnapshot({ data: { fn: () => 1 } });
      const err = await rejection(store.writeSnapshots({ put: [good, bad], remove: [keep.snapshot_id] }));
      expect(err.code).to.equal('validation');
      expect((await store.listSnapshots()).map((m) => m.snapshot_id)).to.deep.equal([keep.snapshot_id]);
    });

    it('lists 10,000 pending snapshots as metadata only', async () => {
      const many = Array.from({ length: 10_000 }, (_, i) =>
        makeSnapshot({ computed_at: 1_810_000_000 + i, data: { blob: 'x'.repeat(1000) } }),
      );
      await store.writeSnapshots({ put: many });
      const list = await store.listSnapshots();
      expect(list.length).to.equal(10_000);
      expect(list[0]!.snapshot_id).to.equal(many[9_999]!.snapshot_id);
      expect(list.some((m) => 'data' in m)).to.equal(false);
    });

    it('stores, lists, replaces and removes live runs', async () => {
      await store.putRun(makeRun('run_20260101T000000Z_deploy_aaaa'));
      await store.putRun(makeRun('run_20260101T000001Z_deploy_bbbb', 2));
      await store.putRun(makeRun('run_20260101T000000Z_deploy_aaaa', 3));
      expect((await store.getRun('run_20260101T000000Z_deploy_aaaa'))!.events.map((e) => e.seq)).to.deep.equal([
        1, 2, 3,
      ]);
      expect((await store.listRuns()).map((r) => r.run.run_id).sort()).to.deep.equal([
        'run_20260101T000000Z_deploy_aaaa',
        'run_20260101T000001Z_deploy_bbbb',
      ]);
      await store.removeRun('run_20260101T000000Z_deploy_aaaa');
      await store.removeRun('run_missing');
      expect(await store.getRun('run_20260101T000000Z_deploy_aaaa')).to.equal(undefined);
      expect((await store.listRuns()).length).to.equal(1);
    });

    it('keeps small meta values by key, overwriting on set', async () => {
      expect(await store.getMeta('last_saved:security')).to.equal(undefined);
      await store.setMeta('last_saved:security', { content_hash: 'b'.repeat(64), computed_at: 1 });
      await store.setMeta('n', 1);
      await store.setMeta('n', 2);
      expect(await store.getMeta('last_saved:security')).to.deep.equal({
        content_hash: 'b'.repeat(64),
        computed_at: 1,
      });
      expect(await store.getMeta('n')).to.equal(2);
    });

    it('keeps snapshots, runs and meta apart', async () => {
      const s = makeSnapshot();
      await store.writeSnapshots({ put: [s] });
      await store.setMeta(s.snapshot_id, 'meta');
      expect(await store.getRun(s.snapshot_id)).to.equal(undefined);
      expect(await store.getSnapshot(s.snapshot_id)).to.deep.equal(s);
      expect(await store.getMeta(s.snapshot_id)).to.equal('meta');
    });

    it('rejects calls after close with StorageClosedError', async () => {
      await store.close();
      expect((await rejection(store.listSnapshots())).code).to.equal('storage_closed');
      expect((await rejection(store.writeSnapshots({ put: [makeSnapshot()] }))).code).to.equal('storage_closed');
      expect((await rejection(store.getMeta('x'))).code).to.equal('storage_closed');
    });
  });
}
