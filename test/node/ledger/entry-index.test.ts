import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createEntryIndex } from '../../../src/core/ledger/entry-index.js';
import type { EntryMeta, LedgerQuery } from '../../../src/core/schemas/ledger.js';

// The index must give exactly what a plain filter + sort over every entry gives, for any query,
// across chunk boundaries (256 rows), cursors, time bounds and removals.
const SEED = 20260217;
const BASE = Date.UTC(2026, 0, 1);
const WORDS = ['tls', 'Cluster', 'api', 'drift', 'Vault', 'lint'];
const CARDS = ['security', 'k8s', 'dns', 'audit:l2:risks'];
const ACTORS = ['alice', 'bob', 'Carol'];

function entries(n: number, rnd: () => number): EntryMeta[] {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  return Array.from({ length: n }, (_, i) => {
    // Few distinct seconds, so many entries tie on time and fall back to the id order.
    const time = new Date(BASE + Math.floor(rnd() * 400) * 1000).toISOString();
    if (rnd() < 0.6) {
      const card = pick(CARDS);
      return {
        kind: 'audit',
        id: `${card.replace(/:/g, '_')}_${i.toString(36).padStart(4, '0')}`,
        time,
        status: pick(['ok', 'error']),
        summary: `${pick(WORDS)} ${pick(WORDS)}`,
        actor: pick(ACTORS),
        card_key: card,
      } satisfies EntryMeta;
    }
    const type = pick(['deploy', 'build']);
    return {
      kind: 'run',
      id: `run_${i.toString(36).padStart(4, '0')}_${type}`,
      time,
      status: pick(['ok', 'failed']),
      summary: pick(WORDS),
      actor: pick(ACTORS),
      type,
      subtype: `${type}:${pick(WORDS).toLowerCase()}`,
      target: pick(WORDS),
    } satisfies EntryMeta;
  });
}

function reference(all: EntryMeta[], q: LedgerQuery): string[] {
  const has = (s: string | undefined, needle: string) => (s ?? '').toLowerCase().includes(needle.toLowerCase());
  return all
    .filter((m) => q.kind === undefined || m.kind === q.kind)
    .filter((m) => q.status === undefined || m.status === q.status)
    .filter((m) => q.actor === undefined || m.actor === q.actor)
    .filter((m) => q.card === undefined || m.card_key === q.card)
    .filter((m) => q.action === undefined || m.type === q.action || m.subtype === q.action)
    .filter((m) => q.idPrefix === undefined || m.id.startsWith(q.idPrefix))
    .filter((m) => q.since === undefined || Date.parse(m.time) >= Date.parse(q.since))
    .filter((m) => q.until === undefined || Date.parse(m.time) < Date.parse(q.until))
    .filter((m) => !q.text || [m.id, m.card_key, m.summary, m.subtype, m.actor, m.target].some((f) => has(f, q.text!)))
    .sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || (a.id < b.id ? 1 : -1))
    .map((m) => m.id);
}

function pages(index: ReturnType<typeof createEntryIndex>, q: LedgerQuery): string[] {
  const out: string[] = [];
  let cursor: string | undefined;
  do {
    const page = index.list({ ...q, ...(cursor !== undefined && { cursor }) });
    out.push(...page.entries.map((e) => e.id));
    cursor = page.cursor;
  } while (cursor !== undefined);
  return out;
}

const queryArb = fc.record(
  {
    kind: fc.option(fc.constantFrom('audit' as const, 'run' as const), { nil: undefined }),
    status: fc.option(fc.constantFrom('ok', 'error', 'failed'), { nil: undefined }),
    actor: fc.option(fc.constantFrom(...ACTORS), { nil: undefined }),
    card: fc.option(fc.constantFrom(...CARDS), { nil: undefined }),
    action: fc.option(fc.constantFrom('deploy', 'build:tls', 'build'), { nil: undefined }),
    text: fc.option(fc.constantFrom('tls', 'CLUSTER', 'l2_r', 'alice', 'run_0', '00', 'zzz', 'Drift'), {
      nil: undefined,
    }),
    idPrefix: fc.option(fc.constantFrom('run_', 'run_00', 'security_', 'k8s_00', 'RUN_'), { nil: undefined }),
    since: fc.option(
      fc.integer({ min: 0, max: 400 }).map((s) => new Date(BASE + s * 1000).toISOString()),
      { nil: undefined },
    ),
    until: fc.option(
      fc.integer({ min: 0, max: 400 }).map((s) => new Date(BASE + s * 1000).toISOString()),
      { nil: undefined },
    ),
    limit: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
  },
  { requiredKeys: [] },
);

const strip = (q: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined)) as LedgerQuery;

describe('EntryIndex', () => {
  it(`lists exactly what filter + sort over every entry gives, page by page (fast-check seed ${SEED})`, () => {
    let state = SEED;
    const rnd = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const all = entries(1500, rnd);
    const index = createEntryIndex();
    // Added in several batches out of time order, as a ledger receives them.
    for (let i = 0; i < all.length; i += 400) index.add(all.slice(i, i + 400));
    assert.equal(index.size, 1500);
    // biome-ignore lint/nursery/noFloatingPromises: fc.assert of a synchronous property returns nothing
    fc.assert(
      fc.property(queryArb, (raw) => {
        const q = strip(raw);
        assert.deepEqual(pages(index, q), reference(all, q));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it(`stays exact while adds (newer, older, interleaved) and removals are mixed with queries (seed ${SEED})`, () => {
    let state = SEED + 2;
    const rnd = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const pool = entries(3000, rnd);
    const index = createEntryIndex();
    const live = new Map<string, EntryMeta>();
    const queries = fc.sample(queryArb, { seed: SEED, numRuns: 400 }).map(strip);
    let next = 0;
    let q = 0;
    for (let step = 0; step < 120; step++) {
      const r = rnd();
      if (r < 0.55 && next < pool.length) {
        // A batch: sometimes all newer than everything (the common write), sometimes spread out.
        const batch = pool.slice(next, next + 1 + Math.floor(rnd() * 60));
        next += batch.length;
        const shaped =
          rnd() < 0.5
            ? batch.map((m, i) => ({ ...m, time: new Date(BASE + 500_000 + step * 1000 + i).toISOString() }))
            : batch;
        index.add(shaped);
        for (const m of shaped) live.set(`${m.kind}:${m.id}`, m);
      } else if (r < 0.85 && live.size) {
        const victims = [...live.values()].filter(() => rnd() < 0.05).slice(0, 40);
        for (const m of victims) {
          assert.equal(index.remove(m.kind, m.id), true);
          live.delete(`${m.kind}:${m.id}`);
        }
      } else if (live.size) {
        const again = [...live.values()][Math.floor(rnd() * live.size)]!;
        const moved = {
          ...again,
          summary: `moved ${step}`,
          time: new Date(BASE + Math.floor(rnd() * 600) * 1000).toISOString(),
        };
        index.add([moved]);
        live.set(`${moved.kind}:${moved.id}`, moved);
      }
      // Rare needles (one entry's id) are what a stale chunk would hide.
      const values = [...live.values()];
      const some = values.length ? values[Math.floor(rnd() * values.length)]! : undefined;
      const rare: LedgerQuery[] = some
        ? [{ text: some.id.toUpperCase() }, { idPrefix: some.id }, { kind: some.kind, text: some.summary, limit: 3 }]
        : [];
      for (const query of [...rare, queries[q++ % queries.length]!, queries[q++ % queries.length]!]) {
        assert.deepEqual(
          pages(index, query),
          reference([...live.values()], query),
          `step ${step} query ${JSON.stringify(query)}`,
        );
      }
    }
    assert.equal(index.size, live.size);
  });

  it('forgets removed entries and replaces an entry added again under the same kind and id', () => {
    let state = SEED + 1;
    const rnd = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    const all = entries(900, rnd);
    const index = createEntryIndex();
    index.add(all);
    const removed = all.filter((_, i) => i % 3 === 0);
    for (const m of removed) assert.equal(index.remove(m.kind, m.id), true);
    assert.equal(index.remove(removed[0]!.kind, removed[0]!.id), false);
    const kept = all.filter((_, i) => i % 3 !== 0);
    const changed = { ...kept[5]!, summary: 'Replaced summary', time: new Date(BASE + 999_000).toISOString() };
    index.add([changed]);
    const now = kept.map((m) => (m.id === changed.id && m.kind === changed.kind ? changed : m));
    assert.equal(index.size, now.length);
    for (const q of [
      {},
      { text: 'tls' },
      { kind: 'run' as const, limit: 7 },
      { idPrefix: 'security_' },
      { text: 'replaced' },
    ]) {
      assert.deepEqual(pages(index, q), reference(now, q), JSON.stringify(q));
    }
    assert.equal(pages(index, {})[0], changed.id);
    assert.equal(index.get(changed.kind, changed.id)!.summary, 'Replaced summary');
    index.clear();
    assert.equal(index.size, 0);
    assert.deepEqual(index.list(), { entries: [] });
  });
});
