// The behaviour every ReadIndex must have (memory, journal file, PostgreSQL): updates applied
// whole, rows replaced and removed by kind + id, long catch-ups in batches, and — compared with
// the reference `pageFrom` over the same rows — the same pages for every filter, page after page.
import assert from 'node:assert/strict';
import { normalizeQuery, pageFrom, sortNewestFirst } from '../../src/core/ledger/query.js';
import type { ReadIndex } from '../../src/core/ledger/git/read-index.js';
import type { EntryMeta, LedgerQuery } from '../../src/core/schemas/ledger.js';

export type ReadIndexFactory = () => Promise<ReadIndex>;

const HEAD = (n: number) => n.toString(16).padStart(40, '0');

/** A varied, reproducible set of rows: every filterable field, equal times, odd text. */
export function sampleMetas(count: number, seed = 1): EntryMeta[] {
  let x = seed;
  const rand = (n: number) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % n;
  };
  const cards = ['security', 'k8s', 'dns', 'api', 'Überwachung'];
  const out: EntryMeta[] = [];
  for (let i = 0; i < count; i++) {
    const kind = (['audit', 'run', 'action'] as const)[rand(3)]!;
    // Few distinct seconds, so many rows share a time and the id decides the order.
    const time = new Date(Date.UTC(2026, 0, 1 + rand(5), rand(3), 0, rand(4))).toISOString();
    const id = `${kind === 'audit' ? cards[rand(4)] : kind === 'run' ? 'run' : 'act'}_${time.replace(/\D/g, '').slice(0, 14)}_${i.toString(36).padStart(4, '0')}`;
    const meta: EntryMeta = {
      kind,
      id,
      time,
      status: ['ok', 'warn', 'error', 'failed'][rand(4)]!,
      summary: `Entry ${i} ${['checks PASSED', 'Deploy of api', '50% done', 'a_b'][rand(4)]}`,
    };
    if (rand(4)) meta.card_key = cards[rand(5)]!;
    if (rand(2)) meta.actor = ['alice', 'bob', 'ci'][rand(3)]!;
    if (kind === 'run') {
      meta.type = ['deploy', 'build'][rand(2)]!;
      meta.subtype = `${meta.type}:${['api', 'web'][rand(2)]}`;
      if (rand(2)) meta.repos = ['/src/api', '/src/web'].slice(0, 1 + rand(2));
      if (rand(2)) meta.event_types = ['step', 'log'].slice(0, 1 + rand(2));
      if (rand(2)) meta.artifacts = [`commit:${(0xabcdef12 + rand(3)).toString(16)}`, `pr:${rand(5)}`];
    }
    if (rand(3) === 0) meta.correlation_id = `req-${rand(3)}`;
    out.push(meta);
  }
  return out;
}

/** Queries covering every filter alone and a few together, with small pages. */
export const SAMPLE_QUERIES: LedgerQuery[] = [
  {},
  { limit: 7 },
  { kind: 'run', limit: 5 },
  { card: 'dns' },
  { card: 'Überwachung' },
  { status: 'warn', limit: 3 },
  { actor: 'ci' },
  { action: 'deploy' },
  { action: 'build:web' },
  { idPrefix: 'run_20260102' },
  { text: 'PASSED' },
  { text: '50%' },
  { text: 'a_b', limit: 4 },
  { artifact: 'pr' },
  { artifact: 'pr:3' },
  { artifact: 'commit:abcdef1' },
  { artifact: 'commit:ab' },
  { repo: '/src/web' },
  { event: 'log' },
  { correlation: 'req-1' },
  { since: '2026-01-02T00:00:00Z', until: '2026-01-04T01:00:00Z', limit: 6 },
  { kind: 'audit', card: 'k8s', status: 'ok' },
];

/** Every page of a query, following cursors. */
async function allPages(
  read: (q: LedgerQuery) => Promise<{ entries: EntryMeta[]; cursor?: string }>,
  q: LedgerQuery,
): Promise<string[][]> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  do {
    const page = await read({ ...q, ...(cursor && { cursor }) });
    pages.push(page.entries.map((e) => e.id));
    cursor = page.cursor;
  } while (cursor && pages.length < 500);
  return pages;
}

export function readIndexContract(name: string, factory: ReadIndexFactory): void {
  describe(`ReadIndex contract: ${name}`, () => {
    const opened: ReadIndex[] = [];
    const open = async () => {
      const i = await factory();
      opened.push(i);
      return i;
    };
    afterEach(async () => {
      for (const i of opened.splice(0)) await i.close?.();
    });

    it('starts empty, and answers pages identical to the reference for every filter, page after page', async () => {
      const index = await open();
      assert.equal(await index.head(), undefined);
      assert.deepEqual((await index.query(normalizeQuery({}))).entries, []);
      const metas = sampleMetas(400);
      await index.apply({ head: HEAD(1), put: metas, remove: [], reset: true, base: null });
      assert.equal(await index.head(), HEAD(1));
      const sorted = sortNewestFirst([...metas]);
      for (const q of SAMPLE_QUERIES) {
        const expected = await allPages(async (x) => pageFrom(sorted, normalizeQuery(x)), q);
        const actual = await allPages((x) => index.query(normalizeQuery(x)), q);
        assert.deepEqual(actual, expected, `pages of ${JSON.stringify(q)}`);
      }
      const one = metas[17]!;
      assert.deepEqual(await index.get({ kind: one.kind, id: one.id }), one);
      assert.equal(await index.get({ kind: one.kind === 'run' ? 'audit' : 'run', id: one.id }), undefined);
    });

    it('replaces a row with the same kind and id, removes rows, and moves its head with each update', async () => {
      const index = await open();
      const [a, b, c] = sampleMetas(3, 7);
      await index.apply({ head: HEAD(1), put: [a!, b!], remove: [], reset: true, base: null });
      const changed = { ...a!, status: 'changed', summary: 'now different' };
      await index.apply({ head: HEAD(2), put: [changed, c!], remove: [{ kind: b!.kind, id: b!.id }], base: HEAD(1) });
      assert.equal(await index.head(), HEAD(2));
      const ids = (await index.query(normalizeQuery({}))).entries;
      assert.deepEqual(ids.map((m) => m.id).sort(), [a!.id, c!.id].sort());
      assert.equal((await index.get({ kind: a!.kind, id: a!.id }))?.status, 'changed');
      assert.equal(await index.get({ kind: b!.kind, id: b!.id }), undefined);
      // A reset drops every row first.
      await index.apply({ head: HEAD(3), put: [b!], remove: [], reset: true, base: HEAD(2) });
      assert.deepEqual(
        (await index.query(normalizeQuery({}))).entries.map((m) => m.id),
        [b!.id],
      );
    });

    it('takes a catch-up in batches larger than any page: every row of every batch is listed once it completes', async () => {
      const index = await open();
      const metas = sampleMetas(5000, 3);
      const run = 'run-1';
      for (let i = 0; i < metas.length; i += 1200) {
        const last = i + 1200 >= metas.length;
        await index.apply({
          head: last ? HEAD(9) : undefined,
          put: metas.slice(i, i + 1200),
          remove: [],
          reset: i === 0,
          base: null,
          run,
          partial: !last,
        });
      }
      assert.equal(await index.head(), HEAD(9));
      const ids = (await allPages((q) => index.query(normalizeQuery(q)), { limit: 500 })).flat();
      assert.equal(ids.length, 5000);
      assert.equal(new Set(ids).size, 5000);
      assert.deepEqual(
        ids,
        sortNewestFirst([...metas]).map((m) => m.id),
      );
    });
  });
}
