// The Node read indexes (memory, journal file) catching up on entries that arrive by sync from a
// real git server, far more than one catch-up batch at a time: every entry listed, after the sync
// and after the process reopens the ledger.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import http from 'isomorphic-git/http/node';
import { createFileReadIndex, createGitLedger, type GitLedger } from '../../../src/core/ledger/git/index.js';
import { appendEntries, seedRepo } from '../../helpers/seed-ledger.js';
import { gitServerSuite } from './git-helpers.js';

async function listAll(ledger: GitLedger): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await ledger.list({ limit: 500, ...(cursor && { cursor }) });
    assert.equal(page.indexing, undefined, 'list() answers from a complete index once it has caught up');
    ids.push(...page.entries.map((e) => e.id));
    cursor = page.cursor;
  } while (cursor);
  return ids;
}

for (const kind of ['memory', 'file'] as const) {
  describe(`Node ${kind} read index catching up on synced entries`, () => {
    const suite = gitServerSuite('scp-catch-up-');

    const open = (dir: string, url: string) =>
      createGitLedger({
        fs,
        http,
        dir,
        remote: { url },
        ...(kind === 'file' && { index: createFileReadIndex({ fs, path: join(dir, 'index.jsonl') }) }),
      });

    it('a fresh clone syncing a remote of 20,000 entries lists all 20,000, and still does after reopening', async () => {
      const { name, url } = await suite.server.createUniqueRepo(`catch-up-20k-${kind}`);
      await seedRepo(suite.server.pathOf(name), 20_000);
      const dir = suite.scratchDir();
      let ledger = await open(dir, url);
      await ledger.sync();
      await ledger.refreshIndex();
      const ids = await listAll(ledger);
      assert.equal(ids.length, 20_000);
      assert.equal(new Set(ids).size, 20_000);
      await ledger.close?.();
      ledger = await open(dir, url);
      assert.equal((await listAll(ledger)).length, 20_000);
      await ledger.close?.();
    });

    it('a clone with 1,000 entries syncing 8,000 more lists 9,000, and still does after reopening', async () => {
      const { name, url } = await suite.server.createUniqueRepo(`catch-up-1k-8k-${kind}`);
      await seedRepo(suite.server.pathOf(name), 1_000);
      const dir = suite.scratchDir();
      let ledger = await open(dir, url);
      await ledger.sync();
      assert.equal((await listAll(ledger)).length, 1_000);
      await appendEntries(suite.server.pathOf(name), 8_000, { card: 'dns' });
      const r = await ledger.sync();
      assert.equal(r.fetched, 2); // commits of 5,000 and 3,000 entries
      await ledger.refreshIndex();
      const ids = await listAll(ledger);
      assert.equal(ids.length, 9_000);
      assert.equal(new Set(ids).size, 9_000);
      await ledger.close?.();
      ledger = await open(dir, url);
      assert.equal((await listAll(ledger)).length, 9_000);
      await ledger.close?.();
    });
  });
}
