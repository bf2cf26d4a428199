import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stagingStoreContract, makeSnapshot } from '../../contract/staging-store.js';
import { createFileStagingStore } from '../../../src/core/host/node/file-staging-store.js';
import { CorruptEntryError } from '../../../src/core/errors/index.js';

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

  it('refuses to open a file whose snapshot or run does not match its schema, and leaves the file as it is', () => {
    const dir = join(root, 'damaged');
    mkdirSync(dir, { recursive: true });
    const s = makeSnapshot();
    for (const [name, state] of [
      ['snapshot', { snapshots: { [s.snapshot_id]: { ...s, card_key: 7 } }, runs: {}, meta: {} }],
      ['run', { snapshots: {}, runs: { run_x: { run: { run_id: 'run_x' }, events: 'none' } }, meta: {} }],
      ['text', '{"snapshots": {'],
    ] as const) {
      const file = join(dir, `${name}.json`);
      const text = typeof state === 'string' ? state : JSON.stringify(state);
      writeFileSync(file, text);
      assert.throws(() => createFileStagingStore({ file }), CorruptEntryError, name);
      assert.equal(readFileSync(file, 'utf8'), text, name);
    }
  });
});
