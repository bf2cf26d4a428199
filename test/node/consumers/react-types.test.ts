// The generated framework types (`scp-ledger/react`, `/preact`, `/svelte`, `/vue`, from
// custom-elements.json), each checked by a fixture app that type-checks against the packed package
// with no declarations of its own: test/consumers/react-types (React 19 TSX),
// test/consumers/preact-svelte-types (Preact TSX and Svelte 5's SvelteHTMLElements) and
// test/consumers/vue-types (a Vue 3 SFC template, checked by vue-tsc). Each handles
// scp-audits-saved with a typed handler, and its @ts-expect-error (@vue-expect-error) lines prove a
// wrong property, a wrong property type and a mistyped handler are rejected.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildAndPack, run } from '../dist/packed-package.js';
import { install } from './fixtures.js';

describe('framework types for the elements', { timeout: 15 * 60_000 }, () => {
  let tmp: string;
  before(
    async () => {
      tmp = await mkdtemp(join(tmpdir(), 'scp-framework-types-'));
      const { packed } = await buildAndPack(tmp);
      await copyFile(packed.tarball, join(tmp, 'scp-ledger.tgz'));
    },
    { timeout: 10 * 60_000 },
  );
  after(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const typecheck = async (fixture: string) => {
    const { dir } = await install(tmp, fixture);
    const r = await run('npm', ['run', 'typecheck'], { cwd: dir }).then(
      () => ({ ok: true, out: '' }),
      (e: { stdout?: string; stderr?: string }) => ({ ok: false, out: `${e.stdout}${e.stderr}` }),
    );
    assert.ok(r.ok, r.out);
  };

  it(
    'a React 19 + TSX app type-checks with scp-* tags, their properties and a typed scp-audits-saved handler',
    { timeout: 10 * 60_000 },
    () => typecheck('react-types'),
  );
  it(
    'Preact TSX and Svelte element props type-check with scp-* tags, their properties and typed event handlers',
    { timeout: 10 * 60_000 },
    () => typecheck('preact-svelte-types'),
  );
  it(
    'a Vue 3 SFC template type-checks (vue-tsc) with scp-* tags, their properties and a typed @scp-audits-saved handler',
    { timeout: 10 * 60_000 },
    () => typecheck('vue-types'),
  );
});
