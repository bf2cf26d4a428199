// npm build: ES modules with runtime dependencies external, one file per source module.
import esbuild from 'rollup-plugin-esbuild';
import { nodeResolve } from '@rollup/plugin-node-resolve';

const external = (id) => /^(lit|@lit\/|idb|zod|isomorphic-git|@isomorphic-git\/)/.test(id) || id.startsWith('node:');

export default [
  {
    input: { index: 'src/index.ts', 'core/index': 'src/core/index.ts' },
    external,
    plugins: [nodeResolve({ extensions: ['.ts', '.js'] }), esbuild({ target: 'es2022', tsconfig: 'tsconfig.json' })],
    output: { dir: 'dist', format: 'es', preserveModules: true, preserveModulesRoot: 'src', sourcemap: true },
  },
];
