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

/** The memory ledger's entries, index and history; writes go through `serialized`. */
class MemoryStore {
  readonly audits = new Map<string, SavedAudit>();
  readonly runs = new Map<string, RunRecord>();
  readonly actions = new Map<string, ActionEntry>();
  readonly index = createEntryIndex();
  readonly commits: MemoryCommit[] = [];
  head: string | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly now: () => Date) {}

  // Writes and deletes run one at a time, in call order, so conflict checks see every earlier write.
  serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async newCommit(info: Omit<MemoryCommit, 'id' | 'parent' | 'time'>): Promise<MemoryCommit> {
    const { head, commits } = this;
    const time = this.now().toISOString();
    const id = (
      await sha256Hex(
        `memory-ledger\n${head ?? ''}\n${commits.length}\n${time}\n${info.added.join(',')}\n${info.deleted.join(',')}`,
      )
    ).slice(0, 40);
    return { id, ...(head !== undefined && { parent: head }), time, ...info };
  }

  async write(batch: LedgerBatch): Promise<WriteResult> {
    const { audits, runs, actions } = this;
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
    const commit = await this.newCommit({
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
    this.index.add(metas);
    this.commits.push(commit);
    this.head = commit.id;
    return { commit: commit.id, ids: p.ids };
  }

  async deleteAudit(id: string, opts: DeleteOptions): Promise<WriteResult> {
    assertValidId(id, 'audit');
    checkDeleteReason(id, opts);
    const gone = this.audits.get(id);
    if (!gone) {
      throw new NotFoundError(`Audit "${id}" is not in the ledger (it may have been deleted already)`, {
        data: { kind: 'audit', id },
      });
    }
    const action = await sealed(deleteActionOf(targetOf(gone), opts, this.now()), 'delete action');
    const message = `audit: delete ${id}\n\n${action.reason}`;
    const commit = await this.newCommit({
      ...(opts.actor !== undefined && { actor: opts.actor }),
      message,
      added: [action.action_id],
      deleted: [id],
    });
    this.audits.delete(id);
    this.index.remove('audit', id);
    this.actions.set(action.action_id, action);
    this.index.add([actionMetaOf(action, commit.id)]);
    this.commits.push(commit);
    this.head = commit.id;
    return { commit: commit.id, ids: [id], action_id: action.action_id };
  }

  /** Every entry with its id: audits, then runs (their run.json), then actions. */
  private *entries(): Generator<[string, Record<string, unknown>]> {
    for (const [id, a] of this.audits) yield [id, a];
    for (const [id, r] of this.runs) yield [id, r.run];
    for (const [id, a] of this.actions) yield [id, a];
  }

  /** Every entry's `sha256` against its content. */
  async verify(): Promise<VerifyReport> {
    const { head, commits } = this;
    let entries = 0;
    for (const [id, entry] of this.entries()) {
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
    }
    return { ok: true, ...(head && { head }), checked: { commits: commits.length, entries } };
  }
}

/**
 * An in-process Ledger: a Map per kind for reads by id and an EntryIndex (newest-first arrays,
 * binary search to cursors and time bounds, chunked text search) for list, filters and pages.
 * Writes are serialized; a batch is validated completely before anything is applied.
 */
export function createMemoryLedger(options: MemoryLedgerOptions = {}): MemoryLedger {
  const store = new MemoryStore(options.now ?? (() => new Date()));
  const copyOf = <T>(entry: T | undefined): T | undefined => (entry === undefined ? undefined : structuredClone(entry));
  return {
    write: (batch: LedgerBatch): Promise<WriteResult> => store.serialized(() => store.write(batch)),
    async getAudit(id: string): Promise<SavedAudit | undefined> {
      assertValidId(id, 'audit');
      return copyOf(store.audits.get(id));
    },
    async getRun(id: string): Promise<RunRecord | undefined> {
      assertValidId(id, 'run');
      return copyOf(store.runs.get(id));
    },
    async getAction(id: string): Promise<ActionEntry | undefined> {
      assertValidId(id, 'action');
      return copyOf(store.actions.get(id));
    },
    list: async (query?: LedgerQuery): Promise<LedgerPage> => store.index.list(query),
    deleteAudit: (id: string, opts: DeleteOptions = {}): Promise<WriteResult> =>
      store.serialized(() => store.deleteAudit(id, opts)),
    head: async (): Promise<string | undefined> => store.head,
    verify: () => store.verify(),
    log(): MemoryCommit[] {
      return store.commits.map((c) => ({ ...c, added: [...c.added], deleted: [...c.deleted] }));
    },
    async close(): Promise<void> {},
  };
}
