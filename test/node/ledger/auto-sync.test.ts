// Automatic sync: after saves (a burst is one sync), on an interval, one at a time, with backoff
// while the remote fails and a last-synced time once it works again.
import assert from 'node:assert/strict';
import { createMemoryLedger } from '../../../src/core/ledger/memory.js';
import { createAutoSync } from '../../../src/core/ledger/auto-sync.js';
import { createScp } from '../../../src/core/index.js';
import type { Ledger } from '../../../src/core/ledger/types.js';
import { makeAudit } from '../../contract/ledger.js';
import { until } from '../../helpers/until.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('automatic sync', () => {
  it('a burst of saves leads to one sync, and the last-synced time is set', async () => {
    let syncs = 0;
    const auto = createAutoSync(
      async () => {
        syncs++;
      },
      { afterWriteMs: 30, intervalMs: false },
    );
    try {
      // Saves in one burst (no timers between them: under load a 5 ms sleep can outlast the 30 ms wait).
      for (let i = 0; i < 5; i++) {
        auto.written();
        await Promise.resolve();
      }
      await until(() => syncs === 1, 'one sync after the burst', 2000);
      await sleep(80);
      assert.equal(syncs, 1);
      assert.ok(auto.state().lastSyncedAt && Date.parse(auto.state().lastSyncedAt!) <= Date.now());
      assert.equal(auto.state().failures, 0);
    } finally {
      auto.stop();
    }
  });

  it('backs off while the remote fails (waits doubling), then resumes the interval after a success', async () => {
    const at: number[] = [];
    let failing = true;
    const auto = createAutoSync(
      async () => {
        at.push(performance.now());
        if (failing) throw new Error('remote down');
      },
      { afterWriteMs: false, intervalMs: 20, maxBackoffMs: 1000 },
    );
    try {
      await until(() => at.length >= 4, 'four failed attempts', 5000);
      const gaps = at.slice(1).map((t, i) => t - at[i]!);
      // 20, 40, 80 ms after failures 1, 2, 3 (timers only fire late, never early).
      assert.ok(
        gaps[0]! >= 19 && gaps[1]! >= 39 && gaps[2]! >= 79,
        `waits ${gaps.map((g) => g.toFixed(0)).join(', ')}`,
      );
      assert.equal(auto.state().lastError, 'remote down');
      assert.ok(auto.state().failures >= 3);
      assert.equal(auto.state().lastSyncedAt, undefined);
      failing = false;
      await until(() => auto.state().lastSyncedAt, 'a successful sync', 5000);
      assert.equal(auto.state().failures, 0);
      assert.equal(auto.state().lastError, undefined);
    } finally {
      auto.stop();
    }
  });

  it('createScp({ autoSync }) syncs the ledger after a save and announces it as ledger:synced', async () => {
    const base = createMemoryLedger();
    let syncs = 0;
    const ledger: Ledger = {
      ...base,
      list: base.list,
      write: base.write,
      sync: async () => {
        syncs++;
        return { head: (await base.head()) ?? '', fetched: 0, pushed: 1 };
      },
    };
    const scp = createScp({ ledger, autoSync: { afterWriteMs: 10, intervalMs: false }, channel: false });
    const synced: unknown[] = [];
    scp.bus.on('ledger:synced', (p) => synced.push(p));
    try {
      await scp.ledger.write({ audits: [makeAudit()] });
      await until(() => syncs === 1 && synced.length === 1, 'a sync after the save', 2000);
      assert.ok(scp.autoSync!.state().lastSyncedAt);
    } finally {
      await scp.close();
    }
  });
});
