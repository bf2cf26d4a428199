// Size budget of the script-tag build (gzipped): core + elements without git ≤ 35 KB; the git
// chunk is reported. Also refuses bundles that contain eval or new Function.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const dir = 'dist/cdn';
if (!existsSync(`${dir}/scp-ledger.js`)) { console.log('check-size: no script-tag build yet'); process.exit(0); }
const BUDGET = 35 * 1024;
const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
const gz = (f) => gzipSync(readFileSync(`${dir}/${f}`), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

// Chunks reachable from the entry through static imports are what a page downloads up front.
function staticClosure(entry) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    const src = readFileSync(`${dir}/${queue.pop()}`, 'utf8');
    for (const m of src.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+)["']/g)) {
      if (!seen.has(m[1])) { seen.add(m[1]); queue.push(m[1]); }
    }
  }
  return [...seen];
}
const upfront = staticClosure('scp-ledger.js');
const lazyOnly = (f) => !upfront.includes(f);
const upfrontSize = upfront.reduce((s, f) => s + gz(f), 0);
let bad = false;
for (const f of files) {
  const src = readFileSync(`${dir}/${f}`, 'utf8');
  if (/\beval\s*\(|new\s+Function\s*\(/.test(src)) { console.error(`check-size: ${f} contains eval/new Function`); bad = true; }
  console.log(`  ${f}: ${kb(gz(f))} gz${upfront.includes(f) ? ' (loaded up front)' : ' (lazy)'}`);
}
console.log(`check-size: up front ${kb(upfrontSize)} gz of ${kb(BUDGET)} budget`);
// The budget is reported on every build and fails it when SCP_ENFORCE_SIZE=1 (on once met).
if (upfrontSize > BUDGET) {
  console.error(`check-size: OVER BUDGET by ${kb(upfrontSize - BUDGET)}`);
  if (process.env.SCP_ENFORCE_SIZE === '1') bad = true;
}
process.exit(bad ? 1 : 0);
