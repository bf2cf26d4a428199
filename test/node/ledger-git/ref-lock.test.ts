// The ref lock between writers that do not share memory (two ledgers on one repository behave as
// two processes: each has its own in-process queue). The interleavings are forced with an fs that
// pauses a writer at a chosen call, so they run the same way every time.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync, utimesSync, writeFileSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScpError } from '../../../src/core/errors/index.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeAudit } from '../../contract/ledger.js';
import { until } from '../../helpers/until.js';
import { fsckOk } from './git-helpers.js';

interface Rule {
  pred: (op: string, args: unknown[]) => boolean;
  fired: boolean;
  reached: Promise<void>;
  arrive: () => void;
  release: () => void;
  gate: Promise<void>;
}

/** node:fs whose promise calls can be held at chosen points; `calls` counts calls per predicate. */
function gatedFs() {
  const rules: Rule[] = [];
  const seen: { op: string; args: unknown[] }[] = [];
  const real = fs.promises as unknown as Record<string, unknown>;
  const promises = new Proxy(real, {
    get(target, key: string) {
      const v = target[key];
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        seen.push({ op: key, args });
        const rule = rules.find((r) => !r.fired && r.pred(key, args));
        if (rule) {
          rule.fired = true;
          rule.arrive();
          await rule.gate;
        }
        return (v as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    fs: { ...fs, promises },
    /** Hold the first future call matching `pred` until the returned release() is called. */
    holdAt(pred: Rule['pred']) {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => {
        arrive = r;
      });
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const rule: Rule = { pred, fired: false, reached, arrive, release, gate };
      rules.push(rule);
      return rule;
    },
    count: (pred: (op: string, args: unknown[]) => boolean) => seen.filter((c) => pred(c.op, c.args)).length,
  };
}

function settle<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: unknown } = { done: false };
  const settled = p.then(
    (v) => {
      s.done = true;
      s.value = v;
    },
    (e) => {
      s.done = true;
      s.error = e;
    },
  );
  return { state: s, settled };
}

describe('git ledger: the ref lock between writers in different processes', () => {
  let dir: string;
  let gitdir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-reflock-'));
    gitdir = join(dir, '.git');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('two writers clearing the same old lock: both writes land, neither is reported saved and lost', async () => {
    const first = await createGitLedger({ fs, dir });
    await first.write({ audits: [makeAudit({ card_key: 'seed' })] });
    const h0 = (await first.head())!;
    await first.close?.();

    const lock = join(gitdir, 'refs', 'heads', 'scp-ledger.lock');
    const refPath = join(gitdir, 'refs', 'heads', 'scp-ledger');
    const fa = gatedFs();
    const fb = gatedFs();
    const a = await createGitLedger({ fs: fa.fs, dir });
    const b = await createGitLedger({ fs: fb.fs, dir });
    // An old lock, as git itself leaves it when killed (its content the value it was writing).
    writeFileSync(lock, `${h0}\n`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);

    const touchesLock = (op: string, args: unknown[]) => (op === 'unlink' || op === 'rename') && args[0] === lock;
    const movesRef = (op: string, args: unknown[]) => op === 'rename' && args[1] === refPath;
    const createsLock = (op: string, args: unknown[]) =>
      ((op === 'link' || op === 'rename') && args[1] === lock) || (op === 'writeFile' && args[0] === lock);

    // A has judged the lock stale and is about to clear it...
    const aClears = fa.holdAt(touchesLock);
    const auditA = makeAudit({ card_key: 'writer-a' });
    const auditB = makeAudit({ card_key: 'writer-b' });
    const pa = settle(a.write({ audits: [auditA] }));
    await aClears.reached;
    // ...B clears it too, takes the lock and is about to move the ref...
    const bMoves = fb.holdAt(movesRef);
    const pb = settle(b.write({ audits: [auditB] }));
    await bMoves.reached;
    // ...A goes on until it moves the ref itself or has to wait for B's lock.
    const aMoves = fa.holdAt(movesRef);
    const attemptsBefore = fa.count(createsLock);
    aClears.release();
    await until(
      () => aMoves.fired || pa.state.done || fa.count(createsLock) >= attemptsBefore + 2,
      'writer A to move the ref or wait for the lock',
      10_000,
    );
    // B moves first: it lands, or (its lock having been cleared by A) it is refused and goes back
    // to waiting for the lock, which A holds until it moves the ref too.
    const looksAtLock = (_op: string, args: unknown[]) => args[0] === lock || args[1] === lock;
    const bLooks = fb.count(looksAtLock);
    bMoves.release();
    await until(
      () => pb.state.done || fb.count(looksAtLock) > bLooks,
      'writer B to land or wait for the lock again',
      10_000,
    );
    aMoves.release();
    await Promise.all([pa.settled, pb.settled]);

    for (const [name, p] of [
      ['A', pa],
      ['B', pb],
    ] as const) {
      if (p.state.error !== undefined)
        assert.ok(
          p.state.error instanceof ScpError,
          `writer ${name} failed with an untyped error: ${String(p.state.error)}`,
        );
    }
    const check = await createGitLedger({ fs, dir });
    for (const [name, p, audit] of [
      ['A', pa, auditA],
      ['B', pb, auditB],
    ] as const) {
      if (p.state.error === undefined)
        assert.ok(
          await check.getAudit(audit.snapshot_id),
          `writer ${name} was told its audit was saved, but the ledger does not hold it`,
        );
    }
    assert.equal(pa.state.error, undefined, `writer A: ${String(pa.state.error)}`);
    assert.equal(pb.state.error, undefined, `writer B: ${String(pb.state.error)}`);
    assert.equal(existsSync(lock), false, 'no lock is left behind');
    assert.equal((await check.verify()).ok, true);
    fsckOk(gitdir);
    await Promise.all([a.close?.(), b.close?.(), check.close?.()]);
  });

  it("an owner that stalls past the stale bound while moving the ref is taken over: its move fails and is retried, the take-over's write stays", async () => {
    const first = await createGitLedger({ fs, dir });
    await first.write({ audits: [makeAudit({ card_key: 'seed' })] });
    await first.close?.();

    const lock = join(gitdir, 'refs', 'heads', 'scp-ledger.lock');
    const refPath = join(gitdir, 'refs', 'heads', 'scp-ledger');
    const fa = gatedFs();
    const retriesA: { reason: string }[] = [];
    const a = await createGitLedger({ fs: fa.fs, dir, onRetry: (r) => retriesA.push(r) });
    const b = await createGitLedger({ fs, dir });
    const movesRef = (op: string, args: unknown[]) => op === 'rename' && args[1] === refPath;

    // A holds the lock, has found the ref where it expected it and is about to move it...
    const aMoves = fa.holdAt(movesRef);
    const auditA = makeAudit({ card_key: 'stalled-a' });
    const auditB = makeAudit({ card_key: 'taker-b' });
    const pa = settle(a.write({ audits: [auditA] }));
    await aMoves.reached;
    assert.equal(existsSync(lock), true, 'A holds the lock');
    // ...and stalls past the stale bound: its lock now looks abandoned.
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    // B takes the old lock over and saves.
    const pb = settle(b.write({ audits: [auditB] }));
    await pb.settled;
    assert.equal(pb.state.error, undefined, `writer B: ${String(pb.state.error)}`);
    // A wakes up and moves the ref.
    aMoves.release();
    await pa.settled;

    const check = await createGitLedger({ fs, dir });
    assert.ok(
      await check.getAudit(auditB.snapshot_id),
      'B was told its audit was saved, but the stalled owner A overwrote it',
    );
    if (pa.state.error !== undefined)
      assert.ok(pa.state.error instanceof ScpError, `writer A failed with an untyped error: ${String(pa.state.error)}`);
    else
      assert.ok(
        await check.getAudit(auditA.snapshot_id),
        'A was told its audit was saved, but the ledger does not hold it',
      );
    assert.equal(pa.state.error, undefined, `writer A: ${String(pa.state.error)}`);
    assert.ok(
      retriesA.some((r) => r.reason === 'locked'),
      `A's stalled move was refused as a lost lock and retried (${JSON.stringify(retriesA)})`,
    );
    assert.ok(fa.count(movesRef) >= 2, "A moved the ref again after rebuilding on B's commit");
    assert.equal(existsSync(lock), false, 'no lock is left behind');
    assert.equal((await check.verify()).ok, true);
    fsckOk(gitdir);
    await Promise.all([a.close?.(), b.close?.(), check.close?.()]);
  });

  it('a lock whose owner is alive is not taken over; once the owner is gone the next write takes it at once', async () => {
    const l = await createGitLedger({ fs, dir });
    await l.write({ audits: [makeAudit()] });
    const lock = join(gitdir, 'refs', 'heads', 'scp-ledger.lock');
    // A live owner: a child process that sleeps.
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    const host = (await import('node:os')).hostname();
    writeFileSync(
      lock,
      `${JSON.stringify({ scp_lock: 1, token: 'other', pid: child.pid, host, started: Date.now(), at: Date.now() })}\n`,
    );
    const pending = settle(l.write({ audits: [makeAudit({ card_key: 'waits' })] }));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(pending.state.done, false, 'the write waits while the owner lives');
    assert.equal(JSON.parse(readFileSync(lock, 'utf8')).token, 'other', 'the live owner keeps its lock');
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await pending.settled;
    assert.equal(pending.state.error, undefined, String(pending.state.error));
    assert.ok(Date.now() - killedAt < 1000, `the dead owner's lock blocked for ${Date.now() - killedAt} ms`);
    assert.equal(existsSync(lock), false);
    await l.close?.();
  });

  it('opening the ledger clears a lock left by a dead process and its temporary pack files', async () => {
    const l = await createGitLedger({ fs, dir });
    await l.write({ audits: [makeAudit()] });
    await l.close?.();
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const host = (await import('node:os'))
      .hostname()
      .replace(/[^A-Za-z0-9-]/g, '')
      .slice(0, 24);
    const lock = join(gitdir, 'refs', 'heads', 'scp-ledger.lock');
    writeFileSync(
      lock,
      `${JSON.stringify({ scp_lock: 1, token: 'dead', pid: dead, host: (await import('node:os')).hostname(), started: 1, at: Date.now() })}\n`,
    );
    const tmpPack = join(gitdir, 'objects', 'pack', `tmp-${host}.${dead}.abc123.pk`);
    const liveTmp = join(gitdir, 'objects', 'pack', `tmp-${host}.${process.pid}.def456.pk`);
    writeFileSync(tmpPack, 'half a pack');
    writeFileSync(liveTmp, 'a pack being written right now');
    const reopened = await createGitLedger({ fs, dir });
    assert.equal(existsSync(lock), false, "the dead writer's lock is gone on open");
    assert.equal(existsSync(tmpPack), false, "the dead writer's temporary pack is gone");
    assert.equal(existsSync(liveTmp), true, "a live writer's temporary pack is kept");
    rmSync(liveTmp);
    await reopened.write({ audits: [makeAudit({ card_key: 'after' })] });
    fsckOk(gitdir);
    await reopened.close?.();
  });

  it('saving an entry that already landed with the same bytes succeeds without a new commit', async () => {
    const l = await createGitLedger({ fs, dir });
    const audit = makeAudit();
    const first = await l.write({ audits: [audit] });
    const again = await l.write({ audits: [audit] });
    assert.equal(again.commit, first.commit);
    await assert.rejects(
      l.write({ audits: [{ ...audit, summary: 'different' }] }),
      (e: unknown) => e instanceof ScpError && e.code === 'conflict',
    );
    await l.close?.();
  });
});
