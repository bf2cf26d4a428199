// Seeds git remotes with many ledger entries, written by the project's own Node ledger in large
// batches (each one commit, far larger than any internal page size). A seeded repository is
// kept per count for the life of the process; later requests copy its branch with native git,
// which takes a fraction of a second. `inChild` writes from a child process, so a server that
// answers other requests meanwhile (the test runner's) is never blocked by the hashing.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGitLedger } from '../../src/core/ledger/git/index.js';
import { makeAudit } from '../contract/ledger.js';

const BRANCH = 'scp-ledger';
/** Entries per commit while seeding: more than the read index's 2,000-row catch-up batches. */
export const SEED_BATCH = 5000;

const git = (dir: string, args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  }).trim();

/** Adds `count` audits to the ledger branch of the (bare or not) repository at `dir`. Returns the new head. */
export async function appendEntries(
  dir: string,
  count: number,
  options: { batch?: number; card?: string } = {},
): Promise<string> {
  const ledger = await createGitLedger({ fs, dir });
  try {
    const batch = options.batch ?? SEED_BATCH;
    for (let done = 0; done < count; ) {
      const n = Math.min(batch, count - done);
      await ledger.write({
        audits: Array.from({ length: n }, () => makeAudit({ card_key: options.card ?? 'security' })),
      });
      done += n;
    }
    return (await ledger.head())!;
  } finally {
    await ledger.close?.();
  }
}

const run = promisify(execFile);
const SELF = fileURLToPath(import.meta.url);

/** appendEntries, run by `node` in a child process (this file is its own command line). */
export async function appendEntriesInChild(
  dir: string,
  count: number,
  options: { card?: string } = {},
): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', SELF, dir, String(count), options.card ?? 'security'],
    { maxBuffer: 1 << 20 },
  );
  return stdout.trim();
}

if (process.argv[1] === SELF) {
  const [dir, count, card] = process.argv.slice(2);
  appendEntries(dir!, Number(count), { card: card! }).then(
    (h) => process.stdout.write(`${h}\n`),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

const templatesHome = globalThis as { __scpSeedTemplates?: Map<string, Promise<string>> };
templatesHome.__scpSeedTemplates ??= new Map();
const store: Map<string, Promise<string>> = templatesHome.__scpSeedTemplates;

/** A bare repository holding a ledger of `count` entries, made once per process per count. */
function template(count: number, inChild: boolean): Promise<string> {
  const key = `${count}`;
  let p = store.get(key);
  if (!p) {
    p = (async () => {
      const dir = mkdtempSync(join(tmpdir(), `scp-seed-${count}-`));
      process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
      git(dir, ['init', '-q', '--bare', '-b', 'main']);
      await (inChild ? appendEntriesInChild(dir, count) : appendEntries(dir, count));
      return dir;
    })();
    p.catch(() => store.delete(key));
    store.set(key, p);
  }
  return p;
}

/** Gives the repository at `dir` (bare, existing) a ledger branch of `count` entries. Returns its head. */
export async function seedRepo(dir: string, count: number, options: { inChild?: boolean } = {}): Promise<string> {
  const from = await template(count, options.inChild ?? false);
  await run('git', ['-C', dir, 'fetch', '-q', '--no-tags', from, `+refs/heads/${BRANCH}:refs/heads/${BRANCH}`]);
  return (await run('git', ['-C', dir, 'rev-parse', `refs/heads/${BRANCH}`])).stdout.trim();
}

/** Entry files on the ledger branch of `dir`, counted by native git. */
export function entriesOnBranch(dir: string): number {
  return git(dir, ['ls-tree', '-r', '--name-only', BRANCH])
    .split('\n')
    .filter((p) => p.endsWith('.json')).length;
}
