// Storing a fetched pack in the browser's IndexedDB fs: each write is one transaction, so the pack
// and its index are written in place (a rename there reads and writes the whole pack again), the
// index last; a pack whose index fails while it is being written is removed again, and one
// stored whole before is left alone.
import { expect } from '@esm-bundle/chai';
import { createIdbFs, deleteIdbFs, type IdbFs } from '../../../src/core/ledger/git-browser/idb-fs.js';
import { Repo } from '../../../src/core/ledger/git/repo.js';

describe('storing a fetched pack in IndexedDB', () => {
  let name: string;
  let idb: IdbFs;
  let renames: string[];
  let repo: Repo;
  const packDir = '/repo/.git/objects/pack';
  const pack = Uint8Array.from({ length: 300_000 }, (_, i) => i & 0xff);
  const idx = new Uint8Array([1, 2, 3]);

  beforeEach(async () => {
    name = `store-pack-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    idb = await createIdbFs(name);
    renames = [];
    const promises = {
      ...idb.promises,
      rename: (from: string, to: string) => {
        renames.push(`${from} -> ${to}`);
        return idb.promises.rename(from, to);
      },
    };
    await idb.promises.mkdir('/repo');
    repo = new Repo({ fs: { promises } as never, gitdir: '/repo/.git', wholeFilePacks: true });
  });
  afterEach(async () => {
    await repo.close();
    idb.close();
    await deleteIdbFs(name);
  });

  it('writes the pack and then its index in place, with no rename and no temporary file', async () => {
    let finishIndex!: (b: Uint8Array) => void;
    const stored = repo.storePack('ab'.repeat(20), pack, new Promise((r) => (finishIndex = r)));
    // The pack is written while the index is still being computed.
    for (let i = 0; i < 200 && !(await idb.promises.readdir(packDir).catch(() => [])).length; i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(await idb.promises.readdir(packDir)).to.deep.equal([`pack-${'ab'.repeat(20)}.pack`]);
    finishIndex(idx);
    await stored;
    expect((await idb.promises.readdir(packDir)).sort()).to.deep.equal([
      `pack-${'ab'.repeat(20)}.idx`,
      `pack-${'ab'.repeat(20)}.pack`,
    ]);
    expect(renames).to.deep.equal([]);
    expect(await idb.promises.readFile(`${packDir}/pack-${'ab'.repeat(20)}.pack`)).to.deep.equal(pack);
  });

  it('removes the pack when its index fails, but not a pack stored whole before', async () => {
    let failure: unknown;
    await repo.storePack('cd'.repeat(20), pack, Promise.reject(new Error('damaged pack'))).catch((e) => {
      failure = e;
    });
    expect((failure as Error).message).to.equal('damaged pack');
    expect(await idb.promises.readdir(packDir)).to.deep.equal([]);

    await repo.storePack('ef'.repeat(20), pack, idx);
    await repo.storePack('ef'.repeat(20), pack, Promise.reject(new Error('again'))).catch(() => undefined);
    expect((await idb.promises.readdir(packDir)).sort()).to.deep.equal([
      `pack-${'ef'.repeat(20)}.idx`,
      `pack-${'ef'.repeat(20)}.pack`,
    ]);
  });
});
