// The host client against the real Node host: paging the ledger history (`/api/ledger/entries`,
// what the host-mode audit log lists) and the event history (`/api/events/history`) asks with
// If-None-Match, and a 304 is answered from the copy it kept; a change gets a fresh 200.
import assert from 'node:assert/strict';
import { createHostClient, type HostClient } from '../../../src/core/host/host-client.js';
import { watchedFetch } from '../../helpers/watched-fetch.js';
import { startHost, type RunningHost } from './support/host-server.js';

describe('host client: ETag / 304 reuse against the real host', () => {
  let host: RunningHost;
  let client: HostClient;
  let last: ReturnType<typeof watchedFetch>['last'];

  beforeEach(async () => {
    host = await startHost();
    const watched = watchedFetch();
    last = watched.last;
    client = createHostClient({ baseUrl: host.baseUrl, events: false, fetch: watched.fetch });
  });
  afterEach(async () => {
    await client.close();
    await host.stop();
  });

  it('ledger entries: the same page again is a 304 served from the kept copy; a save makes it 200 with the new entry', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await client.staging.stage(`card${i}`, { i });
      assert.ok(r.staged);
      ids.push(r.snapshot.snapshot_id);
    }
    await client.staging.save(ids.slice(0, 2));
    const first = await client.ledger.list({ kind: 'audit', limit: 10 });
    assert.deepEqual(first.entries.map((e) => e.id).sort(), ids.slice(0, 2).sort());
    assert.deepEqual([last('/api/ledger/entries').ifNoneMatch, last('/api/ledger/entries').status], [null, 200]);

    const again = await client.ledger.list({ kind: 'audit', limit: 10 });
    const asked = last('/api/ledger/entries');
    assert.ok(asked.ifNoneMatch, 'the second request carries the ETag');
    assert.equal(asked.status, 304);
    assert.deepEqual(again, first);
    // The kept copy is not shared with the caller: changing what it got changes nothing kept.
    again.entries.length = 0;
    assert.deepEqual((await client.ledger.list({ kind: 'audit', limit: 10 })).entries.length, 2);
    assert.equal(last('/api/ledger/entries').status, 304);

    await client.staging.save([ids[2]!]);
    const after = await client.ledger.list({ kind: 'audit', limit: 10 });
    assert.equal(last('/api/ledger/entries').status, 200);
    assert.equal(after.entries.length, 3);
    assert.ok(after.entries.some((e) => e.id === ids[2]));
  });

  it('event history: pages newest first with a cursor; a page asked again is a 304 reused, a new event makes it 200', async () => {
    for (let i = 0; i < 5; i++) await client.staging.stage(`card${i}`, { i });
    const page = await client.history({ limit: 3 });
    assert.deepEqual(
      page.events.map((e) => e.type),
      ['audit:pending', 'audit:pending', 'audit:pending'],
    );
    const seqs = page.events.map((e) => e.seq!);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => b - a),
      'newest first',
    );
    assert.equal(last('/api/events/history').status, 200);
    assert.ok(page.cursor !== undefined);

    const older = await client.history({ before: page.cursor!, limit: 3 });
    assert.ok(older.events.every((e) => e.seq! < Math.min(...seqs)));
    assert.equal(older.events.length, 2);
    assert.equal(older.cursor, undefined, 'the oldest page has no cursor');

    const again = await client.history({ limit: 3 });
    assert.equal(last('/api/events/history').status, 304);
    assert.ok(last('/api/events/history').ifNoneMatch);
    assert.deepEqual(again, page);

    await client.staging.stage('card9', { new: true });
    const fresh = await client.history({ limit: 3 });
    assert.equal(last('/api/events/history').status, 200);
    assert.ok(fresh.events[0]!.seq! > seqs[0]!);
    assert.equal(
      (fresh.events[0]!.data as { card_key?: string } | undefined)?.card_key ?? fresh.events[0]!.key,
      'card9',
    );

    await assert.rejects(client.history({ limit: 0 }), (e: Error & { code?: string }) => e.code === 'validation');
  });
});
