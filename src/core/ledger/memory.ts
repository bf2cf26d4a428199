import { ConflictError, NotFoundError } from '../errors/index.js';
import { canonicalJson, sha256Hex } from '../hash/index.js';
import { assertValidId } from '../ids.js';
import type { ActionEntry } from '../schemas/action.js';
import type { SavedAudit } from '../schemas/audit.js';
import type { EntryMeta, LedgerPage, LedgerQuery } from '../schemas/ledger.js';
import type { RunRecord } from '../schemas/run.js';
import { createEntryIndex } from './entry-index.js';
import { checkDeleteReason, deleteActionOf, targetOf } from './actions.js';
import { actionMetaOf, auditMetaOf, runMetaOf } from './query.js';
import type { DeleteOptions, Ledger, LedgerBatch, VerifyReport, WriteResult } from './types.js';
import { canonicalOrThrow, validateBatch } from './validate-batch.js';

/** One commit of the memory ledger (kept so tests and tools can inspect the history). */
export interface MemoryCommit {
  id: string;
  parent?: string;
  time: string;
  actor?: string;
  message: string;
  /** Ids added by this commit (audits, runs, then actions, in batch order). */
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
  actions: ActionEntry[];
  ids: string[];
}

/**
 * The entry as it will be stored: a JSON copy (exactly what JSON can carry, as a git ledger
 * would hold it) with `sha256` set over the canonical JSON of everything else.
 */
async function sealed<T extends Record<string, unknown>>(entry: T, what: string): Promise<T & { sha256: string }> {
  const { sha256: _ignored, ...rest } = entry;
  const canonical = canonicalOrThrow(rest, what, '(root)');
  return { ...(JSON.parse(canonical) as T), sha256: await sha256Hex(canonical) };
}

async function prepare(batch: LedgerBatch): Promise<Prepared> {
  const v = validateBatch(batch);
  // Hashing is asynchronous (WebCrypto): all entries at once, after every synchronous check passed.
  const audits = await Promise.all(v.audits.map((a, i) => sealed(a, `audit ${i} of the batch`)));
  const runs = await Promise.all(
    v.runs.map(async (r, i) => ({ run: await sealed(r.run, `run ${i} of the batch`), events: r.events })),
  );
  const actions = await Promise.all(v.actions.map((a, i) => sealed(a, `action ${i} of the batch`)));
  return { audits, runs, actions, ids: v.ids };
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
  const actions = new Map<string, ActionEntry>();
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
    const id = (
      await sha256Hex(
        `memory-ledger\n${head ?? ''}\n${commits.length}\n${time}\n${info.added.join(',')}\n${info.deleted.join(',')}`,
      )
    ).slice(0, 40);
    return { id, ...(head !== undefined && { parent: head }), time, ...info };
  }

  return {
    write(batch: LedgerBatch): Promise<WriteResult> {
      return serialized(async () => {
        const p = await prepare(batch);
        const taken = [
          ...p.audits.filter((a) => audits.has(a.snapshot_id)).map((a) => a.snapshot_id),
          ...p.runs.filter((r) => runs.has(r.run.run_id)).map((r) => r.run.run_id),
          ...p.actions.filter((a) => actions.has(a.action_id)).map((a) => a.action_id),
        ];
        if (taken.length) {
          throw new ConflictError(
            `Already in the ledger: ${taken.join(', ')} (saved entries are never overwritten; use a new id)`,
            {
              data: { ids: taken, reason: 'exists' },
            },
          );
        }
        const message =
          batch.message ??
          (p.ids.length === 1
            ? `${p.audits.length ? 'audit' : p.runs.length ? 'run' : 'action'}: ${p.ids[0]}`
            : `ledger: ${p.ids.length} entries`);
        const commit = await newCommit({
          ...(batch.actor !== undefined && { actor: batch.actor }),
          message,
          added: p.ids,
          deleted: [],
        });
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
        for (const a of p.actions) {
          actions.set(a.action_id, a);
          metas.push(actionMetaOf(a, commit.id));
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

    async getAction(id: string): Promise<ActionEntry | undefined> {
      assertValidId(id, 'action');
      const a = actions.get(id);
      return a === undefined ? undefined : structuredClone(a);
    },

    async list(query?: LedgerQuery): Promise<LedgerPage> {
      return index.list(query);
    },

    deleteAudit(id: string, opts: DeleteOptions = {}): Promise<WriteResult> {
      return serialized(async () => {
        assertValidId(id, 'audit');
        checkDeleteReason(id, opts);
        const gone = audits.get(id);
        if (!gone) {
          throw new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, {
            data: { kind: 'audit', id },
          });
        }
        const action = await sealed(deleteActionOf(targetOf(gone), opts, now()), 'delete action');
        const message = `audit: delete ${id}\n\n${action.reason}`;
        const commit = await newCommit({
          ...(opts.actor !== undefined && { actor: opts.actor }),
          message,
          added: [action.action_id],
          deleted: [id],
        });
        audits.delete(id);
        index.remove('audit', id);
        actions.set(action.action_id, action);
        index.add([actionMetaOf(action, commit.id)]);
        commits.push(commit);
        head = commit.id;
        return { commit: commit.id, ids: [id], action_id: action.action_id };
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
          return {
            ok: false,
            reason: 'hash_mismatch',
            message: `Entry "${id}" no longer matches its sha256`,
            entry: id,
            ...(head && { head }),
            checked: { commits: commits.length, entries },
          };
        }
        return undefined;
      };
      for (const [id, a] of audits) {
        const bad = await check(a, id);
        if (bad) return bad;
      }
      for (const [id, r] of runs) {
        const bad = await check(r.run, id);
        if (bad) return bad;
      }
      for (const [id, a] of actions) {
        const bad = await check(a, id);
        if (bad) return bad;
      }
      return { ok: true, ...(head && { head }), checked: { commits: commits.length, entries } };
    },

    log(): MemoryCommit[] {
      return commits.map((c) => ({ ...c, added: [...c.added], deleted: [...c.deleted] }));
    },

    async close(): Promise<void> {},
  };
}
