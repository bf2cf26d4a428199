// A process that stages audits, saves them through createScp into a git ledger on disk with a file
// staging store, and is killed (SIGKILL) right after the ledger commit, before the store removes
// them from pending: the state a crash between the two steps leaves. Prints the staged ids.
import * as fs from 'node:fs';
import { createScp } from '../../../../src/core/client.js';
import { createFileStagingStore } from '../../../../src/core/host/node/file-staging-store.js';
import { createGitLedger } from '../../../../src/core/ledger/git/index.js';
import type { StagingStore } from '../../../../src/core/storage/types.js';

const [dir, file] = process.argv.slice(2) as [string, string];
const inner = createFileStagingStore({ file });
const die = (): Promise<never> => {
  process.kill(process.pid, 'SIGKILL');
  return new Promise(() => undefined);
};
const store: StagingStore = {
  ...inner,
  writeSnapshots: (change) => (change.remove?.length ? die() : inner.writeSnapshots(change)),
  ...(inner.markSaved && { markSaved: () => die() }),
};
const scp = createScp({
  staging: store,
  ledger: await createGitLedger({ fs, dir }),
  actor: 'ci',
  channel: false,
  skipUnchanged: false,
});
const ids: string[] = [];
for (const card of ['dns', 'tls', 'k8s']) {
  const r = await scp.staging.stage(card, { card, ok: true });
  if (r.staged) ids.push(r.snapshot.snapshot_id);
}
process.stdout.write(`${JSON.stringify(ids)}\n`);
await scp.staging.save('all');
process.stdout.write('not killed\n');
