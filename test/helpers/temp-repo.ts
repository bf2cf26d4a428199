import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh git repository in a temp folder, with an identity and one commit. */
export function tempRepo(prefix = 'scp-repo-'): { dir: string; git(...args: string[]): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Test User');
  git('config', 'user.email', 'test@example.com');
  git('commit', '-q', '--allow-empty', '-m', 'initial');
  return { dir, git, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
