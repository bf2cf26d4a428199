import { auditTypeOf } from '../cards.js';
import {
  AlreadySavedError, ConflictError, EmptySelectionError, isScpError, LedgerWriteError, NotFoundError, SnapshotTooLargeError, ValidationError,
} from '../errors/index.js';
import { canonicalJson, contentHash, sha256Hex } from '../hash/index.js';
import { assertValidId, newActionId, newAuditId } from '../ids.js';
import { targetOf } from '../ledger/actions.js';
import type { ActionEntry } from '../schemas/action.js';
import type { AuditMeta, AuditSnapshot, SavedAudit } from '../schemas/audit.js';
import { checkValueLimits, DEFAULT_VALUE_LIMITS } from '../limits.js';
import { nullRecord, own } from '../own.js';
import { selectionOrThrow } from '../selection.js';
import { metaOf } from '../storage/shared.js';
import { deriveSummary, oneLine } from './summary.js';
import type { DiscardOptions, DiscardResult, SaveOptions, SaveResult, StageItem, StageOptions, StageResult, Staging, StagingDeps } from './types.js';

export const DEFAULT_MAX_SNAPSHOT_BYTES = 1024 * 1024;
/** Scans per store write in `stageMany`: large enough that transaction commits stay rare (100 measured
 * ~60% slower than 500), bounded so a huge batch overlaps CPU work with writes and caps memory. */
export const STAGE_CHUNK = 500;
/** Pending ids looked up in the ledger at once by the start-up sweep. */
const RECONCILE_BATCH = 25;
/** Web Lock held (per origin) while pending audits are saved or discarded. */
export const SAVE_LOCK = 'scp-ledger:staging-save';

/** Store meta key holding the last saved snapshot of a card (drives skip-unchanged). */
export const lastSavedKey = (cardKey: string) => `last_saved:${cardKey}`;
export interface LastSaved { content_hash: string; computed_at: number; snapshot_id: string }

const encoder = new TextEncoder();
type Action = 'save' | 'discard';

function invalid(what: string, path: string, message: string, hint: string): ValidationError {
  return new ValidationError(`Invalid ${what}: ${path} ${message}. ${hint}`, { data: { what, issues: [{ path, message }] } });
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(2)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} bytes`;
}

/** An optional short text option: a string of at most `max` characters, or absent. */
function optionalText(v: unknown, name: string, max: number): string | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string' || v.length > max) throw invalid('options', name, `must be a string of at most ${max} characters`, `Pass the ${name.replace('_', ' ')} as text.`);
  return v;
}

/** A scan ready to store; its content hash is being computed (WebCrypto is async, so a batch overlaps them). */
interface Prepared { prepared: AuditSnapshot; hashing: Promise<string> }

/**
 * The pending-audit area. Everything a scan result goes through before it is stored — redaction,
 * the size limit, the content hash — happens in `stage`, so the store never sees a raw result.
 * Mutations (stage, save, discard) run one at a time per instance: two saves of the same id
 * cannot both write it, and `latest` replacement never races another stage of the same card.
 */
export function createStaging(deps: StagingDeps): Staging {
  const { store, ledger, bus, redactor } = deps;
  const policy = deps.policy ?? 'latest';
  const skipUnchanged = deps.skipUnchanged ?? true;
  const stageErrors = deps.stageErrors ?? false;
  const maxBytes = deps.maxSnapshotBytes ?? DEFAULT_MAX_SNAPSHOT_BYTES;
  const limits = deps.limits ?? DEFAULT_VALUE_LIMITS;
  const now = deps.now ?? (() => new Date());

  let queue: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn);
    queue = run.catch(() => undefined);
    return run;
  }

  // Saves and discards also take a Web Lock where there is one, so two tabs saving the same
  // audit cannot both write it: the second finds it no longer pending.
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  function acrossTabs<T>(fn: () => Promise<T>): Promise<T> {
    return exclusive(() => (locks ? locks.request(SAVE_LOCK, () => fn()) as Promise<T> : fn()));
  }

  /** Validate, redact, size-check and start hashing one scan. Pure work: nothing is stored here. */
  function prepare(cardKey: unknown, result: unknown, options: StageOptions = {}): Prepared | StageResult {
    const what = 'stage input';
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this check rejects
    if (typeof cardKey !== 'string' || !cardKey.trim() || cardKey.length > 200 || /[\u0000-\u001f]/.test(cardKey)) {
      throw invalid(what, 'card_key', 'must be a non-empty string of at most 200 printable characters', 'Pass the card key, e.g. "security".');
    }
    if (options === null || typeof options !== 'object') throw invalid(what, 'options', 'must be an object', 'Pass { status, duration_s, summary, computed_at }.');
    const looksFailed = !!result && typeof result === 'object' && !Array.isArray(result) && !!(result as { error?: unknown }).error;
    const status = options.status ?? (looksFailed ? 'error' : 'ok');
    if (typeof status !== 'string' || !status) throw invalid(what, 'status', 'must be a non-empty string', 'Use "ok" or "error".');
    if (status !== 'ok' && !stageErrors) return { staged: false, reason: 'not_ok', card_key: cardKey };

    const at = options.computed_at ?? now();
    if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw invalid(what, 'computed_at', 'must be a valid Date', 'Pass when the scan finished.');
    const duration = options.duration_s ?? 0;
    if (typeof duration !== 'number' || !Number.isFinite(duration) || duration < 0) {
      throw invalid(what, 'duration_s', 'must be a finite number of seconds >= 0', 'Pass how long the scan took.');
    }
    if (options.summary !== undefined && typeof options.summary !== 'string') throw invalid(what, 'summary', 'must be a string', 'Pass one line for humans.');
    if (result === undefined) throw invalid(what, 'result', 'is missing', 'Pass the scan result (any JSON value).');
    // Before the redactor walks it: too deep, too wide or too long is a typed error, never a stack overflow.
    checkValueLimits(result, limits, `scan result of card "${cardKey.slice(0, 80)}"`, 'result');

    let data: unknown;
    let fired: string[];
    let canonical: string;
    try {
      if (redactor.redactCanonical) {
        ({ value: data, fired, canonical } = redactor.redactCanonical(result));
      } else {
        ({ value: data, fired } = redactor.redact(result));
        canonical = canonicalJson(data);
      }
    } catch (e) {
      if (!(e instanceof TypeError)) throw e;
      throw new ValidationError(`Cannot stage "${cardKey}": the result is not JSON data (${e.message}). Pass plain objects, arrays, strings, finite numbers, booleans and null.`, {
        data: { what, issues: [{ path: 'result', message: 'not JSON' }] }, cause: e,
      });
    }
    const rawSummary = options.summary !== undefined ? oneLine(options.summary) : deriveSummary(cardKey, data, status);
    const summary = redactor.redact(rawSummary);

    const snapshot: AuditSnapshot = {
      snapshot_id: newAuditId(cardKey, at),
      card_key: cardKey,
      audit_type: auditTypeOf(cardKey),
      computed_at: at.getTime() / 1000,
      iso: at.toISOString(),
      status,
      duration_s: Math.round(duration * 1000) / 1000,
      summary: summary.value,
      content_hash: '',
      redacted: [...new Set([...fired, ...summary.fired])].sort(),
      data,
    };
    const dataBytes = encoder.encode(canonical);
    const bytes = dataBytes.length + encoder.encode(JSON.stringify(metaOf(snapshot))).length + 8;
    if (bytes > maxBytes) {
      throw new SnapshotTooLargeError(
        `Snapshot of card "${cardKey}" is ${formatBytes(bytes)} of JSON after redaction, over the ${formatBytes(maxBytes)} limit: trim the scan result or raise maxSnapshotBytes.`,
        { data: { card_key: cardKey, bytes, limit: maxBytes } },
      );
    }
    const hashing = sha256Hex(dataBytes);
    hashing.catch(() => undefined); // awaited by the caller; this only silences an early exit
    return { prepared: snapshot, hashing };
  }

  /** The content hash of the last saved snapshot of a card: store meta, else the ledger's newest. */
  async function lastSavedHash(cardKey: string): Promise<string | undefined> {
    const known = await store.getMeta<LastSaved>(lastSavedKey(cardKey));
    if (known?.content_hash) return known.content_hash;
    try {
      const page = await ledger.list({ kind: 'audit', card: cardKey, limit: 1 });
      return page.entries[0]?.content_hash;
    } catch {
      // Skip-unchanged is an optimisation: an unreachable ledger must not lose the scan.
      return undefined;
    }
  }

  /** What deciding a batch needs to know: last saved hashes and (policy latest) pending ids per card. */
  interface State { lastHashes: Map<string, string | undefined>; pendingByCard: Map<string, string[]> }

  async function loadState(cardKeys: Iterable<unknown>): Promise<State> {
    const cards = [...new Set([...cardKeys].filter((k): k is string => typeof k === 'string'))];
    const state: State = { lastHashes: new Map(), pendingByCard: new Map() };
    if (policy === 'latest' && cards.length) {
      for (const m of await store.listSnapshots()) {
        const ids = state.pendingByCard.get(m.card_key) ?? [];
        ids.push(m.snapshot_id);
        state.pendingByCard.set(m.card_key, ids);
      }
    }
    if (skipUnchanged) {
      const hashes = await Promise.all(cards.map((c) => lastSavedHash(c)));
      for (const [i, c] of cards.entries()) state.lastHashes.set(c, hashes[i]);
    }
    return state;
  }

  interface Plan {
    results: StageResult[];
    put: Map<string, AuditSnapshot>;
    remove: Set<string>;
    staged: { snapshot: AuditSnapshot; replaced: string[] }[];
  }

  /** Decide, as sequential `stage` calls would, what prepared scans do to pending (updates `state`). */
  function plan(items: (Prepared | StageResult)[], state: State): Plan {
    const out: Plan = { results: [], put: new Map(), remove: new Set(), staged: [] };
    for (const item of items) {
      if (!('prepared' in item)) { out.results.push(item); continue; }
      const s = item.prepared;
      if (skipUnchanged && state.lastHashes.get(s.card_key) === s.content_hash) {
        out.results.push({ staged: false, reason: 'unchanged', card_key: s.card_key });
        continue;
      }
      let replaced: string[] = [];
      if (policy === 'latest') {
        replaced = state.pendingByCard.get(s.card_key) ?? [];
        for (const id of replaced) { if (!out.put.delete(id)) out.remove.add(id); }
        state.pendingByCard.set(s.card_key, [s.snapshot_id]);
      }
      out.put.set(s.snapshot_id, s);
      out.staged.push({ snapshot: s, replaced });
      out.results.push({ staged: true, snapshot: metaOf(s), replaced });
    }
    return out;
  }

  /** One store write for a plan (replacement and its removals in the same transaction). */
  function write(p: Plan): Promise<void> {
    return p.put.size || p.remove.size ? store.writeSnapshots({ put: [...p.put.values()], remove: [...p.remove] }) : Promise.resolve();
  }

  function announce(p: Plan): void {
    for (const { snapshot: s, replaced } of p.staged) {
      bus.emit('audit:pending', { snapshot_id: s.snapshot_id, card_key: s.card_key, summary: s.summary, iso: s.iso, replaced });
    }
  }

  async function hashed(items: (Prepared | StageResult)[]): Promise<void> {
    await Promise.all(items.map(async (p) => { if ('prepared' in p) p.prepared.content_hash = await p.hashing; }));
  }

  function notPending(missing: string[], action: Action): NotFoundError {
    const list = missing.map((id) => `"${id}"`).join(', ');
    return new NotFoundError(
      `${missing.length === 1 ? `Audit ${list} is` : `Audits ${list} are`} not pending (it may have been saved or discarded in another tab). Nothing was ${action === 'save' ? 'saved' : 'discarded'}.`,
      { data: { kind: 'audit', id: missing.join(',') } },
    );
  }

  /** Load every selected pending snapshot; unknown ids fail the whole call before anything happens. */
  async function loadSelection(selection: string[] | 'all'): Promise<AuditSnapshot[]> {
    const ids = selection === 'all' ? (await store.listSnapshots()).map((m) => m.snapshot_id) : selection;
    if (ids.length === 0) throw new EmptySelectionError('Nothing to save: no audit is pending.', { data: { action: 'save' } });
    const found = await Promise.all(ids.map((id) => store.getSnapshot(id)));
    const missing = ids.filter((_, i) => !found[i]);
    if (missing.length) throw notPending(missing, 'save');
    return found as AuditSnapshot[];
  }

  /** Metadata is enough to discard: the data blobs are never loaded. */
  async function selectMetas(selection: string[] | 'all'): Promise<AuditMeta[]> {
    const all = await store.listSnapshots();
    if (selection === 'all') {
      if (all.length === 0) throw new EmptySelectionError('Nothing to discard: no audit is pending.', { data: { action: 'discard' } });
      return all;
    }
    const byId = new Map(all.map((m) => [m.snapshot_id, m]));
    const missing = selection.filter((id) => !byId.has(id));
    if (missing.length) throw notPending(missing, 'discard');
    return selection.map((id) => byId.get(id)!);
  }

  /** Redact again on the way out (idempotent): a store another process wrote is not trusted blindly. */
  async function toSaved(s: AuditSnapshot, savedAt: string, savedBy: string, correlation?: string): Promise<SavedAudit> {
    const { value: data, fired } = redactor.redact(s.data);
    const summary = redactor.redact(s.summary);
    const again = [...fired, ...summary.fired];
    const saved: SavedAudit = { ...s, summary: summary.value, data, saved_at: savedAt, saved_by: savedBy, ...(correlation && { correlation_id: correlation }) };
    if (again.length) {
      saved.content_hash = await contentHash(data);
      saved.redacted = [...new Set([...(s.redacted ?? []), ...again])].sort();
    }
    return saved;
  }

  async function rememberSaved(audits: SavedAudit[]): Promise<void> {
    const newest = new Map<string, SavedAudit>();
    for (const a of audits) {
      const cur = newest.get(a.card_key);
      if (!cur || a.computed_at >= cur.computed_at) newest.set(a.card_key, a);
    }
    for (const [card, a] of newest) {
      if (!a.content_hash) continue;
      const prev = await store.getMeta<LastSaved>(lastSavedKey(card));
      if (prev && prev.computed_at > a.computed_at) continue;
      await store.setMeta(lastSavedKey(card), { content_hash: a.content_hash, computed_at: a.computed_at, snapshot_id: a.snapshot_id } satisfies LastSaved);
    }
  }

  async function claim(ids: string[]): Promise<void> {
    const r = await store.claimForSave!(ids);
    if (r.ok) return;
    if (r.saved.length || r.busy.length) {
      const taken = [...r.saved.map((x) => x.id), ...r.busy];
      const list = taken.map((id) => `"${id}"`).join(', ');
      throw new AlreadySavedError(
        `${taken.length === 1 ? `Audit ${list} is` : `Audits ${list} are`} already saved${r.busy.length ? ' or being saved' : ''} by another host instance. Nothing was saved twice; refresh the pending list.`,
        { data: { ids: taken, commits: Object.fromEntries(r.saved.map((x) => [x.id, x.commit])) } },
      );
    }
    throw notPending(r.missing, 'save');
  }

  /** Reserve `ids` for a discard in a shared store; the ids another instance got first are named in the error. */
  async function claimToDiscard(ids: string[]): Promise<void> {
    const r = await store.claimForSave!(ids);
    if (r.ok) return;
    const nothing = 'Nothing was discarded; refresh the pending list.';
    if (r.missing.length) throw notPending(r.missing, 'discard');
    if (r.saved.length) {
      const saved = r.saved.map((x) => x.id);
      throw new AlreadySavedError(`${saved.length === 1 ? `Audit "${saved[0]}" is` : `Audits ${saved.map((id) => `"${id}"`).join(', ')} are`} already saved by another host instance, so no longer pending. ${nothing}`, {
        data: { ids: saved, commits: Object.fromEntries(r.saved.map((x) => [x.id, x.commit])) },
      });
    }
    throw new ConflictError(`${r.busy.length === 1 ? `Audit "${r.busy[0]}" is` : `Audits ${r.busy.map((id) => `"${id}"`).join(', ')} are`} being saved or discarded by another host instance right now. ${nothing}`, {
      data: { reason: 'busy', ids: r.busy },
    });
  }

  /**
   * One ledger write for `audits`. An audit the ledger already holds while it is still pending
   * (the process stopped between the commit and the removal from pending) is saved: it is left
   * out of the write and counted as saved, so saving it again succeeds instead of failing forever.
   */
  async function writeReconciled(audits: SavedAudit[], actor: string, message?: string): Promise<{ commit: string }> {
    let rest = audits;
    for (;;) {
      try {
        return await ledger.write({ audits: rest, actor, ...(message !== undefined && { message }) });
      } catch (e) {
        const taken = isScpError(e) && e.code === 'conflict' && (e.data as { reason?: string }).reason === 'exists' ? (e.data as { ids?: unknown }).ids : undefined;
        if (!Array.isArray(taken) || taken.length === 0) throw e;
        const inLedger = new Set<string>();
        for (const id of taken) if (typeof id === 'string' && (await ledger.getAudit(id))) inLedger.add(id);
        if (inLedger.size !== taken.length) throw e;
        rest = rest.filter((a) => !inLedger.has(a.snapshot_id));
        if (rest.length === 0) return { commit: (await ledger.head()) ?? '' };
      }
    }
  }

  /**
   * The start-up sweep: pending audits the ledger already holds leave pending, counted as saved.
   * The ledger is asked only when something is pending, a batch of ids at a time, outside the save
   * lock; the removal takes the lock and keeps to ids still pending then.
   */
  async function reconcile(): Promise<string[]> {
    const pending = await store.listSnapshots();
    if (pending.length === 0) return [];
    const found: SavedAudit[] = [];
    for (let i = 0; i < pending.length; i += RECONCILE_BATCH) {
      const got = await Promise.all(pending.slice(i, i + RECONCILE_BATCH).map((m) => ledger.getAudit(m.snapshot_id)));
      for (const a of got) if (a) found.push(a);
    }
    if (found.length === 0) return [];
    return acrossTabs(async () => {
      const still = new Set((await store.listSnapshots()).map((m) => m.snapshot_id));
      const saved = found.filter((a) => still.has(a.snapshot_id));
      if (saved.length === 0) return [];
      const ids = saved.map((a) => a.snapshot_id);
      // The head holds them; the commit that first did is not worth a history walk here.
      if (store.markSaved) await store.markSaved(ids, (await ledger.head()) ?? '');
      else await store.writeSnapshots({ remove: ids });
      await rememberSaved(saved);
      for (const a of saved) {
        bus.emit('audit:saved', {
          snapshot_id: a.snapshot_id, card_key: a.card_key, status: a.status, summary: a.summary, iso: a.iso,
          ...(a.saved_by && { actor: a.saved_by }), ...(typeof a.correlation_id === 'string' && { correlation_id: a.correlation_id }),
        });
      }
      return ids;
    });
  }

  /** The save itself, once this process may write the ids. */
  async function saveClaimed(ids: string[], options: SaveOptions): Promise<SaveResult> {
    const snapshots = await loadSelection(ids);
    const savedAt = now().toISOString();
    const savedBy = options.actor ?? deps.actor?.() ?? 'unknown';
    const correlation = optionalText(options.correlation_id, 'correlation_id', 200);
    const audits = await Promise.all(snapshots.map((s) => toSaved(s, savedAt, savedBy, correlation)));
    const saveIds = audits.map((a) => a.snapshot_id);
    let written: { commit: string };
    try {
      written = await writeReconciled(audits, savedBy, options.message);
    } catch (e) {
      // A full disk keeps its own code (hosts answer it 507); its message says nothing was saved.
      if (isScpError(e) && e.code === 'disk_full') throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new LedgerWriteError(
        `Saving ${saveIds.length} audit${saveIds.length === 1 ? '' : 's'} to the ledger failed (${reason}). ${saveIds.length === 1 ? 'It is' : 'All of them are'} still pending: fix the cause and save again.`,
        { data: { ids: saveIds }, cause: e },
      );
    }
    // The ledger holds them now: only from here on do they leave pending.
    let cleanup: unknown;
    try {
      if (store.markSaved) await store.markSaved(saveIds, written.commit);
      else await store.writeSnapshots({ remove: saveIds });
      await rememberSaved(audits);
    } catch (e) {
      cleanup = e;
    }
    for (const a of audits) {
      bus.emit('audit:saved', {
        snapshot_id: a.snapshot_id, card_key: a.card_key, status: a.status, summary: a.summary, iso: a.iso, commit: written.commit,
        actor: savedBy, ...(correlation && { correlation_id: correlation }),
      });
    }
    // Saved, but still listed as pending: report the storage failure (the events above are true).
    if (cleanup) throw cleanup;
    return { saved: saveIds, commit: written.commit };
  }

  return {
    async stage(cardKey, result, options) {
      const prepared = prepare(cardKey, result, options);
      if (!('prepared' in prepared)) return prepared;
      await hashed([prepared]);
      return exclusive(async () => {
        const p = plan([prepared], await loadState([cardKey]));
        await write(p);
        announce(p);
        return p.results[0]!;
      });
    },

    async stageMany(items: StageItem[]) {
      if (!Array.isArray(items)) throw invalid('stage input', '(root)', 'must be an array of { card_key, result, options }', 'Pass the scans to stage.');
      for (const [i, item] of items.entries()) {
        if (!item || typeof item !== 'object') throw invalid('stage input', `[${i}]`, 'must be { card_key, result, options }', 'Pass one object per scan.');
      }
      if (items.length === 0) return [];
      return exclusive(async () => {
        const state = await loadState(items.map((i) => i.card_key));
        const results: StageResult[] = [];
        // Chunks are pipelined: the next chunk is redacted and hashed while the store writes the
        // previous one. A chunk is written only after the one before it succeeded, and its
        // events follow its write, so a failure leaves exactly what sequential stage() calls
        // would have left: everything before the failing scan staged, nothing after.
        let inflight: { done: Promise<void>; plan: Plan } | undefined;
        let failure: { error: unknown } | undefined;
        for (let start = 0; start < items.length && !failure; start += STAGE_CHUNK) {
          const chunk: (Prepared | StageResult)[] = [];
          for (const item of items.slice(start, start + STAGE_CHUNK)) {
            try {
              chunk.push(prepare(item.card_key, item.result, item.options));
            } catch (error) {
              failure = { error };
              break;
            }
          }
          await hashed(chunk);
          const next = plan(chunk, state);
          if (inflight) { await inflight.done; announce(inflight.plan); }
          inflight = { done: write(next), plan: next };
          inflight.done.catch(() => undefined); // awaited above or below
          results.push(...next.results);
        }
        if (inflight) { await inflight.done; announce(inflight.plan); }
        if (failure) throw failure.error;
        return results;
      });
    },

    async list(filter = {}) {
      if (filter === null || typeof filter !== 'object') throw invalid('pending filter', '(root)', 'must be an object', 'Pass { card_key?, audit_type? }.');
      if (filter.card_key !== undefined && typeof filter.card_key !== 'string') throw invalid('pending filter', 'card_key', 'must be a string', 'Pass a card key.');
      if (filter.audit_type !== undefined && filter.audit_type !== 'devops' && filter.audit_type !== 'project') {
        throw invalid('pending filter', 'audit_type', 'must be "devops" or "project"', 'Pass one of the two audit types.');
      }
      const all = await store.listSnapshots();
      return all.filter((m: AuditMeta) => (filter.card_key === undefined || m.card_key === filter.card_key)
        && (filter.audit_type === undefined || m.audit_type === filter.audit_type));
    },

    async get(id) {
      assertValidId(id, 'audit');
      const s = await store.getSnapshot(id);
      if (!s) {
        throw new NotFoundError(`Audit "${id}" is not pending (it may have been saved or discarded in another tab)`, { data: { kind: 'audit', id } });
      }
      return s;
    },

    async counts() {
      // Null prototype: a card named `constructor` or `__proto__` counts like any other.
      const out = nullRecord<number>();
      for (const m of await store.listSnapshots()) out[m.card_key] = (own(out, m.card_key) ?? 0) + 1;
      return out;
    },

    async save(ids, options = {}): Promise<SaveResult> {
      const selection = selectionOrThrow(ids, 'save');
      // A store shared with other processes claims the ids of each save (all or none), which
      // already keeps two saves of one snapshot apart: saves then need not wait for each other
      // (or for stages) in this process's queue.
      const turn = store.claimForSave ? <T>(fn: () => Promise<T>) => fn() : acrossTabs;
      return turn(async () => {
        const ids = selection === 'all' ? (await store.listSnapshots()).map((m) => m.snapshot_id) : selection;
        // A store shared with other processes: reserve the ids first (all or none).
        const claimed = store.claimForSave && ids.length > 0;
        if (claimed) await claim(ids);
        try {
          return await saveClaimed(ids, options);
        } catch (e) {
          if (claimed) await store.releaseClaim?.(ids).catch(() => undefined);
          throw e;
        }
      });
    },

    reconcile,

    async discard(ids, options: DiscardOptions = {}): Promise<DiscardResult> {
      const selection = selectionOrThrow(ids, 'discard');
      if (options === null || typeof options !== 'object') throw invalid('discard options', '(root)', 'must be an object', 'Pass { actor?, reason?, correlation_id? }.');
      const reason = optionalText(options.reason, 'reason', 2000);
      const correlation = optionalText(options.correlation_id, 'correlation_id', 200);
      // A store shared with other processes claims the ids first (all or none), as a save does: of
      // two instances discarding the same audit one records it, the other is told it is gone.
      const turn = store.claimForSave ? <T>(fn: () => Promise<T>) => fn() : acrossTabs;
      return turn(async () => {
        const metas = await selectMetas(selection);
        const discardIds = metas.map((m) => m.snapshot_id);
        const claimed = !!store.claimForSave && discardIds.length > 0;
        if (claimed) await claimToDiscard(discardIds);
        try {
          return await discardClaimed(metas, discardIds);
        } catch (e) {
          if (claimed) await store.releaseClaim?.(discardIds).catch(() => undefined);
          throw e;
        }
      });

      async function discardClaimed(metas: AuditMeta[], discardIds: string[]): Promise<DiscardResult> {
        const at = now();
        const actor = options.actor ?? deps.actor?.() ?? 'unknown';
        // The record comes first: if the ledger cannot take it, nothing is discarded. It keeps each
        // snapshot's id, card and hash only, so the discarded data itself is gone.
        const action: ActionEntry = {
          action_id: newActionId('discard', at), action: 'discard', at: at.toISOString(), actor,
          targets: metas.map(targetOf),
          ...(reason && { reason: redactor.redact(reason).value }), ...(correlation && { correlation_id: correlation }),
        };
        let written: { commit: string };
        try {
          written = await ledger.write({ actions: [action], actor });
        } catch (e) {
          if (isScpError(e) && e.code === 'disk_full') throw e; // its own code (hosts answer 507); nothing was discarded
          const why = e instanceof Error ? e.message : String(e);
          throw new LedgerWriteError(
            `Recording the discard of ${discardIds.length} audit${discardIds.length === 1 ? '' : 's'} in the ledger failed (${why}). Nothing was discarded: fix the cause and discard again.`,
            { data: { ids: discardIds }, cause: e },
          );
        }
        await store.writeSnapshots({ remove: discardIds });
        for (const s of metas) {
          bus.emit('audit:discarded', {
            snapshot_id: s.snapshot_id, card_key: s.card_key, actor, action_id: action.action_id, commit: written.commit,
            ...(action.reason && { reason: action.reason }), ...(correlation && { correlation_id: correlation }),
          });
        }
        return { discarded: discardIds, action_id: action.action_id, commit: written.commit };
      }
    },
  };
}
