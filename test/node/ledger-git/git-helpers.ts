// Native git, used by the tests to check what the ledger wrote and to build fixtures.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGitServer, type GitServer } from '../../helpers/git-server.mjs';

export function gitRun(gitdir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', [`--git-dir=${gitdir}`, ...args], {
    encoding: 'utf8',
    input,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@x',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@x',
    },
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `git fsck --full --strict` must pass (throws with git's output otherwise). */
export function fsckOk(gitdir: string): void {
  gitRun(gitdir, ['fsck', '--full', '--strict', '--no-progress']);
}

/** Commit files onto `branch` with plumbing only (no work tree): returns the new commit. */
export function commitFiles(
  gitdir: string,
  branch: string,
  files: Record<string, string | null>,
  message: string,
  options: { parent?: string | null; base?: string } = {},
): string {
  const env = { GIT_INDEX_FILE: `${gitdir}/scp-test-index-${process.pid}` };
  const run = (args: string[], input?: string) =>
    execFileSync('git', [`--git-dir=${gitdir}`, ...args], {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 30,
      env: {
        ...process.env,
        ...env,
        GIT_AUTHOR_NAME: 'origin',
        GIT_AUTHOR_EMAIL: 'origin@x',
        GIT_COMMITTER_NAME: 'origin',
        GIT_COMMITTER_EMAIL: 'origin@x',
      },
    }).trim();
  let parent: string | undefined;
  if (options.parent === null) parent = undefined;
  else if (options.parent) parent = options.parent;
  else {
    try {
      parent = run(['rev-parse', '--verify', '-q', `refs/heads/${branch}`]);
    } catch {
      parent = undefined;
    }
  }
  const base = options.base ?? parent;
  if (base) run(['read-tree', base]);
  else run(['read-tree', '--empty']);
  for (const [path, text] of Object.entries(files)) {
    if (text === null) run(['update-index', '--force-remove', path]);
    else {
      const oid = run(['hash-object', '-w', '--stdin'], text);
      run(['update-index', '--add', '--cacheinfo', `100644,${oid},${path}`]);
    }
  }
  const tree = run(['write-tree']);
  // git knows the empty tree without storing it; fsck --strict wants it stored.
  if (tree === '4b825dc642cb6eb9a060e54bf8d69288fbee4904') run(['hash-object', '-t', 'tree', '-w', '--stdin'], '');
  const commit = run(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message]);
  run(['update-ref', `refs/heads/${branch}`, commit]);
  return commit;
}

/** The file naming a ref lock's owner: the lock itself (a lock file) or its `<token>.owner` (a lock directory; undefined once emptied). */
export function lockOwnerFile(lock: string): string | undefined {
  if (!statSync(lock).isDirectory()) return lock;
  const name = readdirSync(lock).find((n) => n.endsWith('.owner'));
  return name ? `${lock}/${name}` : undefined;
}

/**
 * For a describe block: a real git smart-HTTP server for the suite, and scratch folders for
 * clones, each checked with `git fsck --full --strict` and removed after every test.
 */
export function gitServerSuite(prefix: string): { readonly server: GitServer; scratchDir(): string } {
  let server: GitServer | undefined;
  let dirs: string[] = [];
  before(async () => {
    server = await startGitServer();
  });
  after(async () => {
    await server?.stop();
  });
  afterEach(() => {
    const done = dirs;
    dirs = [];
    try {
      for (const d of done) fsckOk(join(d, '.git'));
    } finally {
      for (const d of done) rmSync(d, { recursive: true, force: true });
    }
  });
  return {
    get server() {
      if (!server) throw new Error('the git server starts in the before hook of the suite');
      return server;
    },
    scratchDir() {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}
