// Fails when the committed custom-elements.json is not what the sources generate.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// The analyzer resolves --outdir against the working folder.
const out = 'test-output/cem';
mkdirSync(out, { recursive: true });
execFileSync(
  process.execPath,
  [
    'node_modules/@custom-elements-manifest/analyzer/cem.js',
    'analyze',
    '--config',
    'custom-elements-manifest.config.mjs',
    '--outdir',
    out,
  ],
  { stdio: 'pipe' },
);
const fresh = readFileSync(join(out, 'custom-elements.json'), 'utf8');
let committed = '';
try {
  committed = readFileSync('custom-elements.json', 'utf8');
} catch {
  /* missing counts as stale */
}
if (fresh !== committed) {
  console.error('custom-elements.json is stale: run `npm run manifest` and commit the result.');
  process.exit(1);
}
console.log('custom-elements.json is up to date.');
