// Native git, used by the tests to check what the ledger wrote and to build fixtures.
import { execFileSync } from 'node:child_process';

export function gitRun(gitdir: string, args: string[], input?: string | Buffer): string {
  return execFileSync('git', [`--git-dir=${gitdir}`, ...args], {
    encoding: 'utf8',
    input,
    env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@x', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@x' },
    maxBuffer: 1 << 30,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** `git fsck --full --strict` must pass (throws with git's output otherwise). */
export function fsckOk(gitdir: string): void {
  gitRun(gitdir, ['fsck', '--full', '--strict', '--no-progress']);
}
