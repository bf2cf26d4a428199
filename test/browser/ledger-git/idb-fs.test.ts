import { expect } from '@esm-bundle/chai';
import { createIdbFs, deleteIdbFs, type IdbFs } from '../../../src/core/ledger/git-browser/idb-fs.js';

async function code(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('IndexedDB fs', () => {
  let name: string;
  let a: IdbFs;
  let b: IdbFs;
  beforeEach(async () => {
    name = `idb-fs-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
    [a, b] = await Promise.all([createIdbFs(name), createIdbFs(name)]);
  });
  afterEach(async () => {
    a.close();
    b.close();
    await deleteIdbFs(name);
  });

  it('reports missing parents, existing paths and non-empty directories with node error codes', async () => {
    expect(await code(a.promises.writeFile('/no/such/file', 'x'))).to.equal('ENOENT');
    expect(await code(a.promises.readFile('/nothing'))).to.equal('ENOENT');
    await a.promises.mkdir('/d');
    expect(await code(a.promises.mkdir('/d'))).to.equal('EEXIST');
    await a.promises.writeFile('/d/f', 'hello');
    expect(await code(a.promises.rmdir('/d'))).to.equal('ENOTEMPTY');
    expect(await a.promises.readFile('/d/f', 'utf8')).to.equal('hello');
    expect((await a.promises.stat('/d')).isDirectory()).to.equal(true);
    expect((await a.promises.stat('/d/f')).size).to.equal(5);
  });

  it('exclusive create (flag wx) lets exactly one of two fs instances win', async () => {
    await a.promises.mkdir('/refs');
    const results = await Promise.all([
      a.promises.writeFile('/refs/main.lock', 'a', { flag: 'wx' }).then(
        () => 'ok',
        (e) => e.code,
      ),
      b.promises.writeFile('/refs/main.lock', 'b', { flag: 'wx' }).then(
        () => 'ok',
        (e) => e.code,
      ),
    ]);
    expect(results.sort()).to.deep.equal(['EEXIST', 'ok']);
  });

  it('a listing cached by one instance reflects files another instance adds, renames and removes', async () => {
    await a.promises.mkdir('/pack');
    await a.promises.writeFile('/pack/one', 'x');
    expect(await a.promises.readdir('/pack')).to.deep.equal(['one']);
    await b.promises.writeFile('/pack/tmp', 'y');
    await b.promises.rename('/pack/tmp', '/pack/two');
    expect((await a.promises.readdir('/pack')).sort()).to.deep.equal(['one', 'two']);
    await b.promises.unlink('/pack/one');
    expect(await a.promises.readdir('/pack')).to.deep.equal(['two']);
    expect(await a.promises.readFile('/pack/two', 'utf8')).to.equal('y');
  });

  it('while exclusive, answers from memory stay right across its own writes and are dropped after another instance wrote', async () => {
    await a.promises.mkdir('/o');
    await a.beginExclusive();
    expect(await code(a.promises.readFile('/o/x'))).to.equal('ENOENT');
    await a.promises.writeFile('/o/x', '1');
    expect(await a.promises.readFile('/o/x', 'utf8')).to.equal('1');
    expect(await a.promises.readdir('/o')).to.deep.equal(['x']);
    a.endExclusive();
    await b.promises.writeFile('/o/y', '2');
    await a.beginExclusive();
    expect((await a.promises.readdir('/o')).sort()).to.deep.equal(['x', 'y']);
    expect(await a.promises.readFile('/o/y', 'utf8')).to.equal('2');
    a.endExclusive();
  });

  it('renames a directory with everything under it', async () => {
    await a.promises.mkdir('/src');
    await a.promises.mkdir('/src/sub');
    await a.promises.writeFile('/src/sub/f', 'z');
    await a.promises.rename('/src', '/dst');
    expect(await a.promises.readFile('/dst/sub/f', 'utf8')).to.equal('z');
    expect(await code(a.promises.stat('/src'))).to.equal('ENOENT');
    expect(await a.promises.readdir('/')).to.include('dst');
  });
});
