// Two builds:
//  - npm (dist/): ES modules, one file per source module, runtime dependencies external;
//    `.d.ts` files come from `tsc -p tsconfig.build.json` (see the `build` script).
//  - script tag (dist/cdn/): one ES module that registers every element and exports the core,
//    dependencies inlined, the git ledger split into a chunk loaded on first use.
import { existsSync } from 'node:fs';
import esbuild, { minify } from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import inject from '@rollup/plugin-inject';
import { fileURLToPath } from 'node:url';

const ts = () => esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' });
const isRuntimeDep = (id) => /^(lit|@lit\/|@lit-labs\/|idb|zod|isomorphic-git|@isomorphic-git\/|buffer)(\/|$)/.test(id) || id.startsWith('node:');

// Public entry points (also the package.json exports map); missing ones are skipped so a partial
// tree still builds.
export const npmEntries = Object.fromEntries(Object.entries({
  index: 'src/index.ts',
  'core/index': 'src/core/index.ts',
  'core/storage/memory': 'src/core/storage/memory.ts',
  'core/storage/idb': 'src/core/storage/idb.ts',
  'core/ledger/memory': 'src/core/ledger/memory.ts',
  'core/ledger/git/index': 'src/core/ledger/git/index.ts',
  'core/ledger/git-browser/index': 'src/core/ledger/git-browser/index.ts',
  'core/host/index': 'src/core/host/index.ts',
  'core/host/node/index': 'src/core/host/node/index.ts',
  'elements/index': 'src/elements/index.ts',
  'elements/all': 'src/elements/all.ts',
  'core/ledger/git-browser/worker': 'src/core/ledger/git-browser/worker.ts',
  'cli/main': 'src/cli/main.ts',
}).filter(([, file]) => existsSync(file)));

const npm = {
  input: npmEntries,
  external: isRuntimeDep,
  plugins: [nodeResolve({ extensions: ['.ts', '.js'] }), ts()],
  output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'src', sourcemap: true },
};

// Element registration files are entries too, so `scp-ledger/elements/scp-audit-badge.js` exists.
import { readdirSync } from 'node:fs';
if (existsSync('src/elements')) {
  for (const dir of readdirSync('src/elements', { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    const file = `src/elements/${dir.name}/scp-${dir.name}.ts`;
    if (existsSync(file)) npm.input[`elements/${dir.name}/scp-${dir.name}`] = file;
  }
}

// Rollup names a shared chunk after one of its modules; the one holding the element base class
// is what every page loads with scp-ledger.js, so it gets a name that says so.
const baseChunkName = (chunk) => (chunk.moduleIds.some((id) => id.endsWith('/src/elements/internal/scp-element.ts'))
  ? 'scp-ledger-base-[hash].js' : 'scp-ledger-[name]-[hash].js');

const bufferShim = fileURLToPath(new URL('./scripts/build/buffer-global.mjs', import.meta.url));
const cdn = {
  // `scp-ledger.js` is what a page loads; `core.js` is the whole core API for pages that want more
  // (schemas, ledgers, the host client), sharing chunks with it. The ledger Worker is its own
  // entry: `new URL('./worker.js', import.meta.url)` finds it beside the chunks.
  input: { 'scp-ledger': 'src/cdn.ts', core: 'src/cdn-core.ts', worker: 'src/core/ledger/git-browser/worker.ts' },
  onwarn(w, warn) { if (w.code !== 'CIRCULAR_DEPENDENCY' && !/annotation that Rollup cannot interpret/.test(w.message)) warn(w); },
  plugins: [
    nodeResolve({ browser: true, preferBuiltins: false, extensions: ['.ts', '.js', '.mjs'] }),
    commonjs(),
    inject({ Buffer: [bufferShim, 'Buffer'], include: /node_modules/ }),
    ts(),
  ],
  output: { dir: 'dist/cdn', format: 'es', plugins: [minify({ target: 'es2022' })], entryFileNames: '[name].js', chunkFileNames: baseChunkName, sourcemap: true },
};

export default existsSync('src/cdn.ts') ? [npm, cdn] : [npm];
