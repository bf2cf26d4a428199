import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAndPack, root, run, type Packed } from './packed-package.js';

// The published .d.ts files must type-check on their own (skipLibCheck off), with `@internal`
// members stripped and the public API intact: a consumer that uses every subpath compiles (with
// Node's types, which the Node subpaths need, as a Node consumer has them).
describe('the packed type declarations', () => {
  let tmp: string;
  let packed: Packed;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'scp-types-'));
    packed = (await buildAndPack(tmp)).packed;
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it('compile a consumer of every public subpath with skipLibCheck off, and hide view internals', async () => {
    const subpaths = Object.keys(packed.manifest.exports as Record<string, unknown>)
      .filter((k) => k !== './package.json' && k !== './custom-elements.json')
      // `scp-ledger/react` (/preact, /svelte, /vue) augments that framework's types, so it needs the
      // framework installed as an app has it: test/node/consumers/react-types.test.ts type-checks
      // each in its fixture app.
      .filter((k) => !['./react', './preact', './svelte', './vue'].includes(k))
      .map((k) => `scp-ledger${k.slice(1)}`);
    const imports = subpaths.map((s, i) => `import * as m${i} from '${s}';`).join('\n');
    await writeFile(
      join(packed.app, 'consumer.ts'),
      `${imports}
import { createScp, type ScpClient } from 'scp-ledger';
import { ScpAuditManager, ScpAuditLog, ScpRunBadge, ScpRefAutocomplete, provideScpClient } from 'scp-ledger/elements';
const scp: ScpClient = createScp({ actor: 'alex' });
provideScpClient(document.body, scp);
const manager = document.createElement('scp-audit-manager') as ScpAuditManager;
manager.card = 'security';
void manager.show('security');
const log = new ScpAuditLog();
void log.settled();
const badge = new ScpRunBadge();
badge.card = 'kubernetes';
const ac = new ScpRefAutocomplete();
// @ts-expect-error the manager's view state is internal and not in the published types
void manager.ui;
void [${subpaths.map((_, i) => `m${i}`).join(', ')}, ac];
`,
    );
    await writeFile(
      join(packed.app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'es2022',
          module: 'esnext',
          moduleResolution: 'bundler',
          lib: ['es2023', 'dom', 'dom.iterable'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files: ['consumer.ts'],
      }),
    );
    const r = await run(join(root, 'node_modules/.bin/tsc'), ['-p', packed.app], { cwd: packed.app }).catch(
      (e: { stdout: string }) => e,
    );
    assert.equal((r as { stdout: string }).stdout.trim(), '', 'tsc reports no errors');
  });
});
