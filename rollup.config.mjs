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

// Rollup fetches a dynamic chunk's own imports only once that chunk has arrived, one round trip
// per level (bench/script-tag.bench.ts showed the staging code's shared chunks a level late). Each
// dynamic import in the script-tag build also starts importing every chunk the target needs
// (its static imports, transitively), so they all come in the same round trip. Starting an import
// is what the target's own import would do a little later (same CSP rules, same evaluation).
const PREFIX = 'scp-ledger-';
const importDepsWithTarget = () => {
  // The chunks some dynamic import starts with its target (the table lists only those).
  const marked = new Set();
  return {
    name: 'import-deps-with-target',
    renderDynamicImport({ moduleId, targetModuleId, targetChunk }) {
      // loadCore() and loadHost() are the page's own later calls, not part of a first load; the
      // memory store and ledger are createScp's defaults outside browsers, never loaded by a page.
      if (!targetChunk || /[\\/]src[\\/]cdn\.ts$/.test(moduleId)) return null;
      if (/[\\/]src[\\/]core[\\/](storage|ledger)[\\/]memory\.ts$/.test(targetModuleId ?? '')) return null;
      marked.add(targetChunk.fileName);
      return { left: `(__scpDeps(${JSON.stringify(targetChunk.fileName)}),import(`, right: '))' };
    },
    renderChunk(code, chunk, _options, { chunks }) {
      if (!code.includes('__scpDeps(')) return null;
      const closure = (file, seen = new Set()) => {
        for (const dep of chunks[file]?.imports ?? []) {
          if (!seen.has(dep) && dep !== chunk.fileName) {
            seen.add(dep);
            closure(dep, seen);
          }
        }
        return seen;
      };
      // Names without the shared `scp-ledger-` and `.js` (every chunk is named so): a shorter table.
      const short = (f) => f.slice(PREFIX.length, -3);
      const table = {};
      for (const target of chunk.dynamicImports.filter((t) => marked.has(t))) {
        const deps = [...closure(target)].filter((d) => d.startsWith(PREFIX));
        if (deps.length) table[short(target)] = deps.map(short);
      }
      // Appended (a hoisted declaration), so every line and column before it keeps its source map.
      const helper = `\nfunction __scpDeps(f){for(const d of ${JSON.stringify(table)}[f.slice(${PREFIX.length},-3)]??[])import("./${PREFIX}"+d+".js").catch(()=>{})}\n`;
      return { code: code + helper, map: null };
    },
  };
};

// The Worker's text copy is null in the script-tag build (worker.js is always served beside the
// chunks), so its dynamic import becomes that value here instead of a chunk fetched, one more
// round trip, between the ledger's first call and the Worker's start.
const noWorkerSourceChunk = () => ({
  name: 'no-worker-source-chunk',
  transform(code, id) {
    if (!/git-browser[\\/]worker-start\.ts$/.test(id)) return null;
    const out = code.replace("import('./worker-source.js')", 'Promise.resolve({ default: null })');
    if (out === code) this.error('worker-start.ts no longer imports ./worker-source.js: update rollup.config.mjs');
    return { code: out, map: null };
  },
});

// On a first load each chunk is a request, and requests queue (six connections, a round trip
// each): the code a plain page needs soon after its elements are defined comes in a few chunks,
// not a dozen. Each group is the modules its roots reach by static import that the entry does not
// already hold; a module two groups reach goes to the first.
const CHUNK_GROUPS = {
  // What a badge's first count needs in the default (local) mode: createScp fetches it at once.
  local: [
    'src/core/staging/staging.ts',
    'src/core/storage/idb.ts',
    'src/core/redact/redactor.ts',
    'src/core/hash/index.ts',
    'src/core/hash/canonical.ts',
    'src/core/storage/shared.ts',
  ],
  runs: ['src/core/runs/runs.ts'],
};
const chunkGroups = () => {
  let groupOf;
  return (id, { getModuleInfo }) => {
    if (!groupOf) {
      const reach = (roots, stop = new Set()) => {
        const seen = new Set();
        const queue = [...roots];
        while (queue.length) {
          const m = queue.pop();
          if (seen.has(m) || stop.has(m) || !getModuleInfo(m)) continue;
          seen.add(m);
          queue.push(...getModuleInfo(m).importedIds);
        }
        return seen;
      };
      const abs = (f) => fileURLToPath(new URL(f, import.meta.url));
      const entry = reach([abs('src/cdn.ts')]);
      // The entry's own modules are named as its chunk: otherwise Rollup would pull those a group
      // imports into the group, and the entry would import them from there.
      groupOf = new Map([...entry].map((m) => [m, 'scp-ledger']));
      for (const [name, roots] of Object.entries(CHUNK_GROUPS)) {
        for (const m of reach(roots.map(abs).filter(existsSync), entry)) if (!groupOf.has(m)) groupOf.set(m, name);
      }
    }
    return groupOf.get(id);
  };
};

const cdn = {
  // `scp-ledger.js` is what a page loads; the rest of the core comes from its `loadCore()`, so the
  // code every page needs stays in that one file (no second round trip before the elements are
  // defined), and lazy chunks import what they share from it (it gains exports for them).
  input: { 'scp-ledger': 'src/cdn.ts' },
  preserveEntrySignatures: 'allow-extension',
  onwarn: cdnWarn,
  plugins: [noWorkerSourceChunk(), ...cdnPlugins(), importDepsWithTarget()],
  output: {
    dir: 'dist/cdn',
    format: 'es',
    plugins: [minify({ target: 'es2022' })],
    entryFileNames: '[name].js',
    chunkFileNames: `${PREFIX}[name]-[hash:6].js`,
    manualChunks: chunkGroups(),
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
