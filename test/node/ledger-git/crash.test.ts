// Kill during save: a fault-injecting fs fails the k-th write of a save, for every k. The ledger
// must verify afterwards, its head must be the old commit exactly when write() threw (so pending
// snapshots stay pending) and the new one otherwise, and the read index must agree with git.
import type { FsClient } from 'isomorphic-git';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScpError } from '../../../src/core/errors/index.js';
import { createFileReadIndex, createGitLedger } from '../../../src/core/ledger/git/index.js';
import { LOCK_STALE_MS } from '../../../src/core/ledger/git/ref-lock.js';
import { makeAudit, makeRun } from '../../contract/ledger.js';
import { fsckOk, lockOwnerFile } from './git-helpers.js';

const WRITES = new Set(['writeFile', 'appendFile', 'rename', 'mkdir', 'unlink', 'rm', 'rmdir', 'write', 'symlink']);

/** node:fs whose promise API fails at the `failAt`-th write; with `dead`, every later write fails too. */
function faultyFs(failAt: number, dead: boolean) {
  let n = 0;
  const real = fs.promises as unknown as Record<string, unknown>;
  const promises = new Proxy(real, {
    get(target, key: string) {
      const v = target[key];
      if (typeof v !== 'function') return v;
      if (!WRITES.has(key)) return (v as (...a: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        n++;
        if (n === failAt || (dead && n > failAt))
          throw Object.assign(new Error(`injected failure at write ${n} (${key})`), { code: 'EIO' });
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { fs: { ...fs, promises }, writes: () => n };
}

describe('git ledger: a save interrupted at every write step', () => {
  let template: string;
  const work: string[] = [];
  let oldHead: string;
  /** A pid that belonged to a process that has exited. */
  const deadPid = spawnSync(process.execPath, ['-e', '0']).pid!;

  before(async () => {
    template = mkdtempSync(join(tmpdir(), 'scp-crash-tpl-'));
    const l = await createGitLedger({
      fs,
      dir: template,
      index: createFileReadIndex({ fs, path: join(template, '.git', 'scp-ledger-index.jsonl') }),
    });
    await l.write({ audits: [makeAudit(), makeAudit({ card_key: 'k8s' })] });
    await l.list();
    oldHead = (await l.head())!;
  });
  after(() => {
    rmSync(template, { recursive: true, force: true });
    for (const d of work) rmSync(d, { recursive: true, force: true });
  });

  function copy(): string {
    const d = mkdtempSync(join(tmpdir(), 'scp-crash-'));
    cpSync(template, d, { recursive: true });
    work.push(d);
    return d;
  }
  const open = (dir: string, f: FsClient = fs) =>
    createGitLedger({
      fs: f,
      dir,
      index: createFileReadIndex({ fs: f, path: join(dir, '.git', 'scp-ledger-index.jsonl') }),
    });
  const batch = () => ({ audits: [makeAudit({ card_key: 'dns' }), makeAudit({ card_key: 'git' })], runs: [makeRun()] });

  async function countWrites(): Promise<number> {
    const d = copy();
    const counting = faultyFs(Number.POSITIVE_INFINITY, false);
    const l = await open(d, counting.fs);
    await l.list();
    const before = counting.writes();
    await l.write(batch());
    return counting.writes() - before;
  }

  for (const dead of [false, true]) {
    it(`${dead ? 'dies' : 'fails once'} at write k for every k: verifies, head is old iff write() threw, index agrees`, async () => {
      const total = await countWrites();
      assert.ok(total >= 5, `a save takes several writes (${total})`);
      const outcomes = { threw: 0, landed: 0, locksLeft: 0 };
      for (let k = 1; k <= total + 1; k++) {
        const d = copy();
        const faulty = faultyFs(Number.POSITIVE_INFINITY, false);
        const l = await open(d, faulty.fs);
        await l.list();
        const start = faulty.writes();
        // Re-arm: fail at the k-th write of the save itself.
        const armed = faultyFs(start + k, dead);
        const l2 = await open(d, armed.fs);
        await l2.list();
        const b = batch();
        let threw: unknown;
        try {
          await l2.write(b);
        } catch (e) {
          threw = e;
        }
        outcomes[threw === undefined ? 'landed' : 'threw']++;
        if (threw !== undefined) assert.ok(threw instanceof ScpError, `k=${k}: a typed error, got ${String(threw)}`);

        const after = await open(d);
        const head = await after.head();
        assert.equal(
          threw === undefined ? head !== oldHead : head === oldHead,
          true,
          `k=${k}: head ${head} vs old ${oldHead}, threw=${String(threw)}`,
        );
        const report = await after.verify();
        assert.equal(report.ok, true, `k=${k}: ${report.message}`);
        const listed = (await after.list({ limit: 100 })).entries.map((e) => e.id).sort();
        const expected = threw === undefined ? 5 : 2;
        assert.equal(listed.length, expected, `k=${k}: index lists what git holds`);
        fsckOk(join(d, '.git'));

        // The ledger keeps working: a ref lock left by a writer that died is cleared as soon as
        // the ledger is opened again (here the "dead" writer is this process: its lock is
        // rewritten to name a process that has exited).
        const lock = join(d, '.git', 'refs', 'heads', 'scp-ledger.lock');
        if (existsSync(lock)) {
          outcomes.locksLeft++;
          // A lock directory emptied by a release that failed at its last step is a released lock.
          const ownerFile = lockOwnerFile(lock);
          if (ownerFile) {
            const owner = JSON.parse(readFileSync(ownerFile, 'utf8'));
            assert.equal(owner.pid, process.pid, 'the lock names its owner');
            writeFileSync(ownerFile, `${JSON.stringify({ ...owner, pid: deadPid, ticks: undefined })}\n`);
          }
          const reopened = await open(d);
          const t0 = Date.now();
          await reopened.write(batch());
          // A lock whose owner is gone is cleared at once; one not seen as dead would hold the
          // write until it is LOCK_STALE_MS old. Half that bound tells the two apart under load.
          assert.ok(
            Date.now() - t0 < LOCK_STALE_MS / 2,
            `k=${k}: the dead writer's lock blocked the next write for ${Date.now() - t0} ms`,
          );
          assert.equal(existsSync(lock), false);
        }
        await after.write(batch());
        assert.equal((await after.verify()).ok, true);
      }
      assert.ok(outcomes.threw >= 4 && outcomes.landed >= 1, JSON.stringify(outcomes));
      if (dead) assert.ok(outcomes.locksLeft >= 1, 'a death between taking and releasing the ref lock was exercised');
    });
  }
});
