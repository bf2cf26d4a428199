// Runs every Node suite (test/node/**/*.test.ts, test/contract/*.node.test.ts) with node:test.
// Node 20 does not expand globs itself, so the files are listed here.
import { spawn } from 'node:child_process';
import { readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PG_URL_ENV, startPostgresCluster } from '../test/helpers/postgres.mjs';

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const filter = process.argv.slice(2);
let files = walk('test/node').sort();
if (filter.length) files = files.filter((f) => filter.some((x) => f.includes(x)));
const args = [
  '--import',
  'tsx',
  '--import',
  './test/helpers/node-globals.mjs',
  '--test',
  '--test-reporter=spec',
  '--test-concurrency=2',
  ...files,
];
// One PostgreSQL cluster for every suite of the run (each suite makes its own database in it).
const needsPostgres = files.some((f) => f.includes('postgres'));
let cluster;
if (needsPostgres && !process.env[PG_URL_ENV]) {
  cluster = await startPostgresCluster();
  process.env[PG_URL_ENV] = cluster.url;
}
const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env: process.env });
// Stopped from outside (Ctrl-C, a CI timeout): the tests and the cluster go too, none left behind.
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    child.kill(signal);
    cluster?.stopSync();
    process.exit(130);
  });
}
// The summary lines are read as they stream by: with failures, the reporter's list of them comes
// after the summary and can be long.
let partial = '';
let pass = 0;
let fail = 0;
let summarized = false;
child.stdout.on('data', (b) => {
  process.stdout.write(b);
  const lines = (partial + b.toString()).split('\n');
  partial = lines.pop() ?? '';
  for (const line of lines) {
    const m = /^ℹ (pass|fail) (\d+)$/.exec(line.trim());
    if (!m) continue;
    if (m[1] === 'pass') pass = Number(m[2]);
    else {
      fail = Number(m[2]);
      summarized = true;
    }
  }
});
child.on('close', (code) => {
  cluster?.stopSync();
  if (code && !summarized) fail += 1;
  mkdirSync('test-output', { recursive: true });
  writeFileSync('test-output/node-counts.json', JSON.stringify({ passed: pass, failed: fail }));
  console.log(`node: ${pass} passed, ${fail} failed`);
  process.exit(code ?? 1);
});
