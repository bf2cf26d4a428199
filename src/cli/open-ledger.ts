import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { Ledger } from '../core/ledger/types.js';
import type { Io } from './io.js';

const exec = promisify(execFile);

export class NotARepoError extends Error {
  readonly exitCode = 2;
}

/** `git config <key>` in `cwd` (or for the repository at `gitdir`), or '' when unset. */
export async function gitConfig(cwd: string, key: string, gitdir?: string): Promise<string> {
  try {
    return (await exec('git', [...(gitdir ? ['--git-dir', gitdir] : []), 'config', key], { cwd })).stdout.trim();
  } catch {
    return '';
  }
}

export interface RepoLocation {
  /** The work tree's top, or the git dir itself for a bare repository. */
  root: string;
  /** The repository's common git dir: branches and objects live there for every linked worktree. */
  gitdir: string;
  bare: boolean;
}

/**
 * Where the repository containing `cwd` keeps its branches: the common git dir, so a linked
 * worktree (`git worktree add`) writes the ledger branch every worktree sees. Works inside a bare
 * repository, and with an explicit `gitDir` (`--git-dir`, or GIT_DIR as git itself honours it).
 */
export async function locateRepo(cwd: string, gitDir?: string): Promise<RepoLocation> {
  const g = (args: string[]) =>
    exec('git', [...(gitDir ? ['--git-dir', resolve(cwd, gitDir)] : []), ...args], { cwd }).then((r) =>
      r.stdout.trim(),
    );
  let gitdir: string;
  let bare: boolean;
  try {
    gitdir = await g(['rev-parse', '--path-format=absolute', '--git-common-dir']);
    bare = (await g(['rev-parse', '--is-bare-repository'])) === 'true';
  } catch {
    throw new NotARepoError(
      gitDir
        ? `not a git repository: ${gitDir} (pass the repository's git dir, e.g. --git-dir repo.git)`
        : `not inside a git repository (${cwd}): run it in a repository (a work tree or a bare one), pass --git-dir, or "git init" first`,
    );
  }
  let root = gitdir;
  if (!bare) root = await g(['rev-parse', '--show-toplevel']).catch(() => gitdir);
  return { root, gitdir, bare };
}

/**
 * A clone whose ledger branch exists only as `<remote>/<branch>` (a plain `git clone` makes no
 * local branch for it): create the local branch tracking it, so the ledger is read and extended
 * from what the remote holds instead of starting empty. Returns the remote branch it tracks.
 */
export async function trackRemoteLedger(loc: RepoLocation, branch: string): Promise<string | undefined> {
  const g = (args: string[]) =>
    exec('git', ['--git-dir', loc.gitdir, ...args], { cwd: loc.root }).then((r) => r.stdout.trim());
  if (
    await g(['rev-parse', '--verify', '-q', `refs/heads/${branch}`]).then(
      () => true,
      () => false,
    )
  )
    return undefined;
  const remotes = (await g(['for-each-ref', '--format=%(refname:short)', `refs/remotes/*/${branch}`]).catch(() => ''))
    .split('\n')
    .filter(Boolean);
  const from = remotes.find((r) => r === `origin/${branch}`) ?? remotes[0];
  if (!from) return undefined;
  await g(['branch', '--track', branch, from]);
  return from;
}

/** The repository options every command takes from the process surface (`--git-dir`). */
export function repoOptions(io: Io): {
  gitDir?: string;
  note: (text: string) => void;
  onBusy: (info: { waitedMs: number; message: string }) => void;
} {
  let told = false;
  return {
    ...(io.gitDir && { gitDir: io.gitDir }),
    note: (t) => io.err(t),
    // Said once per command: a busy ledger (a host or other CI jobs saving) is waited for, not failed.
    onBusy: (info) => {
      if (told) return;
      told = true;
      io.err(`scp-ledger: the ledger branch is busy (${info.message}); retrying with backoff for up to 30 s`);
    },
  };
}

/** Where the CLI keeps its read index for a ledger branch (inside the git dir, never committed). */
export function indexPathFor(gitdir: string, branch = 'scp-ledger'): string {
  return join(gitdir, `scp-ledger-index-${branch.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
}

/**
 * The ledger of the git repository that contains `cwd` (or at `gitDir`), on its own branch
 * (default `scp-ledger`); the git code is loaded only when a command needs it. `note` hears about
 * anything done to the repository on the way (a tracking branch created).
 */
export async function openRepoLedger(
  cwd: string,
  branch?: string,
  remoteUrl?: string,
  o: {
    gitDir?: string;
    note?: (text: string) => void;
    onBusy?: (info: { waitedMs: number; message: string }) => void;
  } = {},
): Promise<{
  ledger: Ledger & Partial<Pick<Required<Ledger>, 'verify' | 'sync'>>;
  root: string;
  gitdir: string;
  bare: boolean;
}> {
  const loc = await locateRepo(cwd, o.gitDir ?? undefined);
  const { root, gitdir } = loc;
  const tracked = await trackRemoteLedger(loc, branch ?? 'scp-ledger').catch(() => undefined);
  if (tracked)
    o.note?.(
      `scp-ledger: created the local branch ${branch ?? 'scp-ledger'} tracking ${tracked} (the ledger this clone fetched)`,
    );
  const [{ createGitLedger, createFileReadIndex }, fs, http] = await Promise.all([
    import('../core/ledger/git/index.js'),
    import('node:fs'),
    import('isomorphic-git/http/node'),
  ]);
  const name = await gitConfig(root, 'user.name', gitdir);
  const email = await gitConfig(root, 'user.email', gitdir);
  const ledger = await createGitLedger({
    fs,
    http,
    dir: root,
    gitdir,
    // A file index beside the objects: later commands read it instead of walking every entry.
    index: createFileReadIndex({ fs, path: indexPathFor(gitdir, branch) }),
    ...(branch && { branch }),
    ...(remoteUrl && { remote: { url: remoteUrl } }),
    author: { name: name || 'scp-ledger', email: email || 'scp-ledger@localhost' },
    ...(o.onBusy && { onRetry: o.onBusy }),
  });
  return { ledger, root, gitdir, bare: loc.bare };
}
