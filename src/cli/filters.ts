import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LedgerQuery } from '../core/schemas/ledger.js';
import { str, UsageError, type ParsedArgs } from './args.js';

export const FILTER_FLAGS = [
  'kind',
  'card',
  'actor',
  'status',
  'action',
  'since',
  'until',
  'text',
  'artifact',
  'repo',
  'event',
  'correlation',
] as const;

export const filterHelp = `Filters:
  --kind audit|run|action  only audits, runs, or discards/deletes
  --card <key>          one card (audits)
  --actor <name>        who saved or ran it
  --status <status>     ok, failed, partial, cancelled, abandoned, error
  --action <type>       run type or subtype (deploy, deploy:k8s), audit:discarded, audit:deleted
  --since <time>        ISO time or a span back from now (30m, 24h, 7d)
  --until <time>        ISO time or a span back from now
  --text <text>         free text in id, card, summary, actor, target
  --artifact <t:value>  runs referencing an artifact, e.g. commit:abc123, or any of a type (pr)
  --repo <path>         runs that touched this repository (its top-level path or remote)
  --event <type>        runs with an event of this type (repo_changes, stderr ...)
  --correlation <id>    entries written under this request / trace id`;

/** An ISO time from an ISO string or a span back from now (`90s`, `30m`, `24h`, `7d`). */
export function timeArg(value: string, name: string, now = Date.now()): string {
  const span = /^(\d+)([smhd])$/.exec(value);
  if (span) {
    const unit = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[span[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(span[1]) * unit).toISOString();
  }
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new UsageError(`--${name} "${value}" is not a time: use ISO (2026-11-23T10:00:00Z) or a span like 24h`);
  return new Date(ms).toISOString();
}

export function queryFromFlags(flags: ParsedArgs['flags']): LedgerQuery {
  const q: LedgerQuery = {};
  const kind = str(flags, 'kind');
  if (kind !== undefined) {
    if (kind !== 'audit' && kind !== 'run' && kind !== 'action')
      throw new UsageError(`--kind must be audit, run or action, not "${kind}"`);
    q.kind = kind;
  }
  for (const k of ['card', 'actor', 'status', 'action', 'text', 'artifact', 'repo', 'event', 'correlation'] as const) {
    const v = str(flags, k);
    if (v !== undefined) (q as Record<string, string>)[k] = v;
  }
  const since = str(flags, 'since');
  const until = str(flags, 'until');
  if (since) q.since = timeArg(since, 'since');
  if (until) q.until = timeArg(until, 'until');
  return q;
}

/**
 * Runs record each repository by its top-level path, so `--repo ../api` (a folder here) is turned
 * into that path; anything else (a remote URL, a path on another machine) is matched as given.
 */
export async function resolveRepoFilter(query: LedgerQuery, cwd: string): Promise<LedgerQuery> {
  const repo = (query as { repo?: string }).repo;
  if (repo === undefined) return query;
  const dir = resolve(cwd, repo);
  if (!existsSync(dir)) return query;
  const top = await new Promise<string>((done) => {
    execFile('git', ['rev-parse', '--show-toplevel'], { cwd: dir }, (err, out) => done(err ? dir : out.trim()));
  });
  return { ...query, repo: top } as LedgerQuery;
}
