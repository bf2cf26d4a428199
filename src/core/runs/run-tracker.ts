// The runs this client owns: their ordered store writes, the heartbeat, the group commit into the
// ledger, and the recovery of runs whose owner died. `createRuns` (runs.ts) is its public face.
import { ConflictError, LedgerWriteError, ScpError } from '../errors/index.js';
import type { Ledger, LedgerBatch } from '../ledger/types.js';
import { parseWith } from '../schemas/parse.js';
import type { Run, RunEvent, RunRecord } from '../schemas/run.js';
import type { LiveRun, StagingStore } from '../storage/types.js';
import { addArtifact, ArtifactInputSchema, type ArtifactRef } from './artifacts.js';
import { disposedError } from './guards.js';
import { capString, harvestMetadata } from './harvest.js';
import { RunOutcomeInput } from './input.js';
import { createRunLocks, type RunLocks } from './locks.js';
import { judge, type FinishInput } from './status.js';
import {
  abandonRun,
  assertOpen,
  checkSpec,
  eventFrom,
  ledgerRecord,
  noop,
  runFromSpec,
  type Redact,
  type Tracked,
} from './tracked.js';
import type { ArtifactInput, RunHandle, RunOutcome, RunSpec, RunsDeps } from './types.js';

const DEFAULTS = { heartbeatMs: 5_000, leaseMs: 30_000, groupCommitMs: 250 };

/** Writes finished runs in one ledger batch; after a conflict, only those the ledger does not hold yet. */
async function writeRecords(ledger: Ledger, records: RunRecord[]): Promise<void> {
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

/**
 * Live runs sit in the staging store with a heartbeat; finished runs wait there too until a group
 * commit puts them in the ledger, so a failed ledger write or a closed tab loses nothing.
 */
export class RunTracker {
  readonly owned = new Map<string, Tracked>();
  private readonly queue: Tracked[] = [];
  private readonly store: StagingStore;
  private readonly ledger: Ledger;
  private readonly locks: RunLocks = createRunLocks();
  private readonly heartbeatMs: number;
  private readonly leaseMs: number;
  private readonly groupCommitMs: number;
  readonly now: () => Date;
  readonly redact: Redact;
  private commitTimer: ReturnType<typeof setTimeout> | undefined;
  private heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  private flushChain: Promise<void> = Promise.resolve();
  private flushing = false;
  private disposed = false;
  /** One recovery at a time in this client (the per-run locks keep other tabs apart). */
  private recovery: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: RunsDeps) {
    this.store = deps.store;
    this.ledger = deps.ledger;
    this.heartbeatMs = deps.heartbeatMs ?? DEFAULTS.heartbeatMs;
    this.leaseMs = deps.leaseMs ?? DEFAULTS.leaseMs;
    this.groupCommitMs = deps.groupCommitMs ?? DEFAULTS.groupCommitMs;
    this.now = deps.now ?? (() => new Date());
    this.redact = <T>(v: T): T => deps.redactor.redact(v).value;
  }

  private context(): ReturnType<NonNullable<RunsDeps['context']>> {
    try {
      return this.deps.context?.() ?? {};
    } catch {
      return {};
    }
  }

  // ---- store writes, one ordered chain per run ----
  persist(t: Tracked): Promise<void> {
    if (t.queuedPut) return t.queuedPut;
    const p = t.chain.then(async () => {
      t.queuedPut = undefined;
      if (t.removed) return;
      const live: LiveRun = { run: { ...t.run }, events: t.events.slice() };
      // A store failure must not break the host's action: the run is still in memory and is
      // written again on the next heartbeat, and reaches the ledger from memory either way.
      try {
        await this.store.putRun(live);
      } catch {
        /* retried by the next persist */
      }
    });
    t.queuedPut = p;
    t.chain = p;
    return p;
  }

  private removeFromStore(t: Tracked): Promise<void> {
    t.removed = true;
    t.chain = t.chain
      .then(() => this.store.removeRun(t.run.run_id))
      .catch(noop)
      .then(() => t.release());
    return t.chain;
  }

  // ---- timers ----
  private ensureHeartbeat(): void {
    if (this.heartbeatTimer || this.disposed) return;
    this.heartbeatTimer = setInterval(() => this.beat(), this.heartbeatMs);
    (this.heartbeatTimer as { unref?: () => void }).unref?.(); // a forgotten live run must not keep Node alive
  }

  private beat(): void {
    const iso = this.now().toISOString();
    for (const t of this.owned.values()) {
      if (t.finished) continue;
      t.run.heartbeat_at = iso;
      void this.persist(t);
    }
    if (this.queue.length && !this.commitTimer && !this.flushing) this.scheduleFlush(); // retry a failed group commit
    if (!this.owned.size && !this.queue.length && this.heartbeatTimer) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
    }
  }

  private scheduleFlush(): void {
    if (this.commitTimer || this.disposed) return;
    this.commitTimer = setTimeout(() => {
      this.commitTimer = undefined;
      this.flush().catch(noop); // kept pending; retried on the next heartbeat, flush() or start
    }, this.groupCommitMs);
  }

  // ---- the ledger write (group commit) ----
  private async writePending(): Promise<void> {
    const batch = this.queue.splice(0, this.queue.length);
    if (!batch.length) return;
    try {
      await writeRecords(this.ledger, batch.map(ledgerRecord));
    } catch (e) {
      this.queue.unshift(...batch); // still in the store too (finished, awaiting the write)
      this.ensureHeartbeat();
      const ids = batch.map((t) => t.run.run_id);
      if (e instanceof ScpError && e.code === 'ledger_write_failed') throw e;
      throw new LedgerWriteError(
        `Could not write ${ids.length} finished run(s) to the ledger; they are kept and retried on the next flush`,
        { data: { ids }, cause: e },
      );
    }
    for (const t of batch) {
      this.owned.delete(t.run.run_id);
      void this.removeFromStore(t);
    }
  }

  flush(): Promise<void> {
    if (this.commitTimer) {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    const p = this.flushChain.then(async () => {
      this.flushing = true;
      try {
        await this.writePending();
      } finally {
        this.flushing = false;
      }
    });
    this.flushChain = p.catch(noop);
    return p;
  }

  // ---- run lifecycle ----
  begin(spec: RunSpec): Tracked {
    if (this.disposed) throw disposedError();
    checkSpec(spec);
    const run = runFromSpec(spec, this.context(), this.now(), this.redact);
    const t: Tracked = {
      run,
      events: [],
      finished: false,
      chain: Promise.resolve(),
      removed: false,
      release: noop,
      ready: Promise.resolve(),
      ...(spec.summary !== undefined && { specSummary: spec.summary }),
      ...(spec.signal && { signal: spec.signal }),
    };
    this.owned.set(run.run_id, t);
    // The lock is taken before the first store write, so no other tab can see it unlocked.
    t.ready = this.locks
      .hold(run.run_id)
      .then((release) => {
        t.release = release ?? noop;
      }, noop)
      .then(() => this.persist(t));
    this.deps.bus.emit('run:started', {
      run_id: run.run_id,
      type: run.type,
      subtype: run.subtype,
      summary: run.summary,
      user: run.user,
      started_at: run.started_at,
      ...(run.target !== undefined && { target: run.target }),
      ...(run.correlation_id !== undefined && { correlation_id: run.correlation_id }),
    });
    this.ensureHeartbeat();
    if (this.queue.length) this.scheduleFlush();
    return t;
  }

  async addEvent(t: Tracked, e: Parameters<RunHandle['event']>[0]): Promise<RunEvent> {
    assertOpen(t, 'events can no longer be added');
    const event = eventFrom(t, e, this.now, this.redact);
    t.events.push(event);
    this.deps.bus.emit('run:event', { run_id: t.run.run_id, event });
    await this.persist(t);
    return event;
  }

  async finishRun(t: Tracked, input: FinishInput): Promise<Run> {
    assertOpen(t, 'finish() is called once');
    t.finished = true;
    const end = this.now();
    const verdict = judge(
      { ...input, aborted: input.aborted ?? t.signal?.aborted ?? false },
      t.run.subtype,
      t.specSummary,
    );
    const said = this.redact({
      summary: verdict.summary,
      error: verdict.error,
      metadata: harvestMetadata(input.result),
    });
    const run = t.run;
    run.status = verdict.status;
    run.summary = said.summary;
    if (said.error !== undefined) run.error = said.error;
    if (said.metadata !== undefined) run.metadata = said.metadata;
    run.ended_at = end.toISOString();
    run.duration_ms = Math.max(0, end.getTime() - Date.parse(run.started_at));
    run.heartbeat_at = run.ended_at; // a finished run's age, for adopting it if this tab dies before the write
    this.deps.bus.emit('run:completed', {
      run_id: run.run_id,
      type: run.type,
      subtype: run.subtype,
      status: run.status,
      summary: run.summary,
      duration_ms: run.duration_ms,
      ...(run.metadata && { metadata: run.metadata }),
      ...(run.correlation_id !== undefined && { correlation_id: run.correlation_id }),
    });
    this.queue.push(t);
    this.scheduleFlush();
    await t.ready;
    await this.persist(t);
    return { ...run };
  }

  settle(t: Tracked, input: FinishInput): Promise<void> {
    if (t.finished) return Promise.resolve(); // the action finished its own run
    return this.finishRun(t, input).then(noop, noop);
  }

  handleFor(t: Tracked): RunHandle {
    return {
      get id() {
        return t.run.run_id;
      },
      get run() {
        return { ...t.run };
      },
      event: (e) => this.addEvent(t, e),
      artifact: (a) => this.addRunArtifact(t, a),
      finish: async (outcome: RunOutcome = {}) => {
        parseWith(RunOutcomeInput, outcome, 'run outcome');
        return this.finishRun(t, outcome);
      },
    };
  }

  private async addRunArtifact(t: Tracked, a: ArtifactInput): Promise<ArtifactRef[]> {
    assertOpen(t, 'artifacts can no longer be added');
    parseWith(ArtifactInputSchema, a, 'artifact');
    const summary = a.summary === undefined ? undefined : this.redact(capString(String(a.summary), 500));
    const list = addArtifact((t.run['artifacts'] as ArtifactRef[] | undefined) ?? [], {
      ref_type: a.type,
      ref_value: this.redact(a.value),
      repo: typeof a.repo === 'string' ? a.repo : '',
      ...(summary !== undefined && { summary }),
    });
    t.run['artifacts'] = list;
    await this.persist(t);
    return structuredClone(list);
  }

  // ---- recovery ----
  recoverAbandoned(): Promise<Run[]> {
    const p = this.recovery.then(() => this.recoverOnce());
    this.recovery = p.catch(noop);
    return p;
  }

  private async recoverOnce(): Promise<Run[]> {
    const nowMs = this.now().getTime();
    const abandoned: Run[] = [];
    for (const stored of await this.store.listRuns()) {
      const id = stored.run.run_id;
      if (this.owned.has(id)) continue;
      const running = stored.run.status === 'running';
      const beat = Date.parse(stored.run.heartbeat_at ?? stored.run.started_at);
      if (running && nowMs - beat <= this.leaseMs) continue; // a live run of another tab
      const release = await this.locks.hold(id);
      if (!release) continue; // its owner is alive (throttled timers, slow write): not ours to close
      // Look again under the lock: the owner may have finished and written it meanwhile.
      const current = await this.store.getRun(id);
      if (!current || this.owned.has(id) || (await this.ledger.getRun(id))) {
        if (current && !this.owned.has(id)) await this.store.removeRun(id).catch(noop);
        release();
        continue;
      }
      const t: Tracked = {
        run: { ...current.run },
        events: current.events.slice(),
        finished: current.run.status !== 'running',
        chain: Promise.resolve(),
        removed: false,
        release,
        ready: Promise.resolve(),
      };
      this.owned.set(id, t);
      if (!t.finished) {
        this.abandon(t);
        abandoned.push({ ...t.run });
        await this.persist(t);
      }
      this.queue.push(t);
    }
    if (this.queue.length) await this.flush();
    return abandoned;
  }

  private abandon(t: Tracked): void {
    const run = t.run;
    abandonRun(run, this.now);
    t.finished = true;
    this.deps.bus.emit('run:completed', {
      run_id: run.run_id,
      type: run.type,
      subtype: run.subtype,
      status: 'abandoned',
      summary: run.summary,
      duration_ms: run.duration_ms ?? null,
    });
  }

  dispose(): void {
    this.disposed = true;
    if (this.commitTimer) {
      clearTimeout(this.commitTimer);
      this.commitTimer = undefined;
    }
    if (this.heartbeatTimer) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
    }
    // Whatever is still live or unwritten stays in the store; letting go of the locks lets the
    // next client (or another tab) recover it.
    for (const t of this.owned.values()) t.release();
  }
}
