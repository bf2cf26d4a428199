// The generated Preact and Svelte 5 element types (`scp-ledger/preact`, `scp-ledger/svelte`, from
// custom-elements.json): a Preact TSX file and a check of Svelte's SvelteHTMLElements
// (test/consumers/preact-svelte-types) type-check against the packed package with no declarations
// of their own; their @ts-expect-error lines prove a wrong property, a wrong property type and a
// mistyped scp-audits-saved handler are rejected.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildAndPack, run } from '../dist/packed-package.js';
import { install } from './fixtures.js';

describe('Preact and Svelte types for the elements', { timeout: 10 * 60_000 }, () => {
  let tmp: string;
  after(async () => { if (tmp) await rm(tmp, { recursive: true, force: true }); });

  it('Preact TSX and Svelte element props type-check with scp-* tags, their properties and typed event handlers', { timeout: 10 * 60_000 }, async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scp-preact-svelte-types-'));
    const { packed } = await buildAndPack(tmp);
    await copyFile(packed.tarball, join(tmp, 'scp-ledger.tgz'));
    const { dir } = await install(tmp, 'preact-svelte-types');
    const r = await run('npm', ['run', 'typecheck'], { cwd: dir }).then(() => ({ ok: true, out: '' }), (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout}${e.stderr}` }));
    assert.ok(r.ok, r.out);
  });
});
