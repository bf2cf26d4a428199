// Real processes on one real repository: CLI invocations writing at once, writers killed with
// SIGKILL (also while holding the ref lock), and a reader while another process merges packs.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { existsSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { makeRun } from '../../contract/ledger.js';
import { seededRandom } from '../../helpers/seeded-random.js';
import { tempRepo } from '../../helpers/temp-repo.js';
import { fsckOk } from './git-helpers.js';

const CLI = resolve('src/cli/main.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');
const PROC = resolve('test/node/ledger-git/support/ledger-process.ts');

function start(args: string[], cwd: string): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', TSX, ...args], { cwd, env: { ...process.env, CI: '' } });
}

/** Runs to completion; stdout, stderr and exit code. */
function finish(
  child: ChildProcessWithoutNullStreams,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout.on('data', (b) => {
    out += b;
  });
  child.stderr.on('data', (b) => {
    err += b;
  });
  return new Promise((r) => child.on('close', (code, signal) => r({ code, signal, out, err })));
}

/** Resolves with the first stdout line matching `re`. */
function lineMatching(child: ChildProcessWithoutNullStreams, re: RegExp): Promise<string> {
  return new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      if (re.test(l)) {
        rl.close?.();
        res(l);
      }
    });
    child.on('close', () => rej(new Error(`process ended before printing ${re}`)));
  });
}

const ids = (text: string) => [...text.matchAll(/@run:(run_[A-Za-z0-9_.-]+)/g)].map((m) => m[1]!);

describe('git ledger: many processes on one repository', () => {
  let repo: ReturnType<typeof tempRepo>;
  beforeEach(() => {
    repo = tempRepo('scp-procs-');
  });
  afterEach(() => repo.cleanup());

  async function present(runIds: string[]): Promise<string[]> {
    const l = await createGitLedger({ fs, dir: repo.dir });
    const missing: string[] = [];
    for (const id of runIds) if (!(await l.getRun(id))) missing.push(id);
    await l.close?.();
    return missing;
  }

  it('N CLI processes recording runs at once: every run is in the ledger, fsck --strict and verify pass', async () => {
    const WRITERS = 4;
    const EACH = 4;
    const recorded: string[] = [];
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < EACH; i++) {
          const r = await finish(start([CLI, 'run', '--no-repo-changes', '--', process.execPath, '-e', '0'], repo.dir));
          assert.equal(r.code, 0, r.err);
          const id = ids(r.err)[0];
          assert.ok(id, `the CLI printed the run it recorded: ${r.err}`);
          recorded.push(id);
        }
      }),
    );
    assert.equal(recorded.length, WRITERS * EACH);
    assert.deepEqual(await present(recorded), []);
    const commits = repo.git('rev-list', '--count', 'scp-ledger').trim();
    assert.equal(Number(commits), WRITERS * EACH + 1, 'one commit per run plus the init commit');
    fsckOk(join(repo.dir, '.git'));
    const v = await finish(start([CLI, 'verify'], repo.dir));
    assert.equal(v.code, 0, v.out + v.err);
    assert.match(v.out, new RegExp(`ledger ok: ${WRITERS * EACH + 1} commits`));
  });

  it('writers racing for a ref lock that keeps looking abandoned (another process sets its mtime a minute back every 0.2 ms): no write reported saved is lost, none fails, every one lands', async () => {
    const WRITERS = 6;
    const EACH = 16;
    const lock = join(repo.dir, '.git', 'refs', 'heads', 'scp-ledger.lock');
    // Every lock, held or not, looks older than the stale bound: take-overs of live owners happen
    // all the time, the case a stalled owner (or a slow disk, or a clock step) creates. Another
    // process sets its mtime a minute back about every 0.2 ms until told to stop.
    const stop = join(repo.dir, '.git', 'stop-ageing');
    const ager = finish(
      spawn(process.execPath, [
        '-e',
        `
      const fs = require('node:fs');
      const [lock, stop] = process.argv.slice(1);
      const pause = new Int32Array(new SharedArrayBuffer(4));
      let aged = 0;
      for (let i = 0; ; i++) {
        const old = new Date(Date.now() - 60000);
        try { fs.utimesSync(lock, old, old); aged++; } catch {}
        if (i % 256 === 0 && fs.existsSync(stop)) break;
        Atomics.wait(pause, 0, 0, 0.2);
      }
      process.stdout.write(String(aged));
    `,
        lock,
        stop,
      ]) as ChildProcessWithoutNullStreams,
    );
    const results = await Promise.all(
      Array.from({ length: WRITERS }, () => finish(start([PROC, 'write', repo.dir, String(EACH)], repo.dir))),
    );
    writeFileSync(stop, '');
    const aged = Number((await ager).out);
    const printed = results.flatMap((r) => ids(r.out));
    const failures = results.flatMap((r) =>
      r.out
        .split('\n')
        .filter((l) => l.startsWith('error '))
        .concat(r.code === 0 || r.out.includes('error ') ? [] : [`exit ${r.code}: ${r.err.slice(-300)}`]),
    );
    console.log(
      `writers ${WRITERS} x ${EACH}, lock aged ${aged} times, writes reported saved ${printed.length}, failed ${failures.length}`,
    );
    assert.ok(aged > 0, 'the lock was aged while held');
    assert.deepEqual(await present(printed), [], 'writes reported saved but not in the ledger');
    assert.deepEqual(failures, [], 'writes that failed');
    assert.equal(printed.length, WRITERS * EACH);
    assert.equal(
      Number(repo.git('rev-list', '--count', 'scp-ledger').trim()),
      WRITERS * EACH + 1,
      'one commit per run plus the init commit',
    );
    assert.equal(existsSync(lock), false, 'no lock is left behind');
    fsckOk(join(repo.dir, '.git'));
    const v = await finish(start([CLI, 'verify'], repo.dir));
    assert.equal(v.code, 0, v.out + v.err);
  });

  it('writers killed with SIGKILL at random points, one while holding the ref lock: every printed run is present and the next write is not blocked', async () => {
    const seed = Number(process.env.SCP_SEED ?? 1807);
    console.log(`seed ${seed}`);
    const rnd = seededRandom(seed);
    const printed: string[] = [];
    let kills = 0;
    const KILLS = 8;
    const WRITERS = 3;
    // Each slot runs a writer of many saves, killed after a random delay, then starts another.
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        while (kills < KILLS) {
          const child = start([PROC, 'write', repo.dir, '1000'], repo.dir);
          const done = finish(child);
          // Killed at a random point once it is saving (starting the process takes longer than a save).
          await lineMatching(child, /^@run:/).catch(() => undefined);
          await new Promise((r) => setTimeout(r, rnd() * 800));
          child.kill('SIGKILL');
          kills++;
          const r = await done;
          printed.push(...ids(r.out));
        }
      }),
    );
    // One killed while it holds the ref lock. The next writer opened its ledger before the kill
    // (so recovery on open does not help): its save must take the dead writer's lock over at once.
    const l = await createGitLedger({ fs, dir: repo.dir });
    // Two saves: a pack merge the first one may start runs before the second, not in the timing below.
    await l.write({ runs: [makeRun({ type: 'warm' })] });
    await l.write({ runs: [makeRun({ type: 'warm' })] });
    const holder = start([PROC, 'hold', repo.dir], repo.dir);
    const held = finish(holder);
    await lineMatching(holder, /^holding$/);
    const lock = join(repo.dir, '.git', 'refs', 'heads', 'scp-ledger.lock');
    assert.equal(existsSync(lock), true);
    holder.kill('SIGKILL');
    await held;
    kills++;
    let t0 = performance.now();
    await l.write({ runs: [makeRun({ type: 'after-kill' })] });
    const afterKillMs = performance.now() - t0;
    // The same save with no lock in the way, measured right after on this (loaded) machine.
    t0 = performance.now();
    await l.write({ runs: [makeRun({ type: 'baseline' })] });
    const baselineMs = performance.now() - t0;
    const blockedMs = Math.max(0, afterKillMs - baselineMs);
    console.log(
      `writers ${WRITERS}, kills ${kills}, runs printed ${printed.length}; save after the lock holder was killed ${afterKillMs.toFixed(0)} ms, unlocked save ${baselineMs.toFixed(0)} ms: the dead lock blocked ~${blockedMs.toFixed(0)} ms`,
    );
    assert.equal(existsSync(lock), false);
    assert.ok(blockedMs < 1000, `the killed writer's lock blocked the next write for ${blockedMs} ms`);
    await l.close?.();
    assert.ok(printed.length >= WRITERS, `writers landed runs before being killed (${printed.length})`);
    assert.deepEqual(await present(printed), [], 'lost runs');
    fsckOk(join(repo.dir, '.git'));
    const v = await finish(start([CLI, 'verify'], repo.dir));
    assert.equal(v.code, 0, v.out + v.err);
  });

  it('a reader process keeps reading while another process (git repack -a -d) merges the packs it knows', async () => {
    const l = await createGitLedger({ fs, dir: repo.dir });
    const written: string[] = [];
    for (let i = 0; i < 31; i++) {
      const r = makeRun({ type: 'pack' });
      await l.write({ runs: [r] });
      written.push(r.run.run_id);
    }
    const packs = () => fs.readdirSync(join(repo.dir, '.git', 'objects', 'pack')).filter((n) => n.endsWith('.pack'));
    const before = packs();
    const reader = start([PROC, 'read', repo.dir], repo.dir);
    const result = finish(reader);
    const lines = createInterface({ input: reader.stdout });
    const answers: string[] = [];
    let wake: (() => void) | undefined;
    let exited = false;
    let stderr = '';
    reader.stderr.on('data', (b) => {
      stderr += b;
    });
    lines.on('line', (line) => {
      answers.push(line);
      wake?.();
    });
    reader.on('close', () => {
      exited = true;
      wake?.();
    });
    const answer = async (n: number) => {
      while (answers.length < n) {
        if (exited)
          assert.fail(`the reader died after answering ${JSON.stringify(answers.slice(-3))}: ${stderr.slice(-600)}`);
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    };
    await answer(1);
    assert.equal(answers[0], 'ready');
    reader.stdin.write(`${written[0]}\n`); // the reader now knows the 31 packs
    await answer(2);
    // Another process merges every pack into one and deletes the ones the reader listed, while
    // the branch stays where it was (so the reader has no reason to look at the directory again).
    repo.git('repack', '-a', '-d', '-q');
    const after = packs();
    assert.ok(
      before.some((p) => !after.includes(p)),
      'the merge removed packs the reader had listed',
    );
    // The reader's idle timer closes the pack files it had open (an open file outlives its
    // deletion); from here it must open packs that are gone.
    reader.stdin.write('idle\n');
    await answer(3);
    for (const id of written) reader.stdin.write(`${id}\n`);
    reader.stdin.write('idle\n');
    await answer(3 + written.length + 1);
    reader.stdin.end();
    const r = await result;
    assert.equal(r.code, 0, `the reader died: ${r.err}`);
    const got = answers.slice(3, 3 + written.length);
    assert.deepEqual(
      got,
      written.map((id) => `ok ${id}`),
    );
    assert.equal(answers.at(-1), 'idle', 'the idle timer closed its handles without an unhandled rejection');
    await l.close?.();
  });
});
