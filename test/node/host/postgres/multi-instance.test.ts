// Three host instances (separate processes, `scp-ledger serve --postgres --remote`) on one
// database and one git remote: 20 writers spread across them, SSE clients moved from instance to
// instance mid-stream with Last-Event-ID, and one instance killed with -9 and restarted under load.
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { it as test } from 'node:test';
import pg from 'pg';
import { createSseParser } from '../../../../src/core/host/sse-parser.js';
import { createGitLedger } from '../../../../src/core/ledger/git/index.js';
import { startGitServer, type GitServer } from '../../../helpers/git-server.mjs';
import { createTestDatabase } from '../../../helpers/postgres.mjs';
import { until } from '../../../helpers/until.js';

const exec = promisify(execFile);
const ROOT = new URL('../../../../', import.meta.url).pathname;
const WRITERS = 20;
const SAVES_PER_WRITER = 2;
const CLIENTS = 6;

interface Instance {
  n: number;
  proc: ChildProcess;
  url: string;
}

function startInstance(n: number, db: string, remote: string, dir: string): Promise<Instance> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli/main.ts',
        'serve',
        '--postgres',
        db,
        '--remote',
        remote,
        '--dir',
        dir,
        '--port',
        '0',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    proc.stderr!.on('data', (d) => {
      err += d;
    });
    proc.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (http:\S+)/.exec(out);
      if (m) resolve({ n, proc, url: m[1]! });
    });
    proc.once('exit', (code) => reject(new Error(`instance ${n} exited (${code}) before listening: ${err}`)));
  });
}

/** An SSE client that follows the stream from seq 1 and can be moved to another instance. */
class Follower {
  seqs: number[] = [];
  types: string[] = [];
  resets = 0;
  moves = 0;
  private abort?: AbortController;
  private stopped = false;
  constructor(private readonly pick: () => string) {}

  async run(): Promise<void> {
    while (!this.stopped) {
      const abort = new AbortController();
      this.abort = abort;
      try {
        const res = await fetch(`${this.pick()}events`, {
          headers: { 'last-event-id': String(this.seqs.at(-1) ?? 0) },
          signal: abort.signal,
        });
        if (!res.ok || !res.body) throw new Error(`status ${res.status}`);
        const parser = createSseParser({
          onMessage: (m) => {
            if (m.type === 'reset') this.resets++;
            if (!m.hasId || m.type === 'reset') return;
            this.seqs.push(Number(m.id));
            this.types.push(m.type);
          },
        });
        const dec = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>)
          parser.push(dec.decode(chunk, { stream: true }));
      } catch {
        /* moved, or the instance went away: connect again (elsewhere) */
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, 20));
    }
  }
  /** Drop the connection; the loop reconnects to the next instance with Last-Event-ID. */
  move(): void {
    this.moves++;
    this.abort?.abort();
  }
  stop(): void {
    this.stopped = true;
    this.abort?.abort();
  }
}

describe('host on three instances: PostgreSQL + a git remote of record', () => {
  let git: GitServer;
  let work: string;
  const instances: (Instance | undefined)[] = [];
  const followers: Follower[] = [];
  let hopping: ReturnType<typeof setInterval> | undefined;
  after(async () => {
    // Also after a failure: nothing may keep reconnecting, or the test process never ends.
    clearInterval(hopping);
    for (const f of followers) f.stop();
    for (const i of instances) i?.proc.kill('SIGKILL');
    await git?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('keeps every acknowledged save once in the ledger and the journal, and every stream gapless, through moves and a kill -9', {
    timeout: 600_000 /* a hang guard: nothing below is timed */,
  }, async () => {
    work = mkdtempSync(join(tmpdir(), 'scp-multi-'));
    const db = await createTestDatabase('multi');
    git = await startGitServer();
    const remote = await git.createRepo('ledger');
    const dirOf = (n: number) => join(work, `instance-${n}`);
    instances.push(...(await Promise.all([0, 1, 2].map((n) => startInstance(n, db, remote, dirOf(n))))));
    let rr = 0;
    const anyUp = () => {
      for (;;) {
        const i = instances[rr++ % 3];
        if (i) return i.url;
      }
    };

    followers.push(...Array.from({ length: CLIENTS }, () => new Follower(anyUp)));
    const following = followers.map((f) => f.run());
    // Clients hop between instances while the writers write.
    hopping = setInterval(() => followers[Math.floor(Math.random() * CLIENTS)]!.move(), 150);

    const acked: { id: string; commit: string }[] = [];
    const post = async (path: string, body: unknown, start: number) => {
      // An instance that is down (or dies mid-request) is skipped: the writer tries the next one.
      for (let attempt = 0; ; attempt++) {
        const inst = instances[(start + attempt) % 3];
        if (!inst) continue;
        try {
          const r = await fetch(`${inst.url}${path}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(body),
          });
          return { status: r.status, body: (await r.json()) as Record<string, unknown> };
        } catch {
          if (attempt > 60) throw new Error(`no instance answered ${path}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    };
    let saves = 0;
    let killed = false;
    const writer = async (w: number) => {
      for (let k = 0; k < SAVES_PER_WRITER; k++) {
        const staged = await post('audits/stage', { card_key: `writer-${w}`, result: { w, k } }, w + k);
        assert.equal(staged.status, 200, JSON.stringify(staged.body));
        const id = (staged.body.snapshot as { snapshot_id: string }).snapshot_id;
        const saved = await post('audits/save', { snapshot_ids: [id] }, w + k + 1);
        if (saved.status === 200) acked.push({ id, commit: saved.body.commit as string });
        else
          assert.ok([409, 500].includes(saved.status), `save answered ${saved.status}: ${JSON.stringify(saved.body)}`);
        saves++;
      }
    };
    const killer = (async () => {
      // The kill lands mid-load, whenever the machine gets there.
      await until(() => saves >= 10, '10 saves before the kill', 500_000);
      const victim = instances[1]!;
      instances[1] = undefined;
      victim.proc.kill('SIGKILL');
      killed = true;
      instances[1] = await startInstance(1, db, remote, dirOf(1));
    })();
    await Promise.all([...Array.from({ length: WRITERS }, (_, w) => writer(w)), killer]);
    assert.ok(killed);
    clearInterval(hopping);

    // The journal as the database holds it: every event once, seqs 1..N.
    const client = new pg.Client({ connectionString: db });
    await client.connect();
    let rows: { seq: string; type: string; body: string }[];
    try {
      rows = (await client.query('SELECT seq, type, body FROM scp_journal ORDER BY seq')).rows;
    } finally {
      await client.end();
    }
    const last = rows.length;
    assert.deepEqual(
      rows.map((r) => Number(r.seq)),
      Array.from({ length: last }, (_, i) => i + 1),
      'journal seqs are gapless',
    );
    const savedEvents = rows
      .filter((r) => r.type === 'audit:saved')
      .map((r) => JSON.parse(r.body) as { key: string; data: { commit: string } });

    // Every client ends with every event once, in order, none reset, whichever instances it used.
    await until(() => followers.every((f) => (f.seqs.at(-1) ?? 0) >= last), 'every client has caught up', 120_000);
    for (const f of followers) f.stop();
    await Promise.all(following);
    for (const [i, f] of followers.entries()) {
      assert.equal(f.resets, 0, `client ${i} was reset`);
      assert.deepEqual(
        f.seqs,
        Array.from({ length: last }, (_, k) => k + 1),
        `client ${i} saw each event once, in order`,
      );
      assert.ok(f.moves >= 1, `client ${i} moved at least once`);
    }

    // Every acknowledged save: once in the ledger of record, once in the journal, with its commit.
    // Saves in flight on the killed instance (a whole push group) are not acknowledged, and their
    // snapshots stay claimed by it for a while (retries answer 409): the rest must go through.
    assert.ok(acked.length >= (WRITERS * SAVES_PER_WRITER) / 2, `most saves acknowledged (${acked.length})`);
    const bare = git.pathOf('ledger');
    const { stdout: tree } = await exec('git', ['--git-dir', bare, 'ls-tree', '-r', '--name-only', 'scp-ledger']);
    const files = tree.split('\n').filter(Boolean);
    for (const { id, commit } of acked) {
      assert.equal(files.filter((f) => f.endsWith(`/${id}.json`)).length, 1, `${id} is in the ledger once`);
      const events = savedEvents.filter((e) => e.key === id);
      assert.equal(events.length, 1, `${id} is in the journal once`);
      assert.equal(events[0]!.data.commit, commit, `${id}'s event carries the acknowledged commit`);
      await exec('git', ['--git-dir', bare, 'merge-base', '--is-ancestor', commit, 'scp-ledger']);
    }
    // No audit is in the ledger twice, saved or not acknowledged.
    const auditFiles = files.filter((f) => f.endsWith('.json') && f.startsWith('audits/'));
    assert.equal(new Set(auditFiles.map((f) => f.split('/').at(-1))).size, auditFiles.length);

    // The remote's history only ever moved forward, and the ledger verifies.
    assert.deepEqual(await git.forcePushes('ledger'), []);
    await exec('git', ['--git-dir', bare, 'fsck', '--full', '--strict']);
    const fs = await import('node:fs');
    const http = await import('isomorphic-git/http/node');
    const check = await createGitLedger({ fs, http, dir: join(work, 'check'), remote: { url: remote } });
    await check.sync();
    const report = await check.verify();
    assert.equal(report.ok, true, JSON.stringify(report));
    await check.close?.();
  });
});
