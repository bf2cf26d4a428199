// The Ledger contract: every adapter (memory, git, ...) passes this suite, in Node and in Chromium.
// It uses only the global describe/it/beforeEach/afterEach and chai's expect so it runs under
// node:test (test/helpers/node-globals.mjs) and mocha alike.
// The package's `main` (chai.js) is not shipped, so Node cannot import '@esm-bundle/chai' by name;
// its ESM build works in both runners. Typed with the package's own declarations.
// @ts-expect-error -- esm/chai.js has no declaration file of its own
import { expect as chaiExpect } from '@esm-bundle/chai/esm/chai.js';
import type * as chai from 'chai';
import { ScpError } from '../../src/core/errors/index.js';
import { entryHash } from '../../src/core/hash/index.js';
import type { Ledger } from '../../src/core/ledger/types.js';
import type { SavedAudit } from '../../src/core/schemas/audit.js';
import type { EntryMeta, LedgerQuery } from '../../src/core/schemas/ledger.js';
import type { Run, RunEvent, RunRecord } from '../../src/core/schemas/run.js';

const expect: typeof chai.expect = chaiExpect;

export interface LedgerFixture {
  ledger: Ledger;
  cleanup?(): void | Promise<void>;
}

const BASE = Date.UTC(2026, 1, 17, 20, 0, 0);
let serial = 0;
const next = () => (++serial).toString(36).padStart(5, '0');
const isoAt = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

export function makeAudit(over: Partial<SavedAudit> & Record<string, unknown> = {}, atSeconds = serial): SavedAudit {
  const card = (over.card_key as string | undefined) ?? 'security';
  const slug = card.replace(/[:/]/g, '_');
  const iso = (over.iso as string | undefined) ?? isoAt(atSeconds);
  return {
    snapshot_id: `${slug}_20260217_200000_${next()}`,
    card_key: card,
    audit_type: card.startsWith('audit:') ? 'project' : 'devops',
    computed_at: Date.parse(iso) / 1000,
    iso,
    status: 'ok',
    duration_s: 1.234,
    summary: '3 issues · Score: 78 · (B)',
    data: {
      score: 78,
      findings: [{ rule: 'tls', severity: 'high', paths: ['a', 'b'] }],
      nested: { deep: { ok: true, n: null } },
    },
    saved_at: iso,
    saved_by: 'alice',
    ...over,
  };
}

export function makeRun(
  over: Partial<Run> & Record<string, unknown> = {},
  events?: RunEvent[],
  atSeconds = serial,
): RunRecord {
  const type = (over.type as string | undefined) ?? 'deploy';
  const started = (over.started_at as string | undefined) ?? isoAt(atSeconds);
  const run: Run = {
    run_id: `run_20260217T200000Z_${type}_${next()}`,
    type,
    subtype: `${type}:k8s`,
    status: 'ok',
    user: 'alice',
    code_ref: '0123456789abcdef0123456789abcdef01234567',
    started_at: started,
    ended_at: new Date(Date.parse(started) + 1500).toISOString(),
    duration_ms: 1500,
    summary: 'Deployed api to cluster-a',
    metadata: { replicas: 3, images: ['api:1.2'] },
    target: 'cluster-a',
    reason: 'release 1.2',
    ...over,
  };
  return {
    run,
    events: events ?? [
      {
        seq: 1,
        ts: started,
        type: 'step',
        adapter: 'kubectl',
        action_id: 'apply',
        target: 'deployment/api',
        status: 'ok',
        duration_ms: 800,
        detail: { lines: 12 },
      },
      { seq: 2, ts: started, type: 'step', status: 'ok', detail: {} },
    ],
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<ScpError> {
  let caught: unknown;
  try {
    await promise;
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected a rejection with code "${code}"`).to.be.instanceOf(ScpError);
  expect((caught as ScpError).code).to.equal(code);
  return caught as ScpError;
}

/** Every entry of a query, following cursors (and asserting the pages have no overlaps). */
async function listAll(ledger: Ledger, query: LedgerQuery = {}): Promise<EntryMeta[]> {
  const out: EntryMeta[] = [];
  let cursor: string | undefined;
  for (let guard = 0; guard < 1000; guard++) {
    const page = await ledger.list({ ...query, ...(cursor !== undefined && { cursor }) });
    out.push(...page.entries);
    if (page.cursor === undefined) return out;
    expect(page.entries.length, 'a page with a cursor is never empty').to.be.greaterThan(0);
    cursor = page.cursor;
  }
  throw new Error('pagination did not end after 1000 pages');
}

const ids = (entries: { id: string }[]) => entries.map((e) => e.id);

/** The newest-first order every adapter uses: later instant first, equal instants by id descending. */
function expectedOrder(entries: { id: string; time: string }[]): string[] {
  return [...entries]
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .map((e) => e.id);
}

const HOSTILE_IDS = [
  '../x',
  'a/b',
  '..',
  '%2e%2e',
  '.git',
  'a\u0000b',
  'x'.repeat(129),
  '',
  'a\u2024\u2024b',
  'a b',
  '-rf',
];

export function ledgerContract(name: string, factory: () => Promise<LedgerFixture>): void {
  describe(`Ledger contract: ${name}`, () => {
    let fixture: LedgerFixture;
    let ledger: Ledger;

    beforeEach(async () => {
      fixture = await factory();
      ledger = fixture.ledger;
    });
    afterEach(async () => {
      await fixture.cleanup?.();
    });

    describe('an empty ledger', () => {
      it('has no head, lists nothing and finds no entry', async () => {
        expect(await ledger.head()).to.equal(undefined);
        const page = await ledger.list();
        expect(page.entries).to.deep.equal([]);
        expect(page.cursor).to.equal(undefined);
        expect(await ledger.getAudit('security_20260217_200000_none')).to.equal(undefined);
        expect(await ledger.getRun('run_20260217T200000Z_deploy_none')).to.equal(undefined);
      });
    });

    describe('write', () => {
      it('writes a batch of audits and runs as one commit and returns its id and the ids in batch order', async () => {
        const a1 = makeAudit();
        const a2 = makeAudit({ card_key: 'k8s' });
        const r1 = makeRun();
        const result = await ledger.write({
          audits: [a1, a2],
          runs: [r1],
          actor: 'alice',
          message: 'save 2 audits and a run',
        });
        expect(result.commit).to.be.a('string').and.not.equal('');
        expect(result.ids).to.deep.equal([a1.snapshot_id, a2.snapshot_id, r1.run.run_id]);
        expect(await ledger.head()).to.equal(result.commit);
        const metas = await listAll(ledger);
        expect(metas).to.have.length(3);
        for (const m of metas) if (m.commit !== undefined) expect(m.commit).to.equal(result.commit);
      });

      it('moves the head on every write and every commit id is new', async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 4; i++) {
          const before = await ledger.head();
          const { commit } = await ledger.write({ audits: [makeAudit()] });
          expect(commit).to.not.equal(before);
          expect(await ledger.head()).to.equal(commit);
          expect(seen.has(commit)).to.equal(false);
          seen.add(commit);
        }
      });

      it('rejects an empty batch with a ValidationError and writes nothing', async () => {
        await rejectsWith(ledger.write({}), 'validation');
        await rejectsWith(ledger.write({ audits: [], runs: [] }), 'validation');
        expect(await ledger.head()).to.equal(undefined);
      });

      const failing: { title: string; code: string; bad: () => { audits?: SavedAudit[]; runs?: RunRecord[] } }[] = [
        {
          title: 'an audit id that fails the id grammar',
          code: 'invalid_id',
          bad: () => ({ audits: [makeAudit({ snapshot_id: '../../etc/passwd' })] }),
        },
        {
          title: 'a run id that fails the id grammar',
          code: 'invalid_id',
          bad: () => ({ runs: [makeRun({ run_id: 'run_x/../../y' })] }),
        },
        {
          title: 'an audit missing a required field',
          code: 'validation',
          bad: () => {
            const a = makeAudit() as Record<string, unknown>;
            delete a['card_key'];
            return { audits: [a as SavedAudit] };
          },
        },
        {
          title: 'an audit field of the wrong type',
          code: 'validation',
          bad: () => ({ audits: [makeAudit({ computed_at: 'yesterday' as unknown as number })] }),
        },
        {
          title: 'a run missing its user',
          code: 'validation',
          bad: () => {
            const r = makeRun();
            delete (r.run as Record<string, unknown>)['user'];
            return { runs: [r] };
          },
        },
        {
          title: 'a run that is still running',
          code: 'validation',
          bad: () => ({ runs: [makeRun({ status: 'running' })] }),
        },
        {
          title: 'an audit whose time is not a date',
          code: 'validation',
          bad: () => ({ audits: [makeAudit({ iso: 'not-a-date' })] }),
        },
      ];
      for (const f of failing) {
        it(`writes nothing when the batch holds ${f.title} (${f.code})`, async () => {
          const existing = makeAudit();
          await ledger.write({ audits: [existing] });
          const head = await ledger.head();
          const good = makeAudit({ card_key: 'quality' });
          const goodRun = makeRun();
          const bad = f.bad();
          await rejectsWith(
            ledger.write({ audits: [good, ...(bad.audits ?? [])], runs: [goodRun, ...(bad.runs ?? [])] }),
            f.code,
          );
          expect(await ledger.head()).to.equal(head);
          expect(await ledger.getAudit(good.snapshot_id)).to.equal(undefined);
          expect(await ledger.getRun(goodRun.run.run_id)).to.equal(undefined);
          expect(ids(await listAll(ledger))).to.deep.equal([existing.snapshot_id]);
        });
      }

      it('rejects a batch holding the same id twice with a ConflictError and writes nothing', async () => {
        const a = makeAudit();
        const other = makeAudit();
        await rejectsWith(ledger.write({ audits: [other, a, { ...a, summary: 'again' }] }), 'conflict');
        const r = makeRun();
        await rejectsWith(ledger.write({ runs: [r, r] }), 'conflict');
        expect(await ledger.head()).to.equal(undefined);
        expect(await ledger.getAudit(other.snapshot_id)).to.equal(undefined);
        expect((await ledger.list()).entries).to.deep.equal([]);
      });

      it('never overwrites: a batch with an id already in the ledger fails with a ConflictError and writes nothing', async () => {
        const a = makeAudit();
        const r = makeRun();
        await ledger.write({ audits: [a], runs: [r] });
        const head = await ledger.head();
        const fresh = makeAudit();
        const err = await rejectsWith(ledger.write({ audits: [fresh, { ...a, summary: 'rewritten' }] }), 'conflict');
        expect(JSON.stringify(err.data)).to.contain(a.snapshot_id);
        await rejectsWith(ledger.write({ runs: [{ ...r, run: { ...r.run, summary: 'rewritten' } }] }), 'conflict');
        expect(await ledger.head()).to.equal(head);
        expect(await ledger.getAudit(fresh.snapshot_id)).to.equal(undefined);
        expect((await ledger.getAudit(a.snapshot_id))!.summary).to.equal(a.summary);
        expect((await ledger.getRun(r.run.run_id))!.run.summary).to.equal(r.run.summary);
      });

      it('serializes concurrent writes: both land with distinct commits', async () => {
        const a = makeAudit();
        const b = makeAudit();
        const [ra, rb] = await Promise.all([ledger.write({ audits: [a] }), ledger.write({ audits: [b] })]);
        expect(ra.commit).to.not.equal(rb.commit);
        expect([ra.commit, rb.commit]).to.include(await ledger.head());
        expect(await ledger.getAudit(a.snapshot_id)).to.not.equal(undefined);
        expect(await ledger.getAudit(b.snapshot_id)).to.not.equal(undefined);
      });

      it('lets exactly one of two concurrent writes of the same id win; the other gets a ConflictError', async () => {
        const a = makeAudit();
        const results = await Promise.allSettled([
          ledger.write({ audits: [{ ...a, summary: 'first' }] }),
          ledger.write({ audits: [{ ...a, summary: 'second' }] }),
        ]);
        const won = results.filter((r) => r.status === 'fulfilled');
        const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        expect(won).to.have.length(1);
        expect(lost).to.have.length(1);
        expect((lost[0]!.reason as ScpError).code).to.equal('conflict');
        expect(await listAll(ledger)).to.have.length(1);
      });
    });

    describe('read by id', () => {
      it('returns exactly the audit that was written, unknown fields included, plus its sha256', async () => {
        const big = Array.from({ length: 300 }, (_, i) => ({ i, text: `line ${i} ✓ ünïcødé`, tags: ['x', 'y'] }));
        const a = makeAudit({
          x_host_field: { nested: [1, 2, { three: 3 }] },
          redacted: ['aws_key'],
          content_hash: 'ab'.repeat(32),
          data: { rows: big, empty: {}, zero: 0, f: 0.5 },
        });
        await ledger.write({ audits: [a] });
        const got = await ledger.getAudit(a.snapshot_id);
        expect(got).to.not.equal(undefined);
        expect(got!.sha256).to.match(/^[0-9a-f]{64}$/);
        expect(got).to.deep.equal({ ...a, sha256: got!.sha256 });
      });

      it('stores sha256 = entryHash(entry) and replaces a sha256 supplied by the writer', async () => {
        const a = makeAudit({ sha256: 'f'.repeat(64) });
        const r = makeRun({ sha256: '0'.repeat(64) });
        await ledger.write({ audits: [a], runs: [r] });
        const gotA = (await ledger.getAudit(a.snapshot_id))!;
        expect(gotA.sha256).to.equal(await entryHash(gotA));
        expect(gotA.sha256).to.not.equal('f'.repeat(64));
        const gotR = (await ledger.getRun(r.run.run_id))!;
        expect(gotR.run.sha256).to.equal(await entryHash(gotR.run));
        expect(gotR.run.sha256).to.not.equal('0'.repeat(64));
      });

      it('round-trips a run with its events, unknown fields included', async () => {
        const r = makeRun(
          { x_trace: 'trace-42', environment: 'prod', modules_affected: ['api', 'web'], correlation_id: 'req-1' },
          [
            { seq: 1, ts: isoAt(1), type: 'start', detail: { argv: ['--force'] } },
            { seq: 2, ts: isoAt(2), type: 'step', status: 'failed', duration_ms: 12, x_note: 'retried' },
            { seq: 5, ts: isoAt(3), type: 'end', status: 'ok' },
          ],
        );
        await ledger.write({ runs: [r] });
        const got = (await ledger.getRun(r.run.run_id))!;
        expect(got.events).to.deep.equal(r.events);
        // An adapter may also seal the events' hash into the run (the git ledger does).
        const { events_sha256: _events, ...run } = got.run;
        expect(run).to.deep.equal({ ...r.run, sha256: got.run.sha256 });
      });

      it('round-trips a run with no events and a null duration', async () => {
        const r = makeRun({ status: 'abandoned', ended_at: null, duration_ms: null }, []);
        await ledger.write({ runs: [r] });
        const got = (await ledger.getRun(r.run.run_id))!;
        expect(got.events).to.deep.equal([]);
        expect(got.run.duration_ms).to.equal(null);
        expect(got.run.status).to.equal('abandoned');
      });

      it('returns undefined for well-formed ids that are missing, and audits and runs are not mixed up', async () => {
        const a = makeAudit();
        const r = makeRun();
        await ledger.write({ audits: [a], runs: [r] });
        expect(await ledger.getAudit('security_20260217_200000_zzzz')).to.equal(undefined);
        expect(await ledger.getRun('run_20260217T200000Z_deploy_zzzz')).to.equal(undefined);
        expect(await ledger.getRun(a.snapshot_id)).to.equal(undefined);
        expect(await ledger.getAudit(r.run.run_id)).to.equal(undefined);
      });

      it('rejects hostile ids with InvalidIdError before reading anything', async () => {
        await ledger.write({ audits: [makeAudit()] });
        for (const id of HOSTILE_IDS) {
          await rejectsWith(ledger.getAudit(id), 'invalid_id');
          await rejectsWith(ledger.getRun(id), 'invalid_id');
        }
      });

      it('keeps what it stored independent of the objects passed in and handed out', async () => {
        const a = makeAudit();
        const r = makeRun();
        await ledger.write({ audits: [a], runs: [r] });
        (a.data as { score: number }).score = -1;
        a.summary = 'changed after write';
        r.events[0]!.type = 'changed';
        const got = (await ledger.getAudit(a.snapshot_id))!;
        expect((got.data as { score: number }).score).to.equal(78);
        (got.data as { score: number }).score = -2;
        got.summary = 'changed after read';
        const again = (await ledger.getAudit(a.snapshot_id))!;
        expect((again.data as { score: number }).score).to.equal(78);
        expect(again.summary).to.equal('3 issues · Score: 78 · (B)');
        expect((await ledger.getRun(r.run.run_id))!.events[0]!.type).to.equal('step');
        const meta = (await ledger.list()).entries[0]!;
        meta.summary = 'changed list entry';
        expect((await ledger.list()).entries[0]!.summary).to.not.equal('changed list entry');
      });
    });

    describe('list', () => {
      // A1..A3 audits, R1..R3 runs, oldest to newest.
      let A1: SavedAudit, A2: SavedAudit, A3: SavedAudit, R1: RunRecord, R2: RunRecord, R3: RunRecord;
      async function seed(): Promise<void> {
        A1 = makeAudit({ card_key: 'security', status: 'ok', saved_by: 'alice', summary: '3 issues · Score: 78' }, 10);
        A2 = makeAudit({ card_key: 'k8s', status: 'error', saved_by: 'bob', summary: 'Cluster unreachable' }, 20);
        A3 = makeAudit({ card_key: 'audit:l2:risks', status: 'ok', saved_by: 'alice', summary: '2 risks' }, 30);
        R1 = makeRun(
          {
            type: 'deploy',
            subtype: 'deploy:k8s',
            status: 'ok',
            user: 'alice',
            target: 'cluster-a',
            reason: 'release 1.2',
            summary: 'Deployed api',
          },
          undefined,
          40,
        );
        R2 = makeRun(
          {
            type: 'build',
            subtype: 'build:docker',
            status: 'failed',
            user: 'bob',
            target: 'api-image',
            reason: 'nightly',
            summary: 'Build failed',
            error: 'exit 2',
          },
          undefined,
          50,
        );
        R3 = makeRun(
          {
            type: 'deploy',
            subtype: 'deploy:terraform',
            status: 'partial',
            user: 'carol',
            target: 'dns',
            summary: '2 of 3 applied',
          },
          undefined,
          60,
        );
        // Written out of time order, in two batches: list order must not depend on write order.
        await ledger.write({ audits: [A3, A1], runs: [R2] });
        await ledger.write({ audits: [A2], runs: [R3, R1] });
      }
      const aid = (a: SavedAudit) => a.snapshot_id;
      const rid = (r: RunRecord) => r.run.run_id;

      it('lists newest first by time, whatever the write order', async () => {
        await seed();
        expect(ids((await ledger.list()).entries)).to.deep.equal([
          rid(R3),
          rid(R2),
          rid(R1),
          aid(A3),
          aid(A2),
          aid(A1),
        ]);
      });

      it('orders by the instant, not the text of the time, and equal instants by id descending', async () => {
        const t = '2026-03-01T10:00:00';
        const plain = makeAudit({ snapshot_id: 'security_20260301_100000_aaaa', iso: `${t}Z` });
        const sameInstantOtherForm = makeAudit({
          snapshot_id: 'security_20260301_100000_bbbb',
          iso: '2026-03-01T11:00:00+01:00',
        });
        const sameInstantMs = makeAudit({ snapshot_id: 'security_20260301_100000_cccc', iso: `${t}.000Z` });
        const half = makeAudit({ snapshot_id: 'security_20260301_100000_0000', iso: `${t}.500Z` });
        const run = makeRun({ run_id: 'run_20260301T100000Z_deploy_dddd', started_at: `${t}Z` });
        await ledger.write({ audits: [plain, half], runs: [run] });
        await ledger.write({ audits: [sameInstantMs, sameInstantOtherForm] });
        // Four entries at the same instant written in three notations, one 500 ms later.
        expect(ids(await listAll(ledger))).to.deep.equal([
          half.snapshot_id,
          'security_20260301_100000_cccc',
          'security_20260301_100000_bbbb',
          'security_20260301_100000_aaaa',
          run.run.run_id,
        ]);
      });

      it('describes audits and runs with EntryMeta fields (time, actor, status, card, run details)', async () => {
        await seed();
        const [audit] = (await ledger.list({ idPrefix: aid(A2) })).entries;
        expect(audit).to.include({
          kind: 'audit',
          id: aid(A2),
          time: A2.iso,
          status: 'error',
          summary: 'Cluster unreachable',
          actor: 'bob',
          card_key: 'k8s',
          audit_type: 'devops',
        });
        expect(audit).to.not.have.property('data');
        const [run] = (await ledger.list({ idPrefix: rid(R2) })).entries;
        expect(run).to.include({
          kind: 'run',
          id: rid(R2),
          time: R2.run.started_at,
          status: 'failed',
          summary: 'Build failed',
          actor: 'bob',
          type: 'build',
          subtype: 'build:docker',
          target: 'api-image',
          reason: 'nightly',
          duration_ms: 1500,
        });
        expect(run).to.not.have.property('events');
      });

      const filters: { title: string; q: () => LedgerQuery; want: () => string[] }[] = [
        { title: '{ kind: "audit" }', q: () => ({ kind: 'audit' }), want: () => [aid(A3), aid(A2), aid(A1)] },
        { title: '{ kind: "run" }', q: () => ({ kind: 'run' }), want: () => [rid(R3), rid(R2), rid(R1)] },
        { title: '{ card: "k8s" }', q: () => ({ card: 'k8s' }), want: () => [aid(A2)] },
        { title: '{ card: "audit:l2:risks" }', q: () => ({ card: 'audit:l2:risks' }), want: () => [aid(A3)] },
        { title: '{ status: "ok" }', q: () => ({ status: 'ok' }), want: () => [rid(R1), aid(A3), aid(A1)] },
        { title: '{ status: "failed" }', q: () => ({ status: 'failed' }), want: () => [rid(R2)] },
        { title: '{ actor: "alice" }', q: () => ({ actor: 'alice' }), want: () => [rid(R1), aid(A3), aid(A1)] },
        { title: '{ actor: "carol" }', q: () => ({ actor: 'carol' }), want: () => [rid(R3)] },
        { title: '{ action: "deploy" }', q: () => ({ action: 'deploy' }), want: () => [rid(R3), rid(R1)] },
        { title: '{ action: "deploy:k8s" }', q: () => ({ action: 'deploy:k8s' }), want: () => [rid(R1)] },
        { title: '{ action: "build:docker" }', q: () => ({ action: 'build:docker' }), want: () => [rid(R2)] },
        { title: '{ since: t30 }', q: () => ({ since: isoAt(30) }), want: () => [rid(R3), rid(R2), rid(R1), aid(A3)] },
        { title: '{ until: t30 }', q: () => ({ until: isoAt(30) }), want: () => [aid(A2), aid(A1)] },
        {
          title: '{ since: t20, until: t50 }',
          q: () => ({ since: isoAt(20), until: isoAt(50) }),
          want: () => [rid(R1), aid(A3), aid(A2)],
        },
        { title: '{ text: "CLUSTER" }', q: () => ({ text: 'CLUSTER' }), want: () => [rid(R1), aid(A2)] },
        { title: '{ text: "l2:risks" }', q: () => ({ text: 'l2:risks' }), want: () => [aid(A3)] },
        { title: '{ text: "terraform" }', q: () => ({ text: 'terraform' }), want: () => [rid(R3)] },
        { title: '{ text: "Bob" }', q: () => ({ text: 'Bob' }), want: () => [rid(R2), aid(A2)] },
        { title: '{ text: "api-IMAGE" }', q: () => ({ text: 'api-IMAGE' }), want: () => [rid(R2)] },
        { title: '{ text: <end of an audit id> }', q: () => ({ text: aid(A1).slice(-5) }), want: () => [aid(A1)] },
        { title: '{ idPrefix: "run_" }', q: () => ({ idPrefix: 'run_' }), want: () => [rid(R3), rid(R2), rid(R1)] },
        { title: '{ idPrefix: "k8s_" }', q: () => ({ idPrefix: 'k8s_' }), want: () => [aid(A2)] },
        { title: '{ idPrefix: "K8S_" }', q: () => ({ idPrefix: 'K8S_' }), want: () => [] },
        {
          title: '{ kind: "audit", status: "ok", actor: "alice", since: t15 }',
          q: () => ({ kind: 'audit', status: 'ok', actor: 'alice', since: isoAt(15) }),
          want: () => [aid(A3)],
        },
        {
          title: '{ kind: "run", action: "deploy", text: "dns" }',
          q: () => ({ kind: 'run', action: 'deploy', text: 'dns' }),
          want: () => [rid(R3)],
        },
        { title: '{ status: "nope" }', q: () => ({ status: 'nope' }), want: () => [] },
      ];
      for (const f of filters) {
        it(`filters ${f.title} (each page and the whole list)`, async () => {
          await seed();
          expect(ids(await listAll(ledger, { ...f.q(), limit: 2 }))).to.deep.equal(f.want());
          expect(ids((await ledger.list(f.q())).entries)).to.deep.equal(f.want());
        });
      }

      it('filters runs by an artifact they reference: commits by a sha prefix of 4+ characters, other types exactly', async () => {
        const sha = 'abc1234def5678abc1234def5678abc1234def56';
        const withArtifacts = makeRun(
          {
            artifacts: [
              { ref_type: 'commit', ref_value: sha, repo: '', summary: 'fix tls' },
              { ref_type: 'branch', ref_value: 'main', repo: '' },
              { ref_type: 'file', ref_value: 'src/a:b.ts', repo: '/srv/repo' },
            ],
          },
          undefined,
          5,
        );
        const other = makeRun({ artifacts: [{ ref_type: 'commit', ref_value: 'ffff0000', repo: '' }] }, undefined, 6);
        const plain = makeRun({}, undefined, 7);
        await ledger.write({ runs: [withArtifacts, other, plain], audits: [makeAudit({}, 8)] });
        const one = [withArtifacts.run.run_id];
        expect(ids(await listAll(ledger, { artifact: `commit:${sha}` }))).to.deep.equal(one);
        expect(ids(await listAll(ledger, { artifact: 'commit:abc1' }))).to.deep.equal(one);
        expect(ids(await listAll(ledger, { artifact: 'commit:abc' }))).to.deep.equal([]);
        expect(ids(await listAll(ledger, { artifact: 'commit:' }))).to.deep.equal([]);
        expect(ids(await listAll(ledger, { artifact: 'branch:main' }))).to.deep.equal(one);
        expect(ids(await listAll(ledger, { artifact: 'branch:mai' }))).to.deep.equal([]);
        expect(ids(await listAll(ledger, { artifact: 'file:src/a:b.ts' }))).to.deep.equal(one);
        expect(ids(await listAll(ledger, { artifact: 'tag:main' }))).to.deep.equal([]);
        expect(ids(await listAll(ledger, { artifact: 'commit:ffff' }))).to.deep.equal([other.run.run_id]);
        const [meta] = (await ledger.list({ idPrefix: withArtifacts.run.run_id })).entries;
        expect(meta!.artifacts).to.deep.equal([`commit:${sha}`, 'branch:main', 'file:src/a:b.ts']);
      });

      it('returns 50 entries by default, at most 500 per page, and rejects a limit that is not a positive integer', async () => {
        const audits = Array.from({ length: 510 }, (_, i) => makeAudit({}, 1000 + i));
        await ledger.write({ audits });
        const first = await ledger.list();
        expect(first.entries).to.have.length(50);
        expect(first.cursor).to.be.a('string');
        const big = await ledger.list({ limit: 10_000 });
        expect(big.entries).to.have.length(500);
        expect(big.cursor).to.be.a('string');
        const rest = await ledger.list({ limit: 500, cursor: big.cursor! });
        expect(rest.entries).to.have.length(10);
        expect(rest.cursor).to.equal(undefined);
        const exact = await ledger.list({ limit: 7 });
        expect(exact.entries).to.have.length(7);
        for (const limit of [0, -1, 2.5, Number.NaN]) await rejectsWith(ledger.list({ limit }), 'validation');
      });

      it('pages concatenate to the whole list with no duplicates or gaps, and the last page has no cursor', async () => {
        // 139 entries with several equal times (ties) across three batches.
        const batches = [0, 1, 2].map((b) => ({
          audits: Array.from({ length: 30 }, (_, i) =>
            makeAudit({ card_key: i % 2 ? 'k8s' : 'security' }, 500 + ((b * 30 + i) % 40)),
          ),
          runs: Array.from({ length: b === 2 ? 47 : 1 }, (_, i) => makeRun({}, undefined, 500 + (i % 25))),
        }));
        for (const batch of batches) await ledger.write(batch);
        const whole = (await ledger.list({ limit: 500 })).entries;
        expect(whole).to.have.length(139);
        expect(ids(whole)).to.deep.equal(expectedOrder(whole));
        for (const limit of [1, 10, 50, 138, 139]) {
          const paged = await listAll(ledger, { limit });
          expect(ids(paged), `limit ${limit}`).to.deep.equal(ids(whole));
        }
        const runsOnly = await listAll(ledger, { kind: 'run', limit: 7 });
        expect(ids(runsOnly)).to.deep.equal(ids(whole.filter((e) => e.kind === 'run')));
        expect(new Set(ids(runsOnly)).size).to.equal(49);
      });

      it('keeps paginating the same list when newer entries are written between pages', async () => {
        await ledger.write({ audits: Array.from({ length: 45 }, (_, i) => makeAudit({}, 100 + (i % 20))) });
        const before = (await ledger.list({ limit: 500 })).entries;
        const got: EntryMeta[] = [];
        let page = await ledger.list({ limit: 10 });
        got.push(...page.entries);
        let round = 0;
        while (page.cursor) {
          await ledger.write({
            audits: [makeAudit({}, 10_000 + round)],
            runs: [makeRun({}, undefined, 10_000 + round)],
          });
          round++;
          page = await ledger.list({ limit: 10, cursor: page.cursor });
          got.push(...page.entries);
        }
        expect(round).to.equal(4);
        expect(ids(got)).to.deep.equal(ids(before));
        expect((await ledger.list({ limit: 500 })).entries).to.have.length(45 + 2 * round);
      });

      it('rejects a cursor it did not issue with a ValidationError', async () => {
        await ledger.write({ audits: [makeAudit()] });
        for (const cursor of ['not a cursor', '!!!', 'eyJ4IjoxfQ'])
          await rejectsWith(ledger.list({ cursor }), 'validation');
      });

      it('rejects since/until that are not times with a ValidationError', async () => {
        await rejectsWith(ledger.list({ since: 'yesterday' }), 'validation');
        await rejectsWith(ledger.list({ until: '2026-13-45' }), 'validation');
      });
    });

    describe('deleteAudit', () => {
      it('removes an audit with its own commit: no longer readable or listed, the rest untouched', async () => {
        const a = makeAudit({}, 1);
        const b = makeAudit({}, 2);
        const r = makeRun({}, undefined, 3);
        await ledger.write({ audits: [a, b], runs: [r] });
        const head = await ledger.head();
        const result = await ledger.deleteAudit(a.snapshot_id, { actor: 'alice', reason: 'captured a secret' });
        expect(result.ids).to.deep.equal([a.snapshot_id]);
        expect(result.commit).to.not.equal(head);
        expect(await ledger.head()).to.equal(result.commit);
        expect(await ledger.getAudit(a.snapshot_id)).to.equal(undefined);
        expect(ids((await listAll(ledger)).filter((e) => e.kind !== 'action'))).to.deep.equal([
          r.run.run_id,
          b.snapshot_id,
        ]);
        expect(ids(await listAll(ledger, { kind: 'audit' }))).to.deep.equal([b.snapshot_id]);
        expect((await ledger.getAudit(b.snapshot_id))!.summary).to.equal(b.summary);
        expect(await ledger.getRun(r.run.run_id)).to.not.equal(undefined);
      });

      it('throws NotFoundError for an audit that is absent or already deleted, and for a run id', async () => {
        const a = makeAudit();
        const r = makeRun();
        await ledger.write({ audits: [a], runs: [r] });
        const why = { reason: 'wrong card' };
        await rejectsWith(ledger.deleteAudit('security_20260217_200000_zzzz', why), 'not_found');
        await rejectsWith(ledger.deleteAudit(r.run.run_id, why), 'not_found');
        await ledger.deleteAudit(a.snapshot_id, why);
        const head = await ledger.head();
        await rejectsWith(ledger.deleteAudit(a.snapshot_id, why), 'not_found');
        expect(await ledger.head()).to.equal(head);
      });

      it('rejects hostile ids with InvalidIdError and changes nothing', async () => {
        await ledger.write({ audits: [makeAudit()] });
        const head = await ledger.head();
        for (const id of HOSTILE_IDS) await rejectsWith(ledger.deleteAudit(id, { reason: 'x' }), 'invalid_id');
        expect(await ledger.head()).to.equal(head);
        expect(await listAll(ledger)).to.have.length(1);
      });

      it('records who deleted what and why as an action entry in the same commit; the audit data is not in it', async () => {
        const a = makeAudit({ content_hash: 'ab'.repeat(32) }, 1);
        await ledger.write({ audits: [a] });
        const result = await ledger.deleteAudit(a.snapshot_id, {
          actor: 'bob',
          reason: 'captured a secret',
          correlation_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        });
        expect(result.action_id).to.match(/^act_\d{8}T\d{6}Z_delete_/);
        const actions = await listAll(ledger, { kind: 'action' });
        expect(
          actions.map((e) => [
            e.id,
            e.status,
            e.type,
            e.actor,
            e.reason,
            e.target,
            e.card_key,
            e.commit ?? result.commit,
          ]),
        ).to.deep.equal([
          [
            result.action_id,
            'deleted',
            'audit:deleted',
            'bob',
            'captured a secret',
            a.snapshot_id,
            'security',
            result.commit,
          ],
        ]);
        const entry = (await ledger.getAction!(result.action_id!))!;
        expect(entry).to.include({
          action: 'delete',
          actor: 'bob',
          reason: 'captured a secret',
          correlation_id: '4bf92f3577b34da6a3ce929d0e0e4736',
        });
        expect(entry.targets).to.deep.equal([
          { id: a.snapshot_id, card_key: 'security', content_hash: 'ab'.repeat(32) },
        ]);
        expect(JSON.stringify(entry)).to.not.include('findings');
        expect(entry.sha256).to.equal(await entryHash(entry));
        expect(ids(await listAll(ledger, { correlation: '4bf92f3577b34da6a3ce929d0e0e4736' }))).to.deep.equal([
          result.action_id,
        ]);
        expect(ids(await listAll(ledger, { text: a.snapshot_id }))).to.deep.equal([result.action_id]);
      });

      it('refuses a delete without a reason (ValidationError) and changes nothing', async () => {
        const a = makeAudit();
        await ledger.write({ audits: [a] });
        const head = await ledger.head();
        for (const o of [undefined, {}, { reason: '' }, { reason: '   ' }])
          await rejectsWith(ledger.deleteAudit(a.snapshot_id, o), 'validation');
        expect(await ledger.head()).to.equal(head);
        expect(await ledger.getAudit(a.snapshot_id)).to.not.equal(undefined);
      });
    });

    describe('action entries', () => {
      const discard = (over: Record<string, unknown> = {}) => ({
        action_id: `act_20260217T200000Z_discard_${next()}`,
        action: 'discard' as const,
        at: isoAt(serial),
        actor: 'carol',
        targets: [
          { id: 'security_20260217_200000_aaaa', card_key: 'security', content_hash: 'cd'.repeat(32) },
          { id: 'k8s_20260217_200000_bbbb', card_key: 'k8s' },
        ],
        reason: 'stale scan',
        ...over,
      });

      it('stores a discard with audits and runs in one write, readable by id and listed newest first with its own kind', async () => {
        const d = discard({});
        const r = makeRun({}, undefined, 1);
        const w = await ledger.write({ runs: [r], actions: [d] });
        expect(w.ids).to.deep.equal([r.run.run_id, d.action_id]);
        const got = (await ledger.getAction!(d.action_id))!;
        expect(got).to.deep.include({ action: 'discard', actor: 'carol', reason: 'stale scan', targets: d.targets });
        expect(got.sha256).to.equal(await entryHash(got));
        const metas = await listAll(ledger, { kind: 'action' });
        expect(metas).to.have.length(1);
        expect(metas[0]).to.include({
          id: d.action_id,
          kind: 'action',
          status: 'discarded',
          type: 'audit:discarded',
          actor: 'carol',
          reason: 'stale scan',
        });
        expect(metas[0]!.target).to.equal('security_20260217_200000_aaaa, k8s_20260217_200000_bbbb');
        expect(ids(await listAll(ledger, { action: 'audit:discarded' }))).to.deep.equal([d.action_id]);
        expect(ids(await listAll(ledger, { actor: 'carol' }))).to.deep.equal([d.action_id]);
        expect(await ledger.getAction!('act_20260217T200000Z_discard_none')).to.equal(undefined);
      });

      it('refuses a malformed action (no targets, no actor, a delete without reason, a hostile target id) and writes nothing', async () => {
        for (const bad of [
          discard({ targets: [] }),
          discard({ actor: '' }),
          discard({ action: 'delete', reason: undefined }),
          discard({ targets: [{ id: '../x' }] }),
          discard({ action: 'rename' }),
        ]) {
          const err = await rejectsWith(
            ledger.write({ actions: [bad as never] }),
            bad.targets.some((t: { id: string }) => t.id === '../x') ? 'invalid_id' : 'validation',
          );
          expect(err.message).to.match(/action 0 of the batch|invalid/i);
        }
        expect(await ledger.head()).to.equal(undefined);
      });

      it('never overwrites an action entry', async () => {
        const d = discard();
        await ledger.write({ actions: [d] });
        await rejectsWith(ledger.write({ actions: [{ ...d, reason: 'changed afterwards' }] }), 'conflict');
        expect((await ledger.getAction!(d.action_id))!.reason).to.equal('stale scan');
      });
    });
  });
}
