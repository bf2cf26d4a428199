// The behaviour every EventJournal must have (memory, JSONL files, PostgreSQL): gapless seqs in
// append order, reads and history pages, cursor checks, retention by count and by age, and
// subscribers told every event once, in order. Journals shared by several processes also run the
// `peer` cases: two handles on one journal appending at once.
import assert from 'node:assert/strict';
import type { EventJournal, RetentionOptions } from '../../src/core/host/node/event-journal.js';
import type { OriginEnvelope } from '../../src/core/host/envelope.js';
import { until } from '../helpers/until.js';

export interface JournalSetup {
  retention?: RetentionOptions;
  now?: () => number;
}
export interface JournalUnderTest {
  journal: EventJournal;
  /** Another handle on the same journal (another host instance), where the adapter is shared. */
  peer?: () => Promise<EventJournal>;
  /** The same journal opened again (a restart), where the adapter is durable. */
  reopen?: () => Promise<EventJournal>;
  close?: () => Promise<void>;
}
export type JournalFactory = (setup: JournalSetup) => Promise<JournalUnderTest>;

let n = 0;
export const envelope = (i = ++n): OriginEnvelope =>
  ({ v: 1, ts: 1_790_000_000 + i, type: 'audit:saved', key: `k${i}`, data: { i } }) as unknown as OriginEnvelope;
const seqs = (list: { seq: number }[]) => list.map((e) => e.seq);
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

export function journalContract(name: string, factory: JournalFactory): void {
  describe(`EventJournal contract: ${name}`, () => {
    const opened: JournalUnderTest[] = [];
    const open = async (setup: JournalSetup = {}) => {
      const u = await factory(setup);
      opened.push(u);
      return u;
    };
    afterEach(async () => {
      for (const u of opened.splice(0)) {
        await u.journal.close?.();
        await u.close?.();
      }
    });

    it('numbers events 1, 2, 3 ... in append order and reads them back in pages, with their frames', async () => {
      const { journal } = await open();
      assert.equal(journal.lastSeq, 0);
      for (let i = 1; i <= 30; i++) assert.equal((await journal.append(envelope())).seq, i);
      assert.equal(journal.lastSeq, 30);
      assert.deepEqual(seqs(await journal.read(0, 10)), range(1, 10));
      assert.deepEqual(seqs(await journal.read(25, 100)), range(26, 30));
      assert.deepEqual(await journal.read(30, 10), []);
      const [e] = await journal.read(6, 1);
      assert.equal(JSON.parse(e!.json).seq, 7);
      assert.equal(e!.type, 'audit:saved');
      assert.match(e!.frame, /^event: audit:saved\nid: 7\ndata: \{.*"seq":7\}\n\n$/);
    });

    it('gives history pages newest first, before a seq', async () => {
      const { journal } = await open();
      for (let i = 1; i <= 12; i++) await journal.append(envelope());
      assert.deepEqual(seqs(await journal.history(13, 5)), [12, 11, 10, 9, 8]);
      assert.deepEqual(seqs(await journal.history(3, 5)), [2, 1]);
      assert.deepEqual(await journal.history(1, 5), []);
    });

    it('checks cursors: known ones resume, future or malformed ones are unknown', async () => {
      const { journal } = await open();
      assert.deepEqual(await journal.check('0'), { ok: true, seq: 0 });
      for (let i = 1; i <= 3; i++) await journal.append(envelope());
      assert.deepEqual(await journal.check('2'), { ok: true, seq: 2 });
      assert.deepEqual(await journal.check('3'), { ok: true, seq: 3 });
      assert.deepEqual(await journal.check('4'), { ok: false, reason: 'cursor_unknown' });
      assert.deepEqual(await journal.check('x1'), { ok: false, reason: 'cursor_unknown' });
    });

    it('keeps seqs gapless and unique when appends overlap', async () => {
      const { journal } = await open();
      const got = await Promise.all(range(1, 40).map(() => journal.append(envelope())));
      assert.deepEqual(
        seqs(got).sort((a, b) => a - b),
        range(1, 40),
      );
      assert.deepEqual(seqs(await journal.read(0, 100)), range(1, 40));
    });

    it('tells every subscriber each new event once, in order', async () => {
      const { journal } = await open();
      const seen: number[] = [];
      const off = journal.subscribe((e) => seen.push(e.seq));
      for (let i = 1; i <= 20; i++) void journal.append(envelope());
      await until(() => seen.length >= 20, '20 events seen');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(seen, range(1, 20));
      off();
      await journal.append(envelope());
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(seen.length, 20, 'no event after unsubscribing');
    });

    it('drops the oldest events beyond maxEvents and expires cursors before them', async () => {
      const { journal } = await open({ retention: { maxEvents: 10 } });
      for (let i = 1; i <= 130; i++) await journal.append(envelope());
      const left = await journal.read(0, 1000);
      assert.ok(left[0]!.seq > 1, 'old events are gone');
      assert.ok(left.length >= 10, 'at least maxEvents remain');
      assert.deepEqual(seqs(left), range(left[0]!.seq, 130), 'what remains is contiguous');
      assert.deepEqual(await journal.check('1'), { ok: false, reason: 'cursor_expired' });
      assert.deepEqual(await journal.check('125'), { ok: true, seq: 125 });
    });

    it('drops events older than maxAgeMs', async () => {
      let clock = Date.now();
      const { journal } = await open({ retention: { maxEvents: 100_000, maxAgeMs: 3_600_000 }, now: () => clock });
      for (let i = 1; i <= 10; i++) await journal.append(envelope());
      clock += 2 * 3_600_000;
      for (let i = 1; i <= 70; i++) await journal.append(envelope());
      await until(async () => (await journal.check('1')).ok === false, 'the old cursor expires');
      assert.deepEqual(await journal.check('1'), { ok: false, reason: 'cursor_expired' });
      const left = await journal.read(0, 1000);
      assert.ok(left[0]!.seq > 10, `events of two hours ago are gone (first left: ${left[0]!.seq})`);
      assert.equal(left.at(-1)!.seq, 80);
    });

    it('keeps its id and seqs across a reopen (where durable)', async () => {
      const u = await open();
      if (!u.reopen) return;
      for (let i = 1; i <= 5; i++) await u.journal.append(envelope());
      const again = await u.reopen();
      try {
        assert.equal(again.instanceId, u.journal.instanceId);
        assert.equal(again.latest ? await again.latest() : again.lastSeq, 5);
        assert.equal((await again.append(envelope())).seq, 6);
        assert.deepEqual(seqs(await again.read(0, 10)), range(1, 6));
      } finally {
        await again.close?.();
      }
    });

    it('shares one gapless numbering and one id between instances appending at once (where shared)', async () => {
      const u = await open();
      if (!u.peer) return;
      const other = await u.peer();
      try {
        assert.equal(other.instanceId, u.journal.instanceId, 'one journal id for the deployment');
        const seenA: number[] = [];
        const seenB: number[] = [];
        u.journal.subscribe((e) => seenA.push(e.seq));
        other.subscribe((e) => seenB.push(e.seq));
        const got = await Promise.all(range(1, 60).map((i) => (i % 2 ? u.journal : other).append(envelope())));
        assert.deepEqual(
          seqs(got).sort((a, b) => a - b),
          range(1, 60),
        );
        await until(() => seenA.length >= 60 && seenB.length >= 60, 'both instances see all 60');
        assert.deepEqual(seenA, range(1, 60));
        assert.deepEqual(seenB, range(1, 60));
        assert.deepEqual(seqs(await other.read(0, 100)), range(1, 60));
      } finally {
        await other.close?.();
      }
    });
  });
}
