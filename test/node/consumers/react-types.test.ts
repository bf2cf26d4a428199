// The generated React 19 JSX types (`scp-ledger/react`, from custom-elements.json): a TSX app
// (test/consumers/react-types) type-checks against the packed package with no declarations of its
// own, handles scp-audits-saved with a typed handler, and its @ts-expect-error lines prove that a
// wrong property, a wrong property type and a mistyped handler are rejected.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAndPack, run } from '../dist/packed-package.js';
import { install } from './fixtures.js';
import { after, describe, it } from 'node:test';

describe('React 19 JSX types for the elements', { timeout: 10 * 60_000 }, () => {
  let tmp: string;
  after(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

  it('a React 19 + TSX app type-checks with scp-* tags, their properties and a typed scp-audits-saved handler', { timeout: 10 * 60_000 }, async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scp-react-types-'));
    const { packed } = await buildAndPack(tmp);
    await copyFile(packed.tarball, join(tmp, 'scp-ledger.tgz'));
    const { dir } = await install(tmp, 'react-types');
    const r = await run('npm', ['run', 'typecheck'], { cwd: dir }).then(() => ({ ok: true, out: '' }), (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout}${e.stderr}` }));
    assert.ok(r.ok, r.out);
  });
});
