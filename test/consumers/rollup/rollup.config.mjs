// Plain Rollup: node-resolve (browser field) and nothing else; no CommonJS or Node polyfill plugin.
import { nodeResolve } from '@rollup/plugin-node-resolve';

export default {
  input: 'main.js',
  plugins: [nodeResolve({ browser: true })],
  output: { dir: 'dist', format: 'es' },
};
