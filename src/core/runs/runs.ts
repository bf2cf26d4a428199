import { ConflictError, LedgerWriteError, RunFinishedError, ScpError, ValidationError } from '../errors/index.js';
import { assertValidId, newRunId } from '../ids.js';
import type { LedgerBatch } from '../ledger/types.js';
import type { Run, RunEvent, RunRecord } from '../schemas/run.js';
import type { LiveRun } from '../storage/types.js';
import { disposedError, isThenable } from './guards.js';
import { capString, EVENT_LIMITS, harvestMetadata, harvestValue } from './harvest.js';
import { createRunLocks, type RunLocks } from './locks.js';
import { judge, type FinishInput } from './status.js';
import { addArtifact, type ArtifactRef } from './artifacts.js';
import type { ArtifactInput, RunHandle, RunOutcome, RunSpec, Runs, RunsDeps } from './types.js';

const DEFAULTS = { heartbeatMs: 5_000, leaseMs: 30_000, groupCommitMs: 250 };
const noop = () => {};

/** A run this instance looks after, from start (or adoption) until the ledger has it. */
interface Tracked {
  run: Run;
  events: RunEvent[];
  specSummary?: string;
  signal?: AbortSignal;
  finished: boolean;
  /** Store writes of this run, strictly in order (a late heartbeat never overwrites the finish). */
  chain: Promise<void>;
  /** A put waiting in `chain` that has not started yet: later changes ride along with it. */
  queuedPut?: Promise<void>;
  removed: boolean;
  release: () => void;
  /** The lock is held and the first store write is done (or failed). */
  ready: Promise<void>;
}

/** `deploy` + `k8s` → `deploy:k8s`; a subtype that already names its type is kept. */
function normaliseSubtype(type: string, subtype?: string): string {
  if (!subtype) return type;
  return subtype.includes(':') || subtype === type ? subtype : `${type}:${subtype}`;
}

function checkSpec(spec: RunSpec): void {
  const issues: { path: string; message: string }[] = [];
  if (!spec || typeof spec !== 'object') issues.push({ path: '(root)', message: 'expected a run spec object' });
  else {
    if (typeof spec.type !== 'string' || !spec.type.trim()) issues.push({ path: 'type', message: 'a non-empty string is required (e.g. "deploy")' });
    else if (spec.type.length > 100) issues.push({ path: 'type', message: 'at most 100 characters' });
    if (spec.subtype !== undefined && (typeof spec.subtype !== 'string' || spec.subtype.length > 200)) issues.push({ path: 'subtype', message: 'a string of at most 200 characters' });
    if (spec.modules_affected !== undefined && !(Array.isArray(spec.modules_affected) && spec.modules_affected.every((m) => typeof m === 'string'))) {
      issues.push({ path: 'modules_affected', message: 'a list of strings' });
    }
  }
  if (issues.length) {
    throw new ValidationError(`Invalid run spec: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { data: { what: 'run spec', issues } });
  }
}

/** The run as the ledger keeps it: no live-only fields. */
function ledgerRecord(t: Tracked): RunRecord {
  const { heartbeat_at: _live, ...run } = t.run;
  return { run, events: t.events.slice() };
}

/**
 * Run tracking: `track` / `wrap` / `start` → `event` → `finish`. Live runs sit in the staging store
 * with a heartbeat; finished runs wait there too until a group commit puts them in the ledger, so a
 * failed ledger write or a closed tab loses nothing. `recoverAbandoned` closes runs whose owner died.
 */
export function createRuns(deps: RunsDeps): Runs {
  const { store, ledger, bus, redactor } = deps;
  const heartbeatMs = deps.heartbeatMs ?? DEFAULTS.heartbeatMs;
  const leaseMs = deps.leaseMs ?? DEFAULTS.leaseMs;
  const groupCommitMs = deps.groupCommitMs ?? DEFAULTS.groupCommitMs;
  const now = deps.now ?? (() => new Date());
  const locks: RunLocks = createRunLocks();

  const owned = new Map<string, Tracked>();
  const queue: Tracked[] = [];
  let commitTimer: ReturnType<typeof setTimeout> | undefined;
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  let flushChain: Promise<void> = Promise.resolve();
  let flushing = false;
  let disposed = false;

  const redact = <T>(v: T): T => redactor.redact(v).value;

  function context(): ReturnType<NonNullable<RunsDeps['context']>> {
    try { return deps.context?.() ?? {}; } catch { return {}; }
  }

  // ---- store writes, one ordered chain per run ----
  function persist(t: Tracked): Promise<void> {
    if (t.queuedPut) return t.queuedPut;
    const p = t.chain.then(async () => {
      t.queuedPut = undefined;
      if (t.removed) return;
      const live: LiveRun = { run: { ...t.run }, events: t.events.slice() };
      // A store failure must not break the host's action: the run is still in memory and is
      // written again on the next heartbeat, and reaches the ledger from memory either way.
      try { await store.putRun(live); } catch { /* retried by the next persist */ }
    });
    t.queuedPut = p;
    t.chain = p;
    return p;
  }

  function removeFromStore(t: Tracked): Promise<void> {
    t.removed = true;
    t.chain = t.chain.then(() => store.removeRun(t.run.run_id)).catch(noop).then(() => t.release());
    return t.chain;
  }

  // ---- timers ----
  function ensureHeartbeat(): void {
    if (heartbeatTimer || disposed) return;
    heartbeatTimer = setInterval(beat, heartbeatMs);
    (heartbeatTimer as { unref?: () => void }).unref?.(); // a forgotten live run must not keep Node alive
  }

  function beat(): void {
    const iso = now().toISOString();
    for (const t of owned.values()) {
      if (t.finished) continue;
      t.run.heartbeat_at = iso;
      void persist(t);
    }
    if (queue.length && !commitTimer && !flushing) scheduleFlush(); // retry a failed group commit
    if (!owned.size && !queue.length && heartbeatTimer) { clearInterval(heartbeatTimer); heartbeatTimer = undefined; }
  }

  function scheduleFlush(): void {
    if (commitTimer || disposed) return;
    commitTimer = setTimeout(() => {
      commitTimer = undefined;
      flush().catch(noop); // kept pending; retried on the next heartbeat, flush() or start
    }, groupCommitMs);
  }

  // ---- the ledger write (group commit) ----
  async function writeRecords(records: RunRecord[]): Promise<void> {
    const actors = new Set(records.map((r) => r.run.user));
    const batch: LedgerBatch = { runs: records, ...(actors.size === 1 && { actor: [...actors][0]! }) };
    try {
      await ledger.write(batch);
    } catch (e) {
      if (!(e instanceof ConflictError)) throw e;
      // Some of these may already be in the ledger (another tab adopted and wrote them): write the rest.
      const missing: RunRecord[] = [];
      for (const r of records) if (!(await ledger.getRun(r.run.run_id))) missing.push(r);
      if (missing.length === records.length) throw e;
      if (missing.length) await ledger.write({ ...batch, runs: missing });
    }
  }

  async function writePending(): Promise<void> {
    const batch = queue.splice(0, queue.length);
    if (!batch.length) return;
    try {
      await writeRecords(batch.map(ledgerRecord));
    } catch (e) {
      queue.unshift(...batch); // still in the store too (finished, awaiting the write)
      ensureHeartbeat();
      const ids = batch.map((t) => t.run.run_id);
      if (e instanceof ScpError && e.code === 'ledger_write_failed') throw e;
      throw new LedgerWriteError(`Could not write ${ids.length} finished run(s) to the ledger; they are kept and retried on the next flush`, { data: { ids }, cause: e });
    }
    for (const t of batch) {
      owned.delete(t.run.run_id);
      void removeFromStore(t);
    }
  }

  function flush(): Promise<void> {
    if (commitTimer) { clearTimeout(commitTimer); commitTimer = undefined; }
    const p = flushChain.then(async () => {
      flushing = true;
      try { await writePending(); } finally { flushing = false; }
    });
    flushChain = p.catch(noop);
    return p;
  }

  // ---- run lifecycle ----
  function begin(spec: RunSpec): Tracked {
    if (disposed) throw disposedError();
    checkSpec(spec);
    const ctx = context();
    const at = now();
    const iso = at.toISOString();
    const type = spec.type.trim();
    const subtype = normaliseSubtype(type, spec.subtype?.trim());
    const text = redact({
      summary: capString(spec.summary ?? `${subtype} running`),
      target: spec.target ?? ctx.target,
      reason: spec.reason,
      correlation_id: spec.correlation_id ?? ctx.correlation_id,
    });
    const environment = spec.environment ?? ctx.environment;
    const run: Run = {
      run_id: newRunId(type, at),
      type,
      subtype,
      status: 'running',
      user: spec.actor || ctx.actor || 'unknown',
      code_ref: spec.code_ref ?? ctx.code_ref ?? '',
      started_at: iso,
      ended_at: null,
      duration_ms: null,
      ...(environment !== undefined && { environment }),
      ...(spec.modules_affected && { modules_affected: [...spec.modules_affected] }),
      summary: text.summary,
      ...(text.target !== undefined && { target: capString(String(text.target)) }),
      ...(text.reason !== undefined && { reason: capString(String(text.reason)) }),
      ...(text.correlation_id !== undefined && { correlation_id: capString(String(text.correlation_id), 200) }),
      heartbeat_at: iso,
    };
    const t: Tracked = {
      run, events: [], finished: false, chain: Promise.resolve(), removed: false, release: noop, ready: Promise.resolve(),
      ...(spec.summary !== undefined && { specSummary: spec.summary }),
      ...(spec.signal && { signal: spec.signal }),
    };
    owned.set(run.run_id, t);
    // The lock is taken before the first store write, so no other tab can see it unlocked.
    t.ready = locks.hold(run.run_id).then((release) => { t.release = release ?? noop; }, noop).then(() => persist(t));
    bus.emit('run:started', {
      run_id: run.run_id, type, subtype, summary: run.summary, user: run.user, started_at: iso,
      ...(run.target !== undefined && { target: run.target }),
      ...(run.correlation_id !== undefined && { correlation_id: run.correlation_id }),
    });
    ensureHeartbeat();
    if (queue.length) scheduleFlush();
    return t;
  }

  async function addEvent(t: Tracked, e: Parameters<RunHandle['event']>[0]): Promise<RunEvent> {
    if (t.finished) {
      throw new RunFinishedError(`Run ${t.run.run_id} already finished (${t.run.status}): events can no longer be added`, { data: { run_id: t.run.run_id, status: t.run.status } });
    }
    if (!e || typeof e !== 'object' || typeof e.type !== 'string' || !e.type.trim()) {
      throw new ValidationError('Invalid run event: type: a non-empty string is required', { data: { what: 'run event', issues: [{ path: 'type', message: 'a non-empty string is required' }] } });
    }
    const { seq: _seq, ts: _ts, type, detail, ...rest } = e as Record<string, unknown> & { type: string };
    const fields = redact(harvestValue(rest, EVENT_LIMITS) as Record<string, unknown> | undefined) ?? {};
    const cleanDetail = detail === undefined ? undefined : redact(harvestValue(detail, EVENT_LIMITS));
    const event: RunEvent = {
      ...fields,
      seq: t.events.length + 1,
      ts: now().toISOString(),
      type: capString(type.trim(), 100),
      ...(cleanDetail !== undefined && {
        detail: (typeof cleanDetail === 'object' && cleanDetail !== null && !Array.isArray(cleanDetail)) ? cleanDetail as Record<string, unknown> : { value: cleanDetail },
      }),
    };
    t.events.push(event);
    bus.emit('run:event', { run_id: t.run.run_id, event });
    await persist(t);
    return event;
  }

  async function finishRun(t: Tracked, input: FinishInput): Promise<Run> {
    if (t.finished) {
      throw new RunFinishedError(`Run ${t.run.run_id} already finished (${t.run.status}): finish() is called once`, { data: { run_id: t.run.run_id, status: t.run.status } });
    }
    t.finished = true;
    const end = now();
    const verdict = judge({ ...input, aborted: input.aborted ?? t.signal?.aborted ?? false }, t.run.subtype, t.specSummary);
    const said = redact({ summary: verdict.summary, error: verdict.error, metadata: harvestMetadata(input.result) });
    const run = t.run;
    run.status = verdict.status;
    run.summary = said.summary;
    if (said.error !== undefined) run.error = said.error;
    if (said.metadata !== undefined) run.metadata = said.metadata;
    run.ended_at = end.toISOString();
    run.duration_ms = Math.max(0, end.getTime() - Date.parse(run.started_at));
    run.heartbeat_at = run.ended_at; // a finished run's age, for adopting it if this tab dies before the write
    bus.emit('run:completed', {
      run_id: run.run_id, type: run.type, subtype: run.subtype, status: run.status, summary: run.summary,
      duration_ms: run.duration_ms, ...(run.metadata && { metadata: run.metadata }),
      ...(run.correlation_id !== undefined && { correlation_id: run.correlation_id }),
    });
    queue.push(t);
    scheduleFlush();
    await t.ready;
    await persist(t);
    return { ...run };
  }

  function settle(t: Tracked, input: FinishInput): Promise<void> {
    if (t.finished) return Promise.resolve(); // the action finished its own run
    return finishRun(t, input).then(noop, noop);
  }

  function handleFor(t: Tracked): RunHandle {
    return {
      get id() { return t.run.run_id; },
      get run() { return { ...t.run }; },
      event: (e) => addEvent(t, e),
      artifact: (a) => addRunArtifact(t, a),
      finish: (outcome: RunOutcome = {}) => finishRun(t, outcome),
    };
  }

  async function addRunArtifact(t: Tracked, a: ArtifactInput): Promise<ArtifactRef[]> {
    if (t.finished) {
      throw new RunFinishedError(`Run ${t.run.run_id} already finished (${t.run.status}): artifacts can no longer be added`, { data: { run_id: t.run.run_id, status: t.run.status } });
    }
    if (!a || typeof a !== 'object') throw new ValidationError('Invalid artifact: pass { type, value, repo?, summary? }', { data: { what: 'artifact', issues: [{ path: '(root)', message: 'not an object' }] } });
    const summary = a.summary === undefined ? undefined : redact(capString(String(a.summary), 500));
    const list = addArtifact((t.run['artifacts'] as ArtifactRef[] | undefined) ?? [], {
      ref_type: a.type, ref_value: typeof a.value === 'string' ? redact(a.value) : a.value, repo: typeof a.repo === 'string' ? a.repo : '',
      ...(summary !== undefined && { summary }),
    });
    t.run['artifacts'] = list;
    await persist(t);
    return structuredClone(list);
  }

  // ---- recovery ----
  function abandon(t: Tracked): void {
    const run = t.run;
    const started = Date.parse(run.started_at);
    const lastBeat = Date.parse(run.heartbeat_at ?? run.started_at);
    const endMs = Number.isFinite(lastBeat) ? lastBeat : started;
    run.status = 'abandoned';
    run.ended_at = new Date(Number.isFinite(endMs) ? endMs : now().getTime()).toISOString();
    run.duration_ms = Number.isFinite(started) && Number.isFinite(endMs) ? Math.max(0, endMs - started) : null;
    run.summary = `${run.subtype} abandoned`;
    run.error = 'its tab or process stopped before the run finished (no heartbeat since ended_at)';
    t.finished = true;
    bus.emit('run:completed', {
      run_id: run.run_id, type: run.type, subtype: run.subtype, status: 'abandoned', summary: run.summary, duration_ms: run.duration_ms,
    });
  }

  // One recovery at a time in this client (the per-run locks keep other tabs apart).
  let recovery: Promise<unknown> = Promise.resolve();
  function recoverAbandoned(): Promise<Run[]> {
    const p = recovery.then(recoverOnce);
    recovery = p.catch(noop);
    return p;
  }

  async function recoverOnce(): Promise<Run[]> {
    const nowMs = now().getTime();
    const abandoned: Run[] = [];
    for (const stored of await store.listRuns()) {
      const id = stored.run.run_id;
      if (owned.has(id)) continue;
      const running = stored.run.status === 'running';
      const beat = Date.parse(stored.run.heartbeat_at ?? stored.run.started_at);
      if (running && nowMs - beat <= leaseMs) continue; // a live run of another tab
      const release = await locks.hold(id);
      if (!release) continue; // its owner is alive (throttled timers, slow write): not ours to close
      // Look again under the lock: the owner may have finished and written it meanwhile.
      const current = await store.getRun(id);
      if (!current || owned.has(id) || (await ledger.getRun(id))) {
        if (current && !owned.has(id)) await store.removeRun(id).catch(noop);
        release();
        continue;
      }
      const t: Tracked = {
        run: { ...current.run }, events: current.events.slice(), finished: current.run.status !== 'running',
        chain: Promise.resolve(), removed: false, release, ready: Promise.resolve(),
      };
      owned.set(id, t);
      if (!t.finished) {
        abandon(t);
        abandoned.push({ ...t.run });
        await persist(t);
      }
      queue.push(t);
    }
    if (queue.length) await flush();
    return abandoned;
  }

  // Close what crashed tabs left behind, without holding up the host.
  if (deps.recoverOnStart !== false) void recoverAbandoned().catch(noop);

  return {
    async track<T>(spec: RunSpec, fn: (handle: RunHandle) => T | Promise<T>): Promise<T> {
      const t = begin(spec);
      await t.ready;
      let value: T;
      try {
        value = await fn(handleFor(t));
      } catch (error) {
        await settle(t, { threw: true, error });
        throw error;
      }
      await settle(t, { result: value });
      return value;
    },

    wrap<T>(spec: RunSpec, fn: (handle: RunHandle) => T): T {
      const t = begin(spec);
      let out: T;
      try {
        out = fn(handleFor(t));
      } catch (error) {
        void settle(t, { threw: true, error });
        throw error;
      }
      if (isThenable(out)) {
        return Promise.resolve(out).then(
          async (value) => { await settle(t, { result: value }); return value; },
          async (error: unknown) => { await settle(t, { threw: true, error }); throw error; },
        ) as T;
      }
      void settle(t, { result: out });
      return out;
    },

    async start(spec) {
      const t = begin(spec);
      await t.ready;
      return handleFor(t);
    },

    async live() {
      const byId = new Map<string, Run>();
      for (const l of await store.listRuns()) if (l.run.status === 'running') byId.set(l.run.run_id, l.run);
      for (const t of owned.values()) {
        if (t.finished) byId.delete(t.run.run_id);
        else byId.set(t.run.run_id, { ...t.run });
      }
      return [...byId.values()].sort((a, b) => (a.started_at < b.started_at ? 1 : a.started_at > b.started_at ? -1 : 0));
    },

    async get(id) {
      assertValidId(id, 'run');
      const saved = await ledger.getRun(id);
      if (saved) return saved;
      const mine = owned.get(id);
      if (mine) return { run: { ...mine.run }, events: mine.events.slice() };
      const live = await store.getRun(id);
      if (live) return { run: live.run, events: live.events };
      // A run leaves this tab's list and the store only once it is in the ledger: when both miss,
      // its group commit may have landed while the first ledger read was in flight.
      return ledger.getRun(id);
    },

    recoverAbandoned,
    flush,

    dispose() {
      disposed = true;
      if (commitTimer) { clearTimeout(commitTimer); commitTimer = undefined; }
      if (heartbeatTimer) { clearInterval(heartbeatTimer); heartbeatTimer = undefined; }
      // Whatever is still live or unwritten stays in the store; letting go of the locks lets the
      // next client (or another tab) recover it.
      for (const t of owned.values()) t.release();
    },
  };
}
