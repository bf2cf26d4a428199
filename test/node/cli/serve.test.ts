// `scp-ledger serve`: the one-machine host (files), and the options of the several-instance one.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import { serveCommand } from '../../../src/cli/commands/serve.js';
import type { Io } from '../../../src/cli/io.js';
import { until } from '../../helpers/until.js';

function testIo(cwd: string): Io & { outText: string[]; errText: string[] } {
  const outText: string[] = [];
  const errText: string[] = [];
  return {
    cwd,
    env: {},
    stdout: process.stdout,
    stderr: process.stderr,
    outText,
    errText,
    out: (t) => {
      outText.push(t);
    },
    err: (t) => {
      errText.push(t);
    },
  };
}

describe('scp-ledger serve', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scp-serve-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses --postgres without --remote (exit 2, saying what to add)', async () => {
    const io = testIo(dir);
    assert.equal(await main(['serve', '--postgres', 'postgres://127.0.0.1:1/x'], io), 2);
    assert.match(io.errText.join(''), /--postgres needs --remote <git url>/);
  });

  it('refuses a --port that is not a port number (exit 2, naming the option)', async () => {
    for (const port of ['80x', '65536', '-1']) {
      const io = testIo(dir);
      assert.equal(await main(['serve', `--port=${port}`, '--dir', join(dir, 'host')], io), 2, port);
      assert.match(io.errText.join(''), new RegExp(`^scp-ledger serve: --port: not a port number \\(got ${port}\\)`));
    }
  });

  it('serves the host API from files under --dir until stopped', async () => {
    const io = testIo(dir);
    let stop!: () => void;
    const done = serveCommand(
      ['--dir', join(dir, 'host'), '--port', '0'],
      io,
      () =>
        new Promise<void>((r) => {
          stop = r;
        }),
    );
    const line = await until(() => io.outText.find((l) => l.includes('listening on')), 'the server to listen', 60_000);
    const base = /listening on (http:\S+)/.exec(line!)![1]!;
    const staged = await fetch(`${base}audits/stage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card_key: 'security', result: { ok: 1 } }),
    });
    assert.equal(staged.status, 200);
    const pending = (await (await fetch(`${base}audits/pending`)).json()) as { pending: unknown[] };
    assert.equal(pending.pending.length, 1);
    stop();
    assert.equal(await done, 0);
  });
});
