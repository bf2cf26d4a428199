import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Caps from the repo-audit design: status summary 5 KB, diff-stat summary 10 KB. */
export const STATUS_SUMMARY_CAP = 5 * 1024;
export const DIFF_SUMMARY_CAP = 10 * 1024;

/** The state of a working tree at one moment: HEAD and a tree object of every file as it was. */
export interface RepoState {
  /** The repository's top-level folder. */
  root: string;
  head: string | null;
  branch: string | null;
  /** A git tree of the whole working tree (tracked and untracked, minus ignored files). */
  tree: string;
}

export interface RepoCommit {
  sha: string;
  subject: string;
}

/** What changed in a repository between two states (seed 004's git change record). */
export interface RepoChanges {
  repo: string;
  head_before: string | null;
  head_after: string | null;
  branch: string | null;
  files_changed: string[];
  lines_added: number;
  lines_deleted: number;
  /** `git status --porcelain` after the run, capped at 5 KB. */
  git_status_summary: string;
  /** `git diff --stat` between the two states, capped at 10 KB. */
  git_diff_summary: string;
  /** Commits created during the run, oldest first. */
  commits: RepoCommit[];
}

async function git(cwd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await exec('git', args, {
    cwd,
    env: env ? { ...process.env, ...env } : process.env,
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

/** Cuts `text` to `cap` bytes (at a character boundary) with the truncation note. */
export function capText(text: string, cap: number): string {
  const bytes = Buffer.byteLength(text);
  if (bytes <= cap) return text;
  let cut = Buffer.from(text).subarray(0, cap).toString('utf8');
  if (cut.endsWith('\uFFFD')) cut = cut.slice(0, -1);
  return `${cut}\n... (truncated, total ${bytes} bytes)`;
}

/**
 * Records the working tree without touching the user's index or files: a copy of the index
 * takes `git add -A` and `git write-tree` gives a tree id for the whole tree as it is now.
 */
export async function readRepoState(cwd: string): Promise<RepoState> {
  const root = (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  const gitDir = (await git(root, ['rev-parse', '--absolute-git-dir'])).trim();
  const head = (await git(root, ['rev-parse', '--verify', '-q', 'HEAD']).catch(() => '')).trim() || null;
  const branch = (await git(root, ['symbolic-ref', '-q', '--short', 'HEAD']).catch(() => '')).trim() || null;
  const tmp = await mkdtemp(join(tmpdir(), 'scp-index-'));
  const index = join(tmp, 'index');
  try {
    await copyFile(join(gitDir, 'index'), index).catch(() => undefined);
    const env = { GIT_INDEX_FILE: index };
    await git(root, ['add', '-A', '--', '.'], env);
    const tree = (await git(root, ['write-tree'], env)).trim();
    return { root, head, branch, tree };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Compares two states of one repository: numbers match `git diff --numstat` between them. */
export async function captureRepoChanges(before: RepoState, after?: RepoState): Promise<RepoChanges> {
  const now = after ?? (await readRepoState(before.root));
  const numstat = await git(now.root, ['diff', '--numstat', '--no-renames', before.tree, now.tree]);
  const files: string[] = [];
  let added = 0;
  let deleted = 0;
  for (const line of numstat.split('\n')) {
    if (!line) continue;
    const [a, d, ...path] = line.split('\t');
    files.push(path.join('\t'));
    // Binary files show "-": they count as changed files with no lines.
    if (a !== '-') added += Number(a);
    if (d !== '-') deleted += Number(d);
  }
  const stat = await git(now.root, ['diff', '--stat', '--no-renames', before.tree, now.tree]);
  const status = await git(now.root, ['status', '--porcelain', '--untracked-files=all']);
  let commits: RepoCommit[] = [];
  if (now.head && now.head !== before.head) {
    const range = before.head ? `${before.head}..${now.head}` : now.head;
    const log = await git(now.root, ['log', '--reverse', '--format=%H%x09%s', range]);
    commits = log
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        const [sha, ...subject] = l.split('\t');
        return { sha: sha!, subject: subject.join('\t') };
      });
  }
  return {
    repo: now.root,
    head_before: before.head,
    head_after: now.head,
    branch: now.branch,
    files_changed: files,
    lines_added: added,
    lines_deleted: deleted,
    git_status_summary: capText(status, STATUS_SUMMARY_CAP),
    git_diff_summary: capText(stat, DIFF_SUMMARY_CAP),
    commits,
  };
}
