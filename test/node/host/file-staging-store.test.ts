import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stagingStoreContract, makeSnapshot } from '../../contract/staging-store.js';
import { createFileStagingStore } from '../../../src/core/host/node/file-staging-store.js';

const root = mkdtempSync(join(tmpdir(), 'scp-file-store-'));
let n = 0;
stagingStoreContract('file (Node host)', () => createFileStagingStore({ file: join(root, `s${++n}`, 'staging.json') }));

describe('file staging store', () => {
  after(() => rmSync(root, { recursive: true, force: true }));
  it('keeps pending snapshots, runs and meta across a reopen (a host restart)', async () => {
    const file = join(root, 'restart', 'staging.json');
    const a = createFileStagingStore({ file });
    const s = makeSnapshot();
    await a.writeSnapshots({ put: [s] });
    await a.setMeta('last_saved:security', { content_hash: 'x' });
    await a.close();
    const b = createFileStagingStore({ file });
    assert.deepEqual(await b.getSnapshot(s.snapshot_id), s);
    assert.deepEqual(await b.getMeta('last_saved:security'), { content_hash: 'x' });
  });
});
