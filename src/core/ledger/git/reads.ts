/**
 * Reads of the git ledger by id: the path is computed from the id (both layouts are looked at),
 * so a read costs a few tree lookups at the branch head, never the read index.
 */
import { CorruptEntryError } from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import type { ActionEntry } from '../../schemas/action.js';
import type { SavedAudit } from '../../schemas/audit.js';
import type { RunEvent, RunRecord } from '../../schemas/run.js';
import { actionPath, auditPaths, runDirs, SIGNERS_PATH } from './layout.js';
import { head, treeOf, type GitLedgerState } from './ledger-state.js';
import { utf8Decode } from './platform.js';
import type { Repo } from './repo.js';

/** A stored JSON file; one that does not parse is a read-side corruption, never a failed write. */
export function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(utf8Decode.decode(bytes));
  } catch (e) {
    throw new CorruptEntryError(
      `The ledger holds unreadable JSON at ${what}: nothing was changed; run verify() for details`,
      { data: { path: what }, cause: e },
    );
  }
}

export function parseEvents(text: string): RunEvent[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as RunEvent);
}

export async function findAudit(
  repo: Repo,
  tree: string,
  id: string,
): Promise<{ path: string; oid: string } | undefined> {
  for (const path of auditPaths(id)) {
    const e = await repo.lookup(tree, path.split('/'));
    if (e && e.type === 'blob') return { path, oid: e.oid };
  }
  return undefined;
}

export async function findRun(repo: Repo, tree: string, id: string): Promise<{ dir: string; oid: string } | undefined> {
  for (const d of runDirs(id)) {
    const e = await repo.lookup(tree, d.split('/'));
    if (e && e.type === 'tree') return { dir: d, oid: e.oid };
  }
  return undefined;
}

export async function findAction(
  repo: Repo,
  tree: string,
  id: string,
): Promise<{ path: string; oid: string } | undefined> {
  const path = actionPath(id);
  const e = await repo.lookup(tree, path.split('/'));
  return e && e.type === 'blob' ? { path, oid: e.oid } : undefined;
}

async function readRunDir(repo: Repo, treeOid: string, what: string): Promise<RunRecord | undefined> {
  const entries = await repo.readTree(treeOid);
  const runFile = entries.find((e) => e.path === 'run.json');
  if (!runFile) return undefined;
  const run = parseJson(await repo.readBlob(runFile.oid), `${what}/run.json`);
  const ev = entries.find((e) => e.path === 'events.jsonl');
  let events: RunEvent[] = [];
  if (ev) {
    try {
      events = parseEvents(utf8Decode.decode(await repo.readBlob(ev.oid)));
    } catch (e) {
      throw new CorruptEntryError(
        `The ledger holds unreadable events at ${what}/events.jsonl: nothing was changed; run verify() for details`,
        { data: { path: `${what}/events.jsonl` }, cause: e },
      );
    }
  }
  return { run: run as RunRecord['run'], events };
}

export async function getAudit(s: GitLedgerState, id: string): Promise<SavedAudit | undefined> {
  assertValidId(id, 'audit');
  const h = await head(s);
  if (!h) return undefined;
  const found = await findAudit(s.repo, await treeOf(s, h), id);
  if (!found) return undefined;
  return parseJson(await s.repo.readBlob(found.oid), found.path) as SavedAudit;
}

export async function getRun(s: GitLedgerState, id: string): Promise<RunRecord | undefined> {
  assertValidId(id, 'run');
  const h = await head(s);
  if (!h) return undefined;
  // Only the branch holds entries: an `scp/run/*` tag no entry backs is never served (verify notes it).
  const found = await findRun(s.repo, await treeOf(s, h), id);
  return found ? readRunDir(s.repo, found.oid, found.dir) : undefined;
}

export async function getAction(s: GitLedgerState, id: string): Promise<ActionEntry | undefined> {
  assertValidId(id, 'action');
  const h = await head(s);
  if (!h) return undefined;
  const found = await findAction(s.repo, await treeOf(s, h), id);
  return found ? (parseJson(await s.repo.readBlob(found.oid), found.path) as ActionEntry) : undefined;
}

export async function allowedSigners(s: GitLedgerState): Promise<string | undefined> {
  const h = await head(s);
  if (!h) return undefined;
  const e = await s.repo.lookup(await treeOf(s, h), [SIGNERS_PATH]);
  return e && e.type === 'blob' ? utf8Decode.decode(await s.repo.readBlob(e.oid)) : undefined;
}

// Shard trees of the sharded layout: root → audits|runs → <2 hex> → <1 hex>. Bounded so a
// very large ledger does not fill memory; run directories below the leaves are never read.
const WARM_MAX_ENTRIES = 400_000;

async function warmTrees(s: GitLedgerState): Promise<void> {
  const { repo } = s;
  const h = await head(s);
  if (!h) return;
  const root = await repo.readTree(await treeOf(s, h));
  let level = root
    .filter((e) => e.type === 'tree' && (e.path === 'audits' || e.path === 'runs' || e.path === 'actions'))
    .map((e) => e.oid);
  let entries = 0;
  // depth 0 reads audits/ and runs/, 1 reads the <2 hex> trees, 2 reads the <1 hex> leaves.
  for (let depth = 0; depth < 3 && level.length; depth++) {
    const next: string[] = [];
    for (let i = 0; i < level.length && entries < WARM_MAX_ENTRIES; i += 32) {
      const lists = await Promise.all(level.slice(i, i + 32).map((t) => repo.readTree(t).catch(() => [])));
      for (const list of lists) {
        entries += list.length;
        if (depth < 2)
          for (const e of list)
            if (e.type === 'tree' && (depth === 0 ? /^[0-9a-f]{2}$/ : /^[0-9a-f]$/).test(e.path)) next.push(e.oid);
      }
      await new Promise((r) => setTimeout(r, 0)); // let saves and reads in between
    }
    level = next;
  }
}

/** Loads the shard trees a save rewrites into memory, once; resolves when done. */
export function warm(s: GitLedgerState): Promise<void> {
  s.warming ??= warmTrees(s).catch(() => undefined);
  return s.warming;
}
