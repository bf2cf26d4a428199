import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEventJournal } from '../../../src/core/host/node/event-journal.js';

const env = (i: number) => ({ v: 1, ts: 1_790_000_000 + i, type: 'audit:saved', key: `k${i}`, data: { i } });

describe('event journal (JSONL segments on disk)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-journal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('rotates segments, keeps seqs across a reopen and replays old events from disk', () => {
    const a = createEventJournal({ dir, segmentEvents: 10, memoryEvents: 5, retention: { maxEvents: 1000 } });
    for (let i = 1; i <= 35; i++) assert.equal(a.append(env(i)).seq, i);
    assert.deepEqual(
      readdirSync(dir)
        .filter((f) => f.endsWith('.jsonl'))
        .sort(),
      ['seg-000000000001.jsonl', 'seg-000000000011.jsonl', 'seg-000000000021.jsonl', 'seg-000000000031.jsonl'],
    );
    const b = createEventJournal({ dir, segmentEvents: 10, memoryEvents: 5, retention: { maxEvents: 1000 } });
    assert.equal(b.instanceId, a.instanceId);
    assert.equal(b.lastSeq, 35);
    assert.equal(b.firstSeq, 1);
    // From disk (far behind the memory tail), across segment boundaries, in order.
    assert.deepEqual(
      b.read(3, 12).map((e) => e.seq),
      [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    );
    assert.equal(JSON.parse(b.read(8, 1)[0]!.json).key, 'k9');
    assert.match(b.read(8, 1)[0]!.frame, /^event: audit:saved\nid: 9\ndata: \{.*\}\n\n$/);
    assert.equal(b.append(env(36)).seq, 36);
    assert.deepEqual(
      b.history(37, 3).map((e) => e.seq),
      [36, 35, 34],
    );
  });

  it('drops whole old segments beyond maxEvents (when a segment starts) or maxAgeMs (on open) and expires cursors before them', () => {
    const j = createEventJournal({ dir, segmentEvents: 10, retention: { maxEvents: 15 } });
    for (let i = 1; i <= 40; i++) j.append(env(i));
    // Whole segments go when the next one starts: at least maxEvents stay replayable.
    assert.equal(j.firstSeq, 11);
    j.append(env(41));
    assert.equal(j.firstSeq, 21);
    assert.ok(j.lastSeq - j.firstSeq + 1 >= 15);
    assert.deepEqual(j.check('19'), { ok: false, reason: 'cursor_expired' });
    assert.deepEqual(j.check('20'), { ok: true, seq: 20 });
    // Age: the oldest segment's last write is a day old.
    const old = join(dir, 'seg-000000000021.jsonl');
    utimesSync(old, new Date(Date.now() - 86_400_000), new Date(Date.now() - 86_400_000));
    const k = createEventJournal({ dir, segmentEvents: 10, retention: { maxEvents: 1000, maxAgeMs: 3_600_000 } });
    assert.equal(k.firstSeq, 31);
  });

  it('cuts a torn last line (crash mid-append) on open and carries on from the last whole event', () => {
    const j = createEventJournal({ dir });
    for (let i = 1; i <= 3; i++) j.append(env(i));
    appendFileSync(join(dir, 'seg-000000000001.jsonl'), '{"v":1,"seq":4,"type":"audit:sa');
    const again = createEventJournal({ dir });
    assert.equal(again.lastSeq, 3);
    assert.equal(again.append(env(4)).seq, 4);
    assert.deepEqual(
      createEventJournal({ dir })
        .read(0, 10)
        .map((e) => e.seq),
      [1, 2, 3, 4],
    );
  });

  it('gives a new instance id to a new folder (seqs restarted)', () => {
    const a = createEventJournal({ dir });
    const other = mkdtempSync(join(tmpdir(), 'scp-journal-'));
    try {
      assert.notEqual(createEventJournal({ dir: other }).instanceId, a.instanceId);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
