// An audit both committed to the ledger and still pending (the saving process was killed between
// the commit and the removal from pending) is settled when the client opens: it leaves pending,
// counts as saved, and nothing is lost. The state is made by a real process killed at that step.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { createScp } from '../../../src/core/client.js';
import { createFileStagingStore } from '../../../src/core/host/node/file-staging-store.js';
import { createGitLedger } from '../../../src/core/ledger/git/index.js';
import type { BusEventMap } from '../../../src/core/schemas/events.js';
import { tempRepo } from '../../helpers/temp-repo.js';
import { until } from '../../helpers/until.js';
import { fsckOk } from '../ledger-git/git-helpers.js';

const TSX = resolve('node_modules/tsx/dist/loader.mjs');
const SAVE_THEN_DIE = resolve('test/node/staging/support/save-then-die.ts');

describe('staging: recovery when the client opens', () => {
  it('audits committed by a process killed before it cleared pending leave pending on open, counted as saved', async () => {
    const repo = tempRepo();
    try {
      const file = join(repo.dir, '.scp', 'pending.json');
      const child = spawnSync(process.execPath, ['--import', TSX, SAVE_THEN_DIE, repo.dir, file], {
        cwd: repo.dir,
        encoding: 'utf8',
      });
      assert.equal(
        child.signal,
        'SIGKILL',
        `the saver was killed after its commit (stdout ${child.stdout}, stderr ${child.stderr})`,
      );
      const ids = JSON.parse(child.stdout.split('\n')[0]!) as string[];
      assert.equal(ids.length, 3);

      // The state the kill left: every audit in the ledger and still pending.
      const ledger = await createGitLedger({ fs, dir: repo.dir });
      for (const id of ids) assert.ok(await ledger.getAudit(id), `${id} was committed`);
      const before = createFileStagingStore({ file });
      assert.deepEqual(
        (await before.listSnapshots()).map((m) => m.snapshot_id).sort(),
        [...ids].sort(),
        'and is still pending',
      );
      await before.close();

      // Opening the client settles them without a save call.
      const scp = createScp({ staging: createFileStagingStore({ file }), ledger, actor: 'ci', channel: false });
      const saved: BusEventMap['audit:saved'][] = [];
      scp.bus.on('audit:saved', (e) => saved.push(e));
      await until(
        async () => saved.length === ids.length && (await scp.staging.list()).length === 0,
        'the pending audits the ledger holds to leave pending, each as saved',
        20_000,
      );
      assert.deepEqual(saved.map((e) => e.snapshot_id).sort(), [...ids].sort(), 'each counts as saved (audit:saved)');
      for (const id of ids) assert.ok(await scp.ledger.getAudit(id), `${id} is still in the ledger`);
      // A new scan of the same card is staged and saved as usual.
      const next = await scp.staging.stage('dns', { card: 'dns', ok: false });
      assert.ok(next.staged);
      await scp.staging.save('all');
      await scp.close();

      const after = createFileStagingStore({ file });
      assert.deepEqual(await after.listSnapshots(), [], 'the store holds no pending audit after a restart');
      await after.close();
      const check = await createGitLedger({ fs, dir: repo.dir });
      assert.equal(
        (await check.list({ limit: 100 })).entries.filter((e) => e.kind === 'audit').length,
        4,
        'nothing lost, nothing written twice',
      );
      assert.equal((await check.verify()).ok, true);
      await check.close?.();
      fsckOk(join(repo.dir, '.git'));
    } finally {
      repo.cleanup();
    }
  });
});
