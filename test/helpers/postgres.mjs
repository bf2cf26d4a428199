// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temp dir, on 127.0.0.1 and a free
// port, as the `postgres` user when we are root (PostgreSQL refuses to run as root).
// One cluster serves a whole run: scripts/test-node.mjs starts it once and passes its URL in
// SCP_TEST_PG_URL; a test file run on its own starts one for its process (stopped at exit).
// Every caller gets its own fresh database, so suites never see each other's rows.
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
// Debian's packages put each major version's binaries under /usr/lib/postgresql/<major>/bin.
function newestBin() {
  try {
    const majors = readdirSync('/usr/lib/postgresql')
      .filter((d) => /^\d+$/.test(d))
      .sort((a, b) => Number(b) - Number(a));
    return majors.length ? `/usr/lib/postgresql/${majors[0]}/bin` : '/usr/lib/postgresql/15/bin';
  } catch {
    return '/usr/lib/postgresql/15/bin';
  }
}
const BIN = process.env.PG_BIN || newestBin();
export const PG_URL_ENV = 'SCP_TEST_PG_URL';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs a PostgreSQL binary, as `postgres` when we are root. */
function pgCommand(bin, args) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? ['runuser', ['-u', 'postgres', '--', join(BIN, bin), ...args]] : [join(BIN, bin), args];
}

/**
 * Starts a cluster. Returns its admin URL (database `postgres`, user `postgres`, trust auth on
 * loopback) and `stop()`.
 */
export async function startPostgresCluster() {
  if (!existsSync(join(BIN, 'initdb'))) {
    throw new Error(
      `PostgreSQL binaries not found in ${BIN}: install the "postgresql" package (apt-get install postgresql) or set PG_BIN`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), 'scp-pg-'));
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (root) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  const data = join(dir, 'data');
  const [initBin, initArgs] = pgCommand('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--locale=C',
  ]);
  await run(initBin, initArgs);
  const port = await freePort();
  // fsync off: a test cluster is thrown away, and the 2-core machines are slow enough already.
  const opts = `-k ${dir} -p ${port} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  const [ctlBin, ctlArgs] = pgCommand('pg_ctl', [
    '-D',
    data,
    '-o',
    opts,
    '-l',
    join(dir, 'log'),
    '-w',
    '-t',
    '60',
    'start',
  ]);
  await run(ctlBin, ctlArgs);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let stopped = false;
  const stopSync = () => {
    if (stopped) return;
    stopped = true;
    const [b, a] = pgCommand('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    try {
      execFileSync(b, a, { stdio: 'ignore' });
    } catch {
      /* already down */
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, dir, stop: async () => stopSync(), stopSync };
}

let shared;

/** The run's cluster (from SCP_TEST_PG_URL), else one for this process. */
async function cluster() {
  if (process.env[PG_URL_ENV]) return { url: process.env[PG_URL_ENV] };
  if (!shared) {
    shared = startPostgresCluster();
    const c = await shared;
    process.once('exit', () => c.stopSync());
  }
  return shared;
}

let counter = 0;

/** A new empty database on the run's cluster; returns its URL. */
export async function createTestDatabase(prefix = 'scp') {
  const { url } = await cluster();
  const { default: pg } = await import('pg');
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}_${++counter}`
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}
