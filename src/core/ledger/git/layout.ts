/**
 * Where entries live on the ledger branch. A path is computed from the id alone.
 *
 * Sharded (what new entries use by default): a 32-bit FNV-1a hash of the id picks
 * `<2 hex>/<1 hex>` (4,096 leaf directories), so a batch rewrites only small trees at any size:
 *   audits/<aa>/<b>/<id>.json
 *   runs/<aa>/<b>/<id>/run.json + events.jsonl
 *   actions/<aa>/<b>/<id>.json (discards and deletes; the origin has none, so every layout uses this)
 * Origin (the Python system's flat layout, read always, written when asked):
 *   audits/<id>.json
 *   ledger/runs/<id>/run.json + events.jsonl
 */

export type LayoutName = 'sharded' | 'origin';
export type EntryKind = 'audit' | 'run' | 'action';

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function shardOf(id: string): [string, string] {
  const hex = fnv1a(id).toString(16).padStart(8, '0');
  return [hex.slice(0, 2), hex.slice(2, 3)];
}

export function auditPath(id: string, layout: LayoutName): string {
  if (layout === 'origin') return `audits/${id}.json`;
  const [a, b] = shardOf(id);
  return `audits/${a}/${b}/${id}.json`;
}

export function runDir(id: string, layout: LayoutName): string {
  if (layout === 'origin') return `ledger/runs/${id}`;
  const [a, b] = shardOf(id);
  return `runs/${a}/${b}/${id}`;
}

/** Where a discard/delete entry lives (one place: the area is ours alone). */
export function actionPath(id: string): string {
  const [a, b] = shardOf(id);
  return `actions/${a}/${b}/${id}.json`;
}

/** Every place an audit with this id may live, preferred first. */
export function auditPaths(id: string): string[] {
  return [auditPath(id, 'sharded'), auditPath(id, 'origin')];
}

export function runDirs(id: string): string[] {
  return [runDir(id, 'sharded'), runDir(id, 'origin')];
}

export interface EntryLocation {
  kind: EntryKind;
  id: string;
  /** `entry` = audit json / run.json; `events` = a run's events.jsonl. */
  part: 'entry' | 'events';
  layout: LayoutName;
}

export type Misplaced = { misplaced: true; reason: string };

/**
 * The ledger's areas, one row per top-level path: what a blob path under it holds (`rest` is the
 * path below the area's prefix). Everything outside these rows (and the signers file) is data the
 * ledger does not judge; verify() reports it as info. A new kind of entry is one more row.
 */
export const LEDGER_AREAS: { prefix: string; classify(rest: string[]): EntryLocation | Misplaced }[] = [
  { prefix: 'audits/', classify: classifyAudit },
  { prefix: 'runs/', classify: classifyShardedRun },
  { prefix: 'ledger/runs/', classify: classifyOriginRun },
  // Discards and deletes: one file per action, sharded like audits.
  { prefix: 'actions/', classify: classifyAction },
];

/** The enrolled signing keys, in git's allowed_signers format, at the root of the branch. */
export const SIGNERS_PATH = 'allowed_signers';

/**
 * What a blob path on the branch holds. `undefined` for paths outside the ledger's areas (the
 * origin keeps other data, e.g. chat threads, on the same branch). `misplaced` when the path is in
 * a ledger area but is not where its id says it should be.
 */
export function classifyPath(path: string): EntryLocation | Misplaced | undefined {
  for (const area of LEDGER_AREAS) {
    if (path.startsWith(area.prefix)) return area.classify(path.slice(area.prefix.length).split('/'));
  }
  return undefined;
}

function classifyAudit(s: string[]): EntryLocation | Misplaced {
  const file = s[s.length - 1]!;
  if (!file.endsWith('.json')) return { misplaced: true, reason: 'an audit file must end in .json' };
  const id = file.slice(0, -5);
  if (s.length === 1) return { kind: 'audit', id, part: 'entry', layout: 'origin' };
  if (s.length === 3) {
    const [a, b] = shardOf(id);
    if (s[0] === a && s[1] === b) return { kind: 'audit', id, part: 'entry', layout: 'sharded' };
    return { misplaced: true, reason: `audit ${id} belongs in audits/${a}/${b}/` };
  }
  return { misplaced: true, reason: 'unexpected depth under audits/' };
}

function classifyAction(s: string[]): EntryLocation | Misplaced {
  const file = s[s.length - 1]!;
  if (s.length !== 3) return { misplaced: true, reason: 'unexpected depth under actions/' };
  if (!file.endsWith('.json')) return { misplaced: true, reason: 'an action file must end in .json' };
  const id = file.slice(0, -5);
  const [a, b] = shardOf(id);
  if (s[0] === a && s[1] === b) return { kind: 'action', id, part: 'entry', layout: 'sharded' };
  return { misplaced: true, reason: `action ${id} belongs in actions/${a}/${b}/` };
}

function classifyShardedRun(s: string[]): EntryLocation | Misplaced {
  if (s.length !== 4) return { misplaced: true, reason: 'unexpected depth under runs/' };
  const id = s[2]!;
  const part = runPart(s[3]!);
  if (!part) return { misplaced: true, reason: `unexpected file ${s[3]} in a run directory` };
  const [a, b] = shardOf(id);
  if (s[0] === a && s[1] === b) return { kind: 'run', id, part, layout: 'sharded' };
  return { misplaced: true, reason: `run ${id} belongs in runs/${a}/${b}/` };
}

function classifyOriginRun(s: string[]): EntryLocation | Misplaced {
  if (s.length !== 2) return { misplaced: true, reason: 'unexpected depth under ledger/runs/' };
  const part = runPart(s[1]!);
  if (!part) return { misplaced: true, reason: `unexpected file ${s[1]} in a run directory` };
  return { kind: 'run', id: s[0]!, part, layout: 'origin' };
}

/** Every path an entry's main file may have, one per layout (one id must resolve to exactly one). */
export function entryPaths(kind: EntryKind, id: string): string[] {
  if (kind === 'action') return [actionPath(id)];
  return kind === 'audit' ? auditPaths(id) : runDirs(id).map((d) => `${d}/run.json`);
}

function runPart(file: string): 'entry' | 'events' | undefined {
  return file === 'run.json' ? 'entry' : file === 'events.jsonl' ? 'events' : undefined;
}

/** Pretty JSON (indent 2) with a trailing newline, as the origin writes entries. */
export function prettyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function eventsJsonl(events: unknown[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : '');
}
