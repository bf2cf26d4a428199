import { ConflictError, NotFoundError, ValidationError } from '../errors/index.js';
import { canonicalJson, sha256Hex } from '../hash/index.js';
import { assertValidId } from '../ids.js';
import { SavedAudit } from '../schemas/audit.js';
import type { EntryMeta, LedgerPage, LedgerQuery } from '../schemas/ledger.js';
import { parseWith } from '../schemas/parse.js';
import { RunRecord } from '../schemas/run.js';
import { createEntryIndex } from './entry-index.js';
import { auditMetaOf, runMetaOf } from './query.js';
import type { Ledger, LedgerBatch, VerifyReport, WriteResult } from './types.js';

/** One commit of the memory ledger (kept so tests and tools can inspect the history). */
export interface MemoryCommit {
  id: string;
  parent?: string;
  time: string;
  actor?: string;
  message: string;
  /** Ids added by this commit (audits then runs, in batch order). */
  added: string[];
  /** Audit ids removed by an explicit delete commit. */
  deleted: string[];
}

export interface MemoryLedger extends Ledger {
  /** Commits, oldest first. */
  log(): MemoryCommit[];
}

export interface MemoryLedgerOptions {
  /** Clock for commit times (tests). */
  now?: () => Date;
}

interface Prepared {
  audits: SavedAudit[];
  runs: RunRecord[];
  ids: string[];
}

function invalid(what: string, path: string, message: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${path}: ${message}`, { data: { what, issues: [{ path, message }] } });
}

/**
 * The entry as it will be stored: a JSON copy (exactly what JSON can carry, as a git ledger
 * would hold it) with `sha256` set over the canonical JSON of everything else.
 */
async function sealed<T extends Record<string, unknown>>(entry: T, what: string): Promise<T & { sha256: string }> {
  const { sha256: _ignored, ...rest } = entry;
  let canonical: string;
  try {
    canonical = canonicalJson(rest);
  } catch (e) {
    throw new ValidationError(`Invalid ${what}: it holds a value JSON cannot store (${(e as Error).message})`, {
      data: { what, issues: [{ path: '(root)', message: (e as Error).message }] }, cause: e,
    });
  }
  return { ...(JSON.parse(canonical) as T), sha256: await sha256Hex(canonical) };
}

function checkTime(iso: string, what: string, path: string): void {
  if (Number.isNaN(Date.parse(iso))) throw invalid(what, path, `not an ISO-8601 time: ${JSON.stringify(iso)}`);
}

async function prepare(batch: LedgerBatch): Promise<Prepared> {
  if (typeof batch !== 'object' || batch === null) throw invalid('ledger batch', '(root)', 'expected an object with `audits` and/or `runs`');
  const rawAudits: unknown = batch.audits ?? [];
  const rawRuns: unknown = batch.runs ?? [];
  if (!Array.isArray(rawAudits)) throw invalid('ledger batch', 'audits', 'expected an array');
  if (!Array.isArray(rawRuns)) throw invalid('ledger batch', 'runs', 'expected an array');
  if (rawAudits.length + rawRuns.length === 0) throw invalid('ledger batch', '(root)', 'nothing to write: pass at least one audit or run');

  const audits: SavedAudit[] = [];
  const runs: RunRecord[] = [];
  for (const [i, raw] of rawAudits.entries()) {
    const what = `audit ${i} of the batch`;
    const a = parseWith(SavedAudit, raw, what);
    assertValidId(a.snapshot_id, 'audit');
    checkTime(a.iso, what, 'iso');
    audits.push(a);
  }
  for (const [i, raw] of rawRuns.entries()) {
    const what = `run ${i} of the batch`;
    const r = parseWith(RunRecord, raw, what);
    assertValidId(r.run.run_id, 'run');
    checkTime(r.run.started_at, what, 'run.started_at');
    if (r.run.status === 'running') throw invalid(what, 'run.status', 'a running run cannot be written to the ledger: finish it first');
    let seq = -Infinity;
    for (const [j, ev] of r.events.entries()) {
      if (!(ev.seq > seq)) throw invalid(what, `events.${j}.seq`, `event seq must increase strictly (got ${ev.seq} after ${seq})`);
      seq = ev.seq;
    }
    const events = JSON.parse(canonicalOrThrow(r.events, what)) as RunRecord['events'];
    runs.push({ run: r.run, events });
  }
  // Hashing is asynchronous (WebCrypto): all entries at once, after every synchronous check passed.
  const sealedAudits = await Promise.all(audits.map((a, i) => sealed(a, `audit ${i} of the batch`)));
  const sealedRuns = await Promise.all(runs.map(async (r, i) => ({ run: await sealed(r.run, `run ${i} of the batch`), events: r.events })));

  const dupes = (ids: string[]) => {
    const seen = new Set<string>();
    return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
  };
  const auditIds = audits.map((a) => a.snapshot_id);
  const runIds = runs.map((r) => r.run.run_id);
  const repeated = [...new Set([...dupes(auditIds), ...dupes(runIds)])];
  if (repeated.length) {
    throw new ConflictError(`The batch holds the same id more than once: ${repeated.join(', ')} (each entry needs its own id)`, {
      data: { ids: repeated, reason: 'duplicate_in_batch' },
    });
  }
  return { audits: sealedAudits, runs: sealedRuns, ids: [...auditIds, ...runIds] };
}

function canonicalOrThrow(value: unknown, what: string): string {
  try {
    return canonicalJson(value);
  } catch (e) {
    throw new ValidationError(`Invalid ${what}: it holds a value JSON cannot store (${(e as Error).message})`, {
      data: { what, issues: [{ path: 'events', message: (e as Error).message }] }, cause: e,
    });
  }
}

/**
 * An in-process Ledger: a Map per kind for reads by id and an EntryIndex (newest-first arrays,
 * binary search to cursors and time bounds, chunked text search) for list, filters and pages.
 * Writes are serialized; a batch is validated completely before anything is applied.
 */
export function createMemoryLedger(options: MemoryLedgerOptions = {}): MemoryLedger {
  const now = options.now ?? (() => new Date());
  const audits = new Map<string, SavedAudit>();
  const runs = new Map<string, RunRecord>();
  const index = createEntryIndex();
  const commits: MemoryCommit[] = [];
  let head: string | undefined;
  let queue: Promise<unknown> = Promise.resolve();

  // Writes and deletes run one at a time, in call order, so conflict checks see every earlier write.
  function serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  async function newCommit(info: Omit<MemoryCommit, 'id' | 'parent' | 'time'>): Promise<MemoryCommit> {
    const time = now().toISOString();
    const id = (await sha256Hex(`memory-ledger\n${head ?? ''}\n${commits.length}\n${time}\n${info.added.join(',')}\n${info.deleted.join(',')}`)).slice(0, 40);
    return { id, ...(head !== undefined && { parent: head }), time, ...info };
  }

  return {
    write(batch: LedgerBatch): Promise<WriteResult> {
      return serialized(async () => {
        const p = await prepare(batch);
        const taken = [
          ...p.audits.filter((a) => audits.has(a.snapshot_id)).map((a) => a.snapshot_id),
          ...p.runs.filter((r) => runs.has(r.run.run_id)).map((r) => r.run.run_id),
        ];
        if (taken.length) {
          throw new ConflictError(`Already in the ledger: ${taken.join(', ')} (saved entries are never overwritten; use a new id)`, {
            data: { ids: taken, reason: 'exists' },
          });
        }
        const message = batch.message ?? (p.ids.length === 1 ? `${p.audits.length ? 'audit' : 'run'}: ${p.ids[0]}` : `ledger: ${p.ids.length} entries`);
        const commit = await newCommit({ ...(batch.actor !== undefined && { actor: batch.actor }), message, added: p.ids, deleted: [] });
        // Everything below is synchronous: readers see all of the batch or none of it.
        const metas: EntryMeta[] = [];
        for (const a of p.audits) {
          audits.set(a.snapshot_id, a);
          metas.push(auditMetaOf(a, commit.id));
        }
        for (const r of p.runs) {
          runs.set(r.run.run_id, r);
          metas.push(runMetaOf(r, commit.id));
        }
        index.add(metas);
        commits.push(commit);
        head = commit.id;
        return { commit: commit.id, ids: p.ids };
      });
    },

    async getAudit(id: string): Promise<SavedAudit | undefined> {
      assertValidId(id, 'audit');
      const a = audits.get(id);
      return a === undefined ? undefined : structuredClone(a);
    },

    async getRun(id: string): Promise<RunRecord | undefined> {
      assertValidId(id, 'run');
      const r = runs.get(id);
      return r === undefined ? undefined : structuredClone(r);
    },

    async list(query?: LedgerQuery): Promise<LedgerPage> {
      return index.list(query);
    },

    deleteAudit(id: string, opts: { actor?: string; reason?: string } = {}): Promise<WriteResult> {
      return serialized(async () => {
        assertValidId(id, 'audit');
        if (!audits.has(id)) {
          throw new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, { data: { kind: 'audit', id } });
        }
        const message = `audit: delete ${id}${opts.reason ? `\n\n${opts.reason}` : ''}`;
        const commit = await newCommit({ ...(opts.actor !== undefined && { actor: opts.actor }), message, added: [], deleted: [id] });
        audits.delete(id);
        index.remove('audit', id);
        commits.push(commit);
        head = commit.id;
        return { commit: commit.id, ids: [id] };
      });
    },

    async head(): Promise<string | undefined> {
      return head;
    },

    async verify(): Promise<VerifyReport> {
      let entries = 0;
      const check = async (entry: Record<string, unknown>, id: string): Promise<VerifyReport | undefined> => {
        entries++;
        const { sha256, ...rest } = entry;
        if (sha256 !== (await sha256Hex(canonicalJson(rest)))) {
          return { ok: false, reason: 'hash_mismatch', message: `Entry "${id}" no longer matches its sha256`, entry: id, ...(head && { head }), checked: { commits: commits.length, entries } };
        }
        return undefined;
      };
      for (const [id, a] of audits) { const bad = await check(a, id); if (bad) return bad; }
      for (const [id, r] of runs) { const bad = await check(r.run, id); if (bad) return bad; }
      return { ok: true, ...(head && { head }), checked: { commits: commits.length, entries } };
    },

    log(): MemoryCommit[] {
      return commits.map((c) => ({ ...c, added: [...c.added], deleted: [...c.deleted] }));
    },

    async close(): Promise<void> {},
  };
}
