// A host server and CLI processes on one ledger, the host killed with -9 under load and started
// again: every write the host acknowledged and every run a CLI printed is in the ledger, the
// CLI never reports failure for a run that landed, and the event stream resumes with no gap and
// no duplicate.
import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createEventBus } from '../../../src/core/events/bus.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import { connectEventBridge } from '../../../src/core/host/sse-bridge.js';
import { until } from '../../helpers/until.js';
import { fsckOk } from '../ledger-git/git-helpers.js';

const CLI = resolve('src/cli/main.ts');
const TSX = resolve('node_modules/tsx/dist/loader.mjs');

function startHost(dir: string, port: number): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const child = spawn(process.execPath, ['--import', TSX, CLI, 'serve', '--dir', dir, '--port', String(port)], {
    env: { ...process.env, CI: '' },
  });
  child.stderr.on('data', () => {});
  return new Promise((res, rej) => {
    const rl = createInterface({ input: child.stdout });
    rl.on('line', (l) => {
      const m = /listening on http:\/\/[^:]+:(\d+)\//.exec(l);
      if (m) res({ child, port: Number(m[1]) });
    });
    child.on('close', (code) => rej(new Error(`host exited (${code}) before listening`)));
  });
}

describe('host and CLI on one ledger', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-host-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('host killed with -9 under load and restarted: no acknowledged write lost, CLI runs all land, the stream resumes without gaps or duplicates', async () => {
    let host = await startHost(dir, 0);
    const port = host.port;
    const base = `http://127.0.0.1:${port}`;
    const ledgerDir = join(dir, 'ledger');

    const seqs: number[] = [];
    const bridge = connectEventBridge({
      url: `${base}/api/events`,
      bus: createEventBus(),
      initialDelayMs: 50,
      maxDelayMs: 500,
      onEnvelope: (_env, m) => {
        if (/^\d+$/.test(m.id ?? '')) seqs.push(Number(m.id));
      },
    });
    await bridge.ready();

    const acknowledged: string[] = [];
    let refused = 0;
    let stop = false;
    const poster = (async () => {
      const post = (path: string, body: unknown) =>
        fetch(`${base}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      while (!stop) {
        try {
          // A run started and finished through the host: finish answers once the run is in the ledger.
          const started = await post('/api/runs', {
            type: 'deploy',
            subtype: 'deploy:k8s',
            summary: 'through the host',
          });
          const id =
            started.status === 201 ? ((await started.json()) as { run: { run_id: string } }).run.run_id : undefined;
          if (!id) {
            refused++;
            await started.arrayBuffer().catch(() => undefined);
            continue;
          }
          const finished = await post(`/api/runs/${id}/finish`, { status: 'ok' });
          if (finished.status === 200) acknowledged.push(id);
          else refused++;
          await finished.arrayBuffer();
        } catch {
          refused++;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    })();
    const cliPrinted: string[] = [];
    const cliFailures: string[] = [];
    const cliWriter = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const child = spawn(
          process.execPath,
          ['--import', TSX, CLI, 'run', '--no-repo-changes', '--', process.execPath, '-e', '0'],
          { cwd: ledgerDir, env: { ...process.env, CI: '' } },
        );
        let err = '';
        child.stderr.on('data', (b) => {
          err += b;
        });
        const code = await new Promise<number | null>((r) => child.on('close', r));
        const id = /@run:(run_[A-Za-z0-9_.-]+)/.exec(err)?.[1];
        if (code !== 0 || !id) cliFailures.push(err);
        else cliPrinted.push(id);
      }
    };
    const clis = Promise.all([cliWriter(3), cliWriter(3)]);

    await until(() => acknowledged.length >= 15, 'writes acknowledged before the kill', 120_000);
    host.child.kill('SIGKILL');
    await new Promise((r) => host.child.on('close', r));
    const atKill = acknowledged.length;
    host = await startHost(dir, port);
    await until(() => acknowledged.length >= atKill + 15, 'writes acknowledged after the restart', 120_000);
    await clis;
    stop = true;
    await poster;
    // The stream has caught up once nothing new arrives for a second.
    let seen = -1;
    let quietSince = performance.now();
    await until(
      () => {
        if (seqs.length !== seen) {
          seen = seqs.length;
          quietSince = performance.now();
        }
        return performance.now() - quietSince > 1000;
      },
      'the stream to go quiet',
      30_000,
    );
    bridge.close();
    host.child.kill('SIGTERM');
    await new Promise((r) => host.child.on('close', r));

    console.log(
      `acknowledged ${acknowledged.length} (${atKill} before the kill), refused or cut ${refused}, CLI runs ${cliPrinted.length}, events seen ${seqs.length}, connections ${bridge.connections}`,
    );
    assert.deepEqual(cliFailures, [], 'no CLI run reported as failed');
    const l = await createGitLedger({ fs, dir: ledgerDir });
    const missing: string[] = [];
    for (const id of [...acknowledged, ...cliPrinted]) if (!(await l.getRun(id))) missing.push(id);
    await l.close?.();
    assert.deepEqual(missing, [], 'lost writes');
    fsckOk(join(ledgerDir, '.git'));
    // The stream: each id once, one after the other, across the restart (no gap, no duplicate).
    const gaps = seqs.filter((s, i) => i > 0 && s !== seqs[i - 1]! + 1).length;
    const dups = seqs.length - new Set(seqs).size;
    console.log(`stream: ${seqs.length} events, ids ${seqs[0]}..${seqs.at(-1)}, gaps ${gaps}, duplicates ${dups}`);
    assert.equal(gaps, 0, `ids: ${seqs.join(',')}`);
    assert.equal(dups, 0);
    assert.ok(bridge.connections >= 2, 'the stream reconnected after the kill');
  });
});
