import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Ledger } from '../core/ledger/types.js';

const exec = promisify(execFile);

export class NotARepoError extends Error {
  readonly exitCode = 2;
}

/** `git config <key>` in `cwd`, or '' when unset. */
export async function gitConfig(cwd: string, key: string): Promise<string> {
  try {
    return (await exec('git', ['config', key], { cwd })).stdout.trim();
  } catch {
    return '';
  }
}

/** Where the CLI keeps its read index for a ledger branch (inside the git dir, never committed). */
export function indexPathFor(gitdir: string, branch = 'scp-ledger'): string {
  return join(gitdir, `scp-ledger-index-${branch.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
}

/**
 * The ledger of the git repository that contains `cwd`, on its own branch (default
 * `scp-ledger`); the git code is loaded only when a command needs it.
 */
export async function openRepoLedger(cwd: string, branch?: string, remoteUrl?: string): Promise<{ ledger: Ledger & Partial<Pick<Required<Ledger>, 'verify' | 'sync'>>; root: string; gitdir: string }> {
  let root: string;
  let gitdir: string;
  try {
    root = (await exec('git', ['rev-parse', '--show-toplevel'], { cwd })).stdout.trim();
    // The common git dir: from a linked worktree the branches and objects live there, not in
    // the worktree's own gitdir.
    gitdir = (await exec('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], { cwd })).stdout.trim();
  } catch {
    throw new NotARepoError(`not inside a git repository (${cwd}): run it in a repository, or "git init" first`);
  }
  const [{ createGitLedger, createFileReadIndex }, fs, http] = await Promise.all([
    import('../core/ledger/git/index.js'),
    import('node:fs'),
    import('isomorphic-git/http/node'),
  ]);
  const name = await gitConfig(root, 'user.name');
  const email = await gitConfig(root, 'user.email');
  const ledger = await createGitLedger({
    fs, http, dir: root, gitdir,
    // A file index beside the objects: later commands read it instead of walking every entry.
    index: createFileReadIndex({ fs, path: indexPathFor(gitdir, branch) }),
    ...(branch && { branch }),
    ...(remoteUrl && { remote: { url: remoteUrl } }),
    author: { name: name || 'scp-ledger', email: email || 'scp-ledger@localhost' },
  });
  return { ledger, root, gitdir };
}
