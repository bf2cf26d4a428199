// Size budget of the script-tag build (gzipped). What a page downloads before its elements are
// defined — scp-ledger.js and the chunks it imports statically — must be ≤ 35 KB. Chunks loaded
// later (an element's part on first use, staging and runs as createScp returns, the git
// Worker on the first ledger call) are reported. Also refuses bundles that contain eval or new Function.
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

// `node scripts/check-size.mjs [dir]` (default dist/cdn; tests point it at a made-up build).
const dir = process.argv[2] ?? 'dist/cdn';
if (!existsSync(`${dir}/scp-ledger.js`)) {
  console.log('check-size: no script-tag build yet');
  process.exit(0);
}
const BUDGET = 35 * 1024;
const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
const gz = (f) => gzipSync(readFileSync(`${dir}/${f}`), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const sum = (list) => list.reduce((s, f) => s + gz(f), 0);

// Chunks reachable from an entry through static imports load together with it.
function staticClosure(entry) {
  const seen = new Set([entry]);
  const queue = [entry];
  while (queue.length) {
    const src = readFileSync(`${dir}/${queue.pop()}`, 'utf8');
    for (const m of src.matchAll(/(?:^|[;}\s])(?:import|export)\s*(?:[\w*{}\s,$]+from\s*)?["']\.\/([^"']+)["']/g)) {
      if (!seen.has(m[1])) {
        seen.add(m[1]);
        queue.push(m[1]);
      }
    }
  }
  return [...seen];
}
const upfront = staticClosure('scp-ledger.js');
// The git code: the Worker (isomorphic-git and the ledger) and the small chunk that starts it.
const git = files.filter((f) => f === 'worker.js' || /^scp-ledger-worker-ledger-/.test(f));
const later = files.filter((f) => !upfront.includes(f) && !git.includes(f));

let bad = false;
for (const f of files) {
  const src = readFileSync(`${dir}/${f}`, 'utf8');
  if (/\beval\s*\(|new\s+Function\s*\(/.test(src)) {
    console.error(`check-size: ${f} contains eval/new Function`);
    bad = true;
  }
}
const list = (names) => names.map((f) => `${f} ${kb(gz(f))}`).join(', ');
console.log(
  `check-size: up front (scp-ledger.js + static imports): ${kb(sum(upfront))} gz of ${kb(BUDGET)} budget — ${list(upfront)}`,
);
console.log(`check-size: loaded on first use: ${kb(sum(later))} gz — ${list(later)}`);
console.log(`check-size: git chunk (Worker + loader): ${kb(sum(git))} gz — ${list(git)}`);
if (sum(upfront) > BUDGET) {
  console.error(
    `check-size: OVER BUDGET by ${kb(sum(upfront) - BUDGET)}: move code into a part an element loads on first use (src/elements/internal/scp-part.ts) or cut it`,
  );
  bad = true;
}
process.exit(bad ? 1 : 0);
