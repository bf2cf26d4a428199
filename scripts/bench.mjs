// `npm run bench`: every bench/*.bench.ts in turn (each prints its figures and its ratios
// against a baseline measured in the same run). `npm run bench -- refs` runs the matching ones.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv.slice(2);
const files = readdirSync('bench')
  .filter((f) => /\.bench\.(ts|mjs)$/.test(f))
  .sort()
  .filter((f) => !only.length || only.some((o) => f.includes(o)));
let failed = 0;
for (const f of files) {
  console.log(`\n=== bench/${f}`);
  const started = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${f}`], { stdio: 'inherit' });
  console.log(
    `=== bench/${f}: ${r.status === 0 ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
