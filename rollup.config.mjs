// Two builds:
//  - npm (dist/): ES modules, one file per source module, runtime dependencies external;
//    `.d.ts` files come from `tsc -p tsconfig.build.json` (see the `build` script).
//  - script tag (dist/cdn/): one ES module that registers every element and exports the core,
//    dependencies inlined, the git ledger split into a chunk loaded on first use.
import { existsSync, readFileSync } from 'node:fs';
import esbuild, { minify } from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import commonjs from '@rollup/plugin-commonjs';
import inject from '@rollup/plugin-inject';
import { fileURLToPath } from 'node:url';

const ts = () => esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' });
const isRuntimeDep = (id) =>
  /^(lit|@lit\/|@lit-labs\/|idb|zod|isomorphic-git|@isomorphic-git\/|buffer|pg)(\/|$)/.test(id) ||
  id.startsWith('node:');

// Public entry points (also the package.json exports map); missing ones are skipped so a partial
// tree still builds.
export const npmEntries = Object.fromEntries(
  Object.entries({
    index: 'src/index.ts',
    // The script-tag entry's modules, for `scp-ledger/cdn` under Node (server-side rendering), where
    // the one-file build's inlined lit has no DOM to extend.
    cdn: 'src/cdn.ts',
    'core/index': 'src/core/index.ts',
    'core/storage/memory': 'src/core/storage/memory.ts',
    'core/storage/idb': 'src/core/storage/idb.ts',
    'core/ledger/memory': 'src/core/ledger/memory.ts',
    'core/ledger/git/index': 'src/core/ledger/git/index.ts',
    'core/ledger/git-browser/index': 'src/core/ledger/git-browser/index.ts',
    'core/host/index': 'src/core/host/index.ts',
    'core/host/node/index': 'src/core/host/node/index.ts',
    'core/host/node/postgres/index': 'src/core/host/node/postgres/index.ts',
    'elements/index': 'src/elements/index.ts',
    'elements/all': 'src/elements/all.ts',
    'cli/main': 'src/cli/main.ts',
  }).filter(([, file]) => existsSync(file)),
);

// The npm build also ships the Worker's code as text (`worker-source.js`, loaded only where a
// consumer's bundler left `new URL('./worker.js', import.meta.url)` pointing nowhere); the Worker
// build runs first, so its output is read here.
const NPM_WORKER = 'dist/core/ledger/git-browser/worker.js';
const inlineWorkerSource = () => ({
  name: 'inline-worker-source',
  load(id) {
    if (!/git-browser[\\/]worker-source\.ts$/.test(id)) return null;
    const code = readFileSync(NPM_WORKER, 'utf8').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
    return `export default ${JSON.stringify(code)};\n`;
  },
});

const npm = {
  input: npmEntries,
  external: isRuntimeDep,
  onwarn: (w, warn) => {
    failOnOwnCycle(w);
    warn(w);
  },
  plugins: [inlineWorkerSource(), nodeResolve({ extensions: ['.ts', '.js'] }), ts()],
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

const bufferShim = fileURLToPath(new URL('./scripts/build/buffer-global.mjs', import.meta.url));
const cdnPlugins = () => [
  nodeResolve({ browser: true, preferBuiltins: false, extensions: ['.ts', '.js', '.mjs'] }),
  commonjs(),
  inject({ Buffer: [bufferShim, 'Buffer'], include: /node_modules/ }),
  ts(),
];
// Circular imports fail the build (src has none; `npm run lint` reports them too). Only those among
// our own sources count: cycles inside bundled dependencies are theirs.
const failOnOwnCycle = (w) => {
  if (w.code === 'CIRCULAR_DEPENDENCY' && (w.ids ?? []).some((id) => !id.includes('/node_modules/'))) {
    throw new Error(`Circular import: ${(w.ids ?? []).join(' -> ')}`);
  }
};
const cdnWarn = (w, warn) => {
  failOnOwnCycle(w);
  if (w.code !== 'CIRCULAR_DEPENDENCY' && !/annotation that Rollup cannot interpret/.test(w.message)) warn(w);
};

const cdn = {
  // `scp-ledger.js` is what a page loads; the rest of the core comes from its `loadCore()`, so the
  // code every page needs stays in that one file (no second round trip before the elements are
  // defined), and lazy chunks import what they share from it (it gains exports for them).
  input: { 'scp-ledger': 'src/cdn.ts' },
  preserveEntrySignatures: 'allow-extension',
  onwarn: cdnWarn,
  plugins: cdnPlugins(),
  output: {
    dir: 'dist/cdn',
    format: 'es',
    plugins: [minify({ target: 'es2022' })],
    entryFileNames: '[name].js',
    chunkFileNames: 'scp-ledger-[name]-[hash].js',
    sourcemap: true,
  },
};

// The ledger Worker, built on its own into one self-contained file (isomorphic-git, its CommonJS
// dependencies and the Buffer shim bundled here, so no consumer's bundler has to polyfill Node):
// `new URL('./worker.js', import.meta.url)` finds it beside the module that starts it, in the
// script-tag build and in the npm build alike. It shares no chunk with the page (none of its
// requests wait for the page's, and the page's entry imports nothing on the Worker's account).
const workerOutput = (file) => ({
  file,
  format: 'es',
  inlineDynamicImports: true,
  plugins: [minify({ target: 'es2022' })],
  sourcemap: true,
});
const worker = {
  input: 'src/core/ledger/git-browser/worker.ts',
  onwarn: cdnWarn,
  plugins: cdnPlugins(),
  output: [...(existsSync('src/cdn.ts') ? [workerOutput('dist/cdn/worker.js')] : []), workerOutput(NPM_WORKER)],
};

export default existsSync('src/cdn.ts') ? [worker, npm, cdn] : [worker, npm];
