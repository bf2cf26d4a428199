// `npm test`: Node suites, then Chromium suites; ends with one plain "N passed, N failed" line.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

rmSync('test-output/node-counts.json', { force: true });
rmSync('test-output/browser-counts.json', { force: true });
const node = spawnSync(process.execPath, ['scripts/test-node.mjs'], { stdio: 'inherit' });
const browser = spawnSync(
  process.execPath,
  ['node_modules/@web/test-runner/dist/bin.js', '--config', 'web-test-runner.config.mjs'],
  { stdio: 'inherit' },
);

function counts(file, status) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return { passed: 0, failed: status === 0 ? 0 : 1 };
  }
}
const n = counts('test-output/node-counts.json', node.status);
const b = counts('test-output/browser-counts.json', browser.status);
const failed = n.failed + b.failed + (node.status && !n.failed ? 1 : 0) + (browser.status && !b.failed ? 1 : 0);
console.log(`total: ${n.passed + b.passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
