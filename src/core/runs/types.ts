import type { Run, RunEvent, RunRecord, RunStatus } from '../schemas/run.js';

/** What a host says about an action it is about to run. */
export interface RunSpec {
  type: string;
  /** `<type>:<detail>`; defaults to `type`. */
  subtype?: string;
  summary?: string;
  /** Who (default from the client's context provider, then `unknown`). */
  actor?: string;
  target?: string;
  reason?: string;
  correlation_id?: string;
  code_ref?: string;
  environment?: string;
  modules_affected?: string[];
  /** When this signal is aborted before the action settles, the run ends `cancelled`. */
  signal?: AbortSignal;
}

/** Host-supplied defaults for each run (who is signed in, which commit is deployed ...). */
export type RunContextProvider = () => Partial<
  Pick<RunSpec, 'actor' | 'target' | 'correlation_id' | 'code_ref' | 'environment'>
>;

export interface RunOutcome {
  status?: Exclude<RunStatus, 'running' | 'abandoned'>;
  summary?: string;
  /** The action's result: status, summary and metadata are derived from it. */
  result?: unknown;
  error?: unknown;
}

/** An artifact as a run handle takes it (stored as an ArtifactRef, once per repo + type + value). */
export interface ArtifactInput {
  type: import('./artifacts.js').ArtifactType;
  value: string;
  /** The repository it belongs to (path or remote URL). */
  repo?: string;
  summary?: string;
}

export interface RunHandle {
  readonly id: string;
  /** A snapshot of the run so far. */
  readonly run: Run;
  /** Append an event (seq is assigned). */
  event(e: Omit<Partial<RunEvent>, 'seq'> & { type: string }): Promise<RunEvent>;
  /** Record what the run produced or touched (unique per repo + type + value); the run's artifact list. */
  artifact(a: ArtifactInput): Promise<import('./artifacts.js').ArtifactRef[]>;
  finish(outcome?: RunOutcome): Promise<Run>;
}

export interface Runs {
  /** Run `fn` as a tracked run; its result and exceptions pass through unchanged. */
  track<T>(spec: RunSpec, fn: (handle: RunHandle) => T | Promise<T>): Promise<T>;
  /**
   * Like `track`, but keeps a synchronous `fn` synchronous: its value (or throw) is returned as is
   * and the run is recorded in the background; a promise-returning `fn` gets a promise of the same
   * value that settles once the run is recorded. This is what `@runTracked` uses.
   */
  wrap?<T>(spec: RunSpec, fn: (handle: RunHandle) => T): T;
  start(spec: RunSpec): Promise<RunHandle>;
  /** Runs still in progress (in this and other tabs sharing the staging store). */
  live(): Promise<Run[]>;
  /** A run by id: finished (ledger) first, then live. */
  get(id: string): Promise<RunRecord | undefined>;
  /** Finish as `abandoned` every live run whose heartbeat is older than the lease. */
  recoverAbandoned(): Promise<Run[]>;
  /** Write finished runs that are waiting for the group commit now. */
  flush(): Promise<void>;
  /** Stop heartbeats and timers (the client calls it on close). */
  dispose(): void;
}

/** What `createRuns` is wired with (by `createScp`). */
export interface RunsDeps {
  store: import('../storage/types.js').StagingStore;
  ledger: import('../ledger/types.js').Ledger;
  bus: import('../events/bus.js').EventBus;
  redactor: import('../redact/types.js').Redactor;
  context?: RunContextProvider;
  /** How often a live run's heartbeat is written (default 5 s). */
  heartbeatMs?: number;
  /** A live run whose heartbeat is older than this is abandoned (default 30 s). */
  leaseMs?: number;
  /** Finished runs within this window go into one commit (default 250 ms). */
  groupCommitMs?: number;
  now?: () => Date;
  /** Run `recoverAbandoned()` in the background when created (default true). */
  recoverOnStart?: boolean;
}
