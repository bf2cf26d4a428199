export interface PushLogEntry {
  /** Repo name without `.git`. */
  repo: string;
  /** `create`, `ok` (fast-forward), `forced` (old not an ancestor of new) or `delete`. */
  kind: 'create' | 'ok' | 'forced' | 'delete';
  old: string;
  new: string;
  ref: string;
}

export interface GitServer {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** GIT_PROJECT_ROOT: the directory holding the bare repos. */
  root: string;
  /** Creates `<name>.git` (bare, branch `main`, receive-pack on; `protectBranches` (default true) denies non-fast-forwards and deletes). Returns its URL. */
  createRepo(name: string, options?: { protectBranches?: boolean }): Promise<string>;
  /** Like createRepo, but picks `<base>-2`, `<base>-3`, ... when the name is taken. */
  createUniqueRepo(base: string, options?: { protectBranches?: boolean }): Promise<{ name: string; url: string }>;
  /** The bare repo's directory on disk. */
  pathOf(name: string): string;
  /** Every ref update sent by a push (accepted or rejected), in order; all repos when no name is given. */
  pushLog(name?: string): Promise<PushLogEntry[]>;
  /** Ref updates that were force pushes (old not an ancestor of new) or deletes. Tests assert this is empty. */
  forcePushes(name?: string): Promise<PushLogEntry[]>;
  stop(): Promise<void>;
}

export function startGitServer(options?: { root?: string; port?: number }): Promise<GitServer>;
