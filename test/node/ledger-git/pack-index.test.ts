// Indexing a fetched pack, with native git as the oracle: for packs git wrote (deltas by offset,
// deltas by object id, long delta chains), our index is byte for byte the one `git index-pack`
// writes; a damaged pack is refused.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { indexPack } from '../../../src/core/ledger/git/pack-index.js';

let dir: string;
const git = (args: string[], input?: string) =>
  execFileSync('git', ['-C', dir, ...args], { input, maxBuffer: 1 << 28 });

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'scp-pack-index-'));
  git(['init', '-q', '-b', 'main']);
  // Many near-identical JSON files over several commits: git deltifies them against each other.
  for (let c = 0; c < 4; c++) {
    for (let i = 0; i < 150; i++) {
      writeFileSync(
        join(dir, `e${i}.json`),
        `${JSON.stringify({ id: `audit_${i}`, card: 'security', round: c, findings: Array.from({ length: 20 }, (_, k) => ({ k, ok: (k + i + c) % 3 === 0 })) }, null, 2)}\n`,
      );
    }
    git(['add', '-A']);
    git(['-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '-q', '-m', `round ${c}`]);
  }
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function sameAsGit(packArgs: string[]): Promise<number> {
  const pack = git(['pack-objects', '--revs', '--stdout', ...packArgs], 'HEAD\n');
  const path = join(dir, `t-${packArgs.join('')}.pack`);
  writeFileSync(path, pack);
  git(['index-pack', '-o', `${path}.idx`, path]);
  const ours = await indexPack(new Uint8Array(pack));
  assert.deepEqual(Buffer.from(ours.idx), readFileSync(`${path}.idx`), `index for pack-objects ${packArgs.join(' ')}`);
  return ours.count;
}

test('indexes deltas by offset exactly as git index-pack does', async () => {
  const count = await sameAsGit(['--window=50', '--depth=50']);
  assert.ok(count > 600, `${count} objects`);
});

test('indexes deltas by object id (no offset deltas) exactly as git index-pack does', async () => {
  await sameAsGit(['--no-delta-base-offset', '--window=50', '--depth=50']);
});

test('refuses a pack that does not match its checksum or is cut short', async () => {
  const pack = new Uint8Array(git(['pack-objects', '--revs', '--stdout'], 'HEAD\n'));
  const flipped = pack.slice();
  flipped[200] = flipped[200]! ^ 0xff;
  await assert.rejects(indexPack(flipped), /checksum/);
  await assert.rejects(indexPack(pack.subarray(0, pack.length - 500)), /checksum|ends|invalid/);
});
