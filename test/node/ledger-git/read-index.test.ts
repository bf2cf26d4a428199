// The read index: caught up by tree diffs (only changed shards are read), rebuilt when missing or
// corrupt, never trusted over git.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withEntryHash } from '../../../src/core/hash/index.js';
import { auditPath, createFileReadIndex, createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';
import { commitFiles, fsckOk, gitRun } from './git-helpers.js';

/** node:fs counting object reads (files read whole + positional reads from packs). */
function countingFs() {
  let reads = 0;
  const real = fs.promises;
  const promises = new Proxy(real, {
    get(target, key: string) {
      type Method = (...args: unknown[]) => unknown;
      const v = (target as unknown as Record<string, Method>)[key]!;
      if (key === 'readFile')
        return async (...a: unknown[]) => {
          reads++;
          return v.apply(target, a);
        };
      if (key === 'open') {
        return async (...a: unknown[]) => {
          const fh = (await v.apply(target, a)) as object;
          return new Proxy(fh, {
            get(t, k) {
              const f = (t as Record<string | symbol, Method>)[k]!;
              if (k === 'read')
                return (...b: unknown[]) => {
                  reads++;
                  return f.apply(t, b);
                };
              return typeof f === 'function' ? f.bind(t) : f;
            },
          });
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const readSync = (...a: Parameters<typeof fs.readSync>) => {
    reads++;
    return fs.readSync(...a);
  };
  return {
    fs: { ...fs, promises, readSync },
    reads: () => reads,
    reset: () => {
      reads = 0;
    },
  };
}

describe('git ledger read index', () => {
  let dir: string;
  let gitdir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-index-'));
    gitdir = join(dir, '.git');
  });
  afterEach(() => {
    fsckOk(gitdir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches up with commits made by another writer by reading only the changed shards', async () => {
    const seed = await createGitLedger({ fs, dir });
    await seed.write({ audits: Array.from({ length: 400 }, () => makeAudit()) });
    const counting = countingFs();
    const ledger = await createGitLedger({ fs: counting.fs, dir });
    counting.reset();
    assert.equal((await ledger.list({ limit: 500 })).entries.length, 400);
    const rebuildReads = counting.reads();

    const extra = await withEntryHash(makeAudit({ card_key: 'dns' }) as Record<string, unknown>);
    commitFiles(
      gitdir,
      'scp-ledger',
      { [auditPath(extra.snapshot_id as string, 'sharded')]: `${JSON.stringify(extra, null, 2)}\n` },
      `audit: dns ${extra.snapshot_id}`,
    );
    counting.reset();
    const page = await ledger.list({ card: 'dns' });
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [extra.snapshot_id],
    );
    assert.ok(rebuildReads > 400, `a rebuild reads every entry (${rebuildReads})`);
    assert.ok(counting.reads() < 20, `catching up read ${counting.reads()} objects/files for one new entry`);
  });

  it('lists a write immediately, with the commit that added it, without re-reading git', async () => {
    const counting = countingFs();
    const ledger = await createGitLedger({ fs: counting.fs, dir });
    await ledger.write({ audits: [makeAudit()] });
    await ledger.list();
    const a = makeAudit({ card_key: 'k8s' });
    const { commit } = await ledger.write({ audits: [a] });
    counting.reset();
    const page = await ledger.list({ card: 'k8s' });
    assert.deepEqual(
      page.entries.map((e) => [e.id, e.commit]),
      [[a.snapshot_id, commit]],
    );
    assert.ok(counting.reads() <= 2, `list after our own write read ${counting.reads()} files (the ref only)`);
  });

  it('rebuilds a file index that is corrupt or truncated, and rewrites it', async () => {
    const path = join(gitdir, 'scp-ledger-index.jsonl');
    const first = await createGitLedger({ fs, dir, index: createFileReadIndex({ fs, path }) });
    const audits = [makeAudit(), makeAudit({ card_key: 'dns' })];
    await first.write({ audits });
    await first.list();
    for (const garbage of ['{"v":1,"head":"nope', 'not json at all\n', '']) {
      writeFileSync(path, garbage);
      const again = await createGitLedger({ fs, dir, index: createFileReadIndex({ fs, path }) });
      assert.deepEqual((await again.list()).entries.map((e) => e.id).sort(), audits.map((a) => a.snapshot_id).sort());
      const lines = readFileSync(path, 'utf8').trim().split('\n');
      assert.equal(JSON.parse(lines[lines.length - 1]!).head, await again.head());
    }
  });

  it('is never trusted over git: a branch moved back or an index from elsewhere are corrected', async () => {
    const path = join(gitdir, 'scp-ledger-index.jsonl');
    const ledger = await createGitLedger({ fs, dir, index: createFileReadIndex({ fs, path }) });
    const a = makeAudit();
    await ledger.write({ audits: [a] });
    const b = makeAudit({ card_key: 'k8s' });
    await ledger.write({ audits: [b] });
    assert.equal((await ledger.list()).entries.length, 2);
    gitRun(gitdir, ['update-ref', 'refs/heads/scp-ledger', 'scp-ledger~1']);
    const reopened = await createGitLedger({ fs, dir, index: createFileReadIndex({ fs, path }) });
    assert.deepEqual(
      (await reopened.list()).entries.map((e) => e.id),
      [a.snapshot_id],
    );
    // An index claiming a head this repository does not have (e.g. copied from another clone).
    writeFileSync(
      path,
      `${JSON.stringify({ v: 1, reset: true, from: null, head: 'f'.repeat(40), put: [{ kind: 'audit', id: 'ghost_20260101_000000_x', time: '2026-01-01T00:00:00Z', status: 'ok', summary: 'ghost' }], remove: [] })}\n`,
    );
    const third = await createGitLedger({ fs, dir, index: createFileReadIndex({ fs, path }) });
    assert.deepEqual(
      (await third.list()).entries.map((e) => e.id),
      [a.snapshot_id],
    );
  });
});

describe('git ledger: two writers on one repository without a shared lock (two processes)', () => {
  it('both land every batch through the ref compare-and-swap (rebuilt on the moved head); verify stays ok', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scp-cas-'));
    try {
      const a = await createGitLedger({ fs, dir });
      const b = await createGitLedger({ fs, dir });
      const landed: string[] = [];
      const conflicts: unknown[] = [];
      const loop = async (l: typeof a, card: string) => {
        for (let i = 0; i < 15; i++) {
          const au = makeAudit({ card_key: card });
          try {
            await l.write({ audits: [au] });
            landed.push(au.snapshot_id);
          } catch (e) {
            conflicts.push(e);
          }
        }
      };
      await Promise.all([loop(a, 'security'), loop(b, 'k8s')]);
      assert.deepEqual(conflicts, []);
      assert.equal(landed.length, 30);
      const listed = (await createGitLedger({ fs, dir }))
        .list({ limit: 100 })
        .then((p) => p.entries.map((e) => e.id).sort());
      assert.deepEqual(await listed, [...landed].sort());
      assert.equal((await a.verify()).ok, true);
      fsckOk(join(dir, '.git'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
