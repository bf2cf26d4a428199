import type { CredentialsCallback } from './ledger/git/git-ledger.js';
import { defineCards, type CardSet, type CardSpec } from './cards.js';
import { createEventBus, type EventBus } from './events/bus.js';
import type { AutoSync, AutoSyncOptions, AutoSyncState } from './ledger/auto-sync.js';
import { createLazyLedger } from './ledger/lazy.js';
import { loadOnce } from './load-once.js';
import { valueLimits, type ValueLimits } from './limits.js';
import type { Ledger, ProgressListener, SyncOptions, VerifyCallOptions } from './ledger/types.js';
import type { Capabilities, Role } from './host/roles.js';
import type { RedactOptions, Redactor } from './redact/types.js';
import { createRefs } from './refs/refs.js';
import type { Refs } from './refs/types.js';
import { createLazyRuns } from './runs/lazy.js';
import type { RunContextProvider, Runs } from './runs/types.js';
import { createLazyStaging } from './staging/lazy.js';
import type { Staging } from './staging/types.js';
import { createLazyStore } from './storage/lazy.js';
import type { StagingStore } from './storage/types.js';

export interface ScpOptions {
  /** Where pending snapshots and live runs wait. Default: IndexedDB in a browser, memory in Node. */
  staging?: StagingStore;
  /**
   * The ledger, or a loader for one (loaded on first use, so its code can be a separate chunk).
   * Default: in a browser the git ledger in a Worker over IndexedDB (branch `scp-ledger`);
   * in Node memory (pass `createGitLedger(...)` for a repository on disk).
   */
  ledger?: Ledger | (() => Promise<Ledger>);
  /** For the default browser git ledger: the git remote `sync()` pushes to and fetches from. */
  remote?: {
    url: string;
    /** A CORS proxy for remotes that send no CORS headers (isomorphic-git's `corsProxy`). */
    corsProxy?: string;
    headers?: Record<string, string>;
    /**
     * Your page's credentials for the remote, asked at the start of each sync and again on a 401
     * (`failed: true`): return a fresh short-lived token (`{ headers: { Authorization: 'Bearer …' } }`
     * or `{ username, password }`). It runs on the page; the Worker asks it by message. Never stored.
     */
    credentials?: CredentialsCallback;
  };
  /** For the default browser git ledger: its name (one ledger per name and origin). */
  ledgerName?: string;
  /**
   * For the default browser git ledger: starts its Worker yourself, e.g. under Trusted Types
   * (`new Worker(policy.createScriptURL(url), { type: 'module' })`) or when `worker.js` is served
   * from another path. Default: `worker.js` beside scp-ledger's modules.
   */
  worker?: () => Worker;
  /** Who acts (saves, runs) when a call does not say. */
  actor?: string | (() => string);
  /** Per-run defaults from the host (signed-in user, request id, deployed commit ...). */
  runContext?: RunContextProvider;
  policy?: 'latest' | 'all';
  skipUnchanged?: boolean;
  stageErrors?: boolean;
  maxSnapshotBytes?: number;
  /** Structural limits on scan results (nesting depth, keys, array length, string length, values); see DEFAULT_VALUE_LIMITS. */
  limits?: Partial<ValueLimits>;
  redact?: RedactOptions;
  /** BroadcastChannel name for cross-tab events; `false` for none. Default `scp-ledger` in a browser. */
  channel?: string | false;
  runs?: { heartbeatMs?: number; leaseMs?: number; groupCommitMs?: number };
  /**
   * The host's cards, declared once: key, label, category (the manager's tabs) and the run
   * subtypes its run badge shows. Undeclared keys show as themselves. Default: none.
   */
  cards?: readonly CardSpec[];
  /**
   * Sync the ledger by itself: after saves and on an interval, backing off while the remote
   * fails (`true` for the defaults). Its state is `client.autoSync.state()`.
   */
  autoSync?: boolean | AutoSyncOptions;
  /** What this page's user may do (elements hide or disable the rest); default `admin` (everything). */
  role?: Role;
}

/** The one object elements and hosts talk to. */
export interface ScpClient {
  readonly bus: EventBus;
  readonly staging: Staging;
  readonly runs: Runs;
  readonly refs: Refs;
  readonly ledger: Ledger;
  readonly store: StagingStore;
  /** The host's cards (`createScp({ cards })`). */
  readonly cards: CardSet;
  /** The host's label for a card key, or the key itself. */
  cardLabel(cardKey: string): string;
  /** Automatic sync (with `autoSync`): last synced time, last error, next attempt. */
  readonly autoSync?: { state(): AutoSyncState; stop(): void };
  /** What the user may do (a host client asks the host); elements show a read-only state from it. */
  capabilities?(): Promise<Capabilities>;
  close(): Promise<void>;
}

const inBrowser = typeof window !== 'undefined' && typeof indexedDB !== 'undefined';

function defaultStore(): StagingStore {
  // Loaded on first use: Node and memory-only hosts never pull idb in, and neither default is
  // part of what a page loads before its elements are defined.
  if (!inBrowser) return createLazyStore(() => import('./storage/memory.js').then((m) => m.createMemoryStagingStore()));
  return createLazyStore(() => import('./storage/idb.js').then((m) => m.createIdbStagingStore()));
}

/**
 * The same ledger, announcing on the bus what it did: every write as `ledger:written`, a delete as
 * `audit:deleted` (with who and why) and `ledger:written`, a successful sync as `ledger:synced`,
 * and the progress of its syncs and verifies as `ledger:progress` (unless `ownProgress`: the
 * ledger reports all of its progress to the bus itself, index catch-ups included). `written`
 * hears of every landed write (automatic sync).
 */
function withLedgerEvents(ledger: Ledger, bus: EventBus, ownProgress = false, written?: () => void): Ledger {
  const toBus =
    (fn: ProgressListener | undefined): ProgressListener =>
    (p) => {
      if (!ownProgress) bus.emit('ledger:progress', p);
      fn?.(p);
    };
  const write: Ledger['write'] = async (batch) => {
    const r = await ledger.write(batch);
    bus.emit('ledger:written', { commit: r.commit, ids: r.ids });
    written?.();
    return r;
  };
  const deleteAudit: Ledger['deleteAudit'] = async (id, o) => {
    const r = await ledger.deleteAudit(id, o);
    bus.emit('audit:deleted', {
      snapshot_id: id,
      commit: r.commit,
      ...(o?.actor && { actor: o.actor }),
      ...(o?.reason && { reason: o.reason }),
      ...(r.action_id && { action_id: r.action_id }),
      ...(o?.correlation_id && { correlation_id: o.correlation_id }),
    });
    bus.emit('ledger:written', { commit: r.commit, ids: r.action_id ? [r.action_id] : [] });
    written?.();
    return r;
  };
  const sync = async (o?: SyncOptions) => {
    const r = await ledger.sync!({ ...o, progress: toBus(o?.progress) });
    bus.emit('ledger:synced', r);
    return r;
  };
  return new Proxy(ledger, {
    get(target, prop, receiver) {
      if (prop === 'write') return write;
      if (prop === 'deleteAudit') return deleteAudit;
      if (prop === 'sync' && target.sync) return sync;
      if (prop === 'verify' && target.verify) {
        return (o?: { full?: boolean } & VerifyCallOptions) => target.verify!({ ...o, progress: toBus(o?.progress) });
      }
      return Reflect.get(target, prop, receiver);
    },
  });
}

function defaultBrowserLedger(options: ScpOptions, bus: EventBus): Ledger {
  // The git code is a separate chunk, loaded on the first ledger call.
  return createLazyLedger(() =>
    import('./ledger/git-browser/worker-ledger.js').then((m) =>
      m.createWorkerGitLedger(
        {
          name: options.ledgerName ?? 'scp-ledger',
          ...(options.remote && { remote: options.remote }),
          onProgress: (p) => bus.emit('ledger:progress', p),
        },
        options.worker?.(),
      ),
    ),
  );
}

type AutoSyncFacade = NonNullable<ScpClient['autoSync']>;

/**
 * Automatic sync, loaded only by pages that turn it on. `written` is what the ledger calls after
 * each landed write. Failures are kept in its state (and retried with backoff), never thrown at the page.
 */
function startAutoSync(
  setting: true | AutoSyncOptions,
  ledger: () => Ledger,
): { written(): void; facade: AutoSyncFacade } {
  const o = setting === true ? {} : setting;
  let autoSync: AutoSync | undefined;
  let stopped = false;
  void import('./ledger/auto-sync.js').then((m) => {
    if (!stopped) autoSync = m.createAutoSync(() => ledger().sync!(), o);
  });
  return {
    written: () => autoSync?.written(),
    facade: {
      state: () => autoSync?.state() ?? { failures: 0 },
      stop: () => {
        stopped = true;
        autoSync?.stop();
      },
    },
  };
}

/** What staging and runs are built from; both arrive as chunks after the page's elements are defined. */
interface Parts {
  store: StagingStore;
  ledger: Ledger;
  bus: EventBus;
  loadRedactor: () => Promise<Redactor>;
  actor: () => string;
  limits: ValueLimits;
}

function lazyStaging(options: ScpOptions, parts: Parts): Staging {
  const { store, ledger, bus, loadRedactor, actor, limits } = parts;
  return createLazyStaging(async () =>
    (await import('./staging/staging.js')).createStaging({
      store,
      ledger,
      bus,
      redactor: await loadRedactor(),
      actor,
      limits,
      ...(options.policy && { policy: options.policy }),
      ...(options.skipUnchanged !== undefined && { skipUnchanged: options.skipUnchanged }),
      ...(options.stageErrors !== undefined && { stageErrors: options.stageErrors }),
      ...(options.maxSnapshotBytes !== undefined && { maxSnapshotBytes: options.maxSnapshotBytes }),
    }),
  );
}

function lazyRuns(options: ScpOptions, parts: Parts): Runs {
  const { store, ledger, bus, loadRedactor, actor } = parts;
  return createLazyRuns(async (now) =>
    (await import('./runs/runs.js')).createRuns({
      store,
      ledger,
      bus,
      redactor: await loadRedactor(),
      now,
      context: () => ({ actor: actor(), ...options.runContext?.() }),
      ...options.runs,
    }),
  );
}

/**
 * Badges ask for counts as soon as they connect: fetch what that needs now, side by side with
 * the runs code, instead of one chunk after another on the first call.
 */
function prefetchBrowserChunks(options: ScpOptions, store: StagingStore, loadRedactor: () => Promise<unknown>): void {
  const prefetch = (p: Promise<unknown>) =>
    void p.catch(() => {
      /* the call that needs it reports the failure */
    });
  prefetch(import('./staging/staging.js'));
  prefetch(loadRedactor());
  // The default store opens IndexedDB now (a new database takes a few hundred milliseconds to
  // create), not once the staging code has also arrived and the first count asks. One read of a
  // key nothing writes opens it without listing what is pending (reconcile and the badges do that).
  if (!options.staging) prefetch(store.getMeta(''));
  // What staging and the redactor import, so the chunks holding it come in the same round trip
  // (bench/script-tag.bench.ts shows the waterfall when one is missing).
  prefetch(import('./hash/index.js'));
  prefetch(import('./hash/canonical.js'));
  prefetch(import('./storage/shared.js'));
}

function baseLedger(options: ScpOptions, bus: EventBus): Ledger {
  if (typeof options.ledger === 'function') return createLazyLedger(options.ledger);
  if (options.ledger) return options.ledger;
  if (inBrowser) return defaultBrowserLedger(options, bus);
  return createLazyLedger(() => import('./ledger/memory.js').then((m) => m.createMemoryLedger()));
}

/** Wires staging, runs, refs, the ledger and the event bus. Nothing else does wiring. */
export function createScp(options: ScpOptions = {}): ScpClient {
  const bus = createEventBus({ channel: options.channel ?? (inBrowser ? 'scp-ledger' : false) });
  const store = options.staging ?? defaultStore();
  const ownLedger = !options.ledger && inBrowser;
  const autoSync = options.autoSync ? startAutoSync(options.autoSync, () => ledger) : undefined;
  const ledger = withLedgerEvents(baseLedger(options, bus), bus, ownLedger, autoSync?.written);
  const limits = valueLimits(options.limits);
  const loadRedactor = loadOnce(async () =>
    (await import('./redact/redactor.js')).createRedactor({ maxDepth: limits.maxDepth, ...options.redact }),
  );
  const actor =
    typeof options.actor === 'function' ? options.actor : () => (options.actor as string | undefined) ?? 'unknown';
  const cards = defineCards(options.cards);
  const cardLabel = (k: string) => cards.label(k);
  const parts: Parts = { store, ledger, bus, loadRedactor, actor, limits };
  const staging = lazyStaging(options, parts);
  const runs = lazyRuns(options, parts);
  // Audits a stopped process committed but left pending are settled now, not on their next save.
  void staging.reconcile?.().catch(() => {
    /* retried at the next start; a save reconciles too */
  });
  const refs = createRefs({ ledger, staging, runs, cardLabel });
  if (inBrowser) prefetchBrowserChunks(options, store, loadRedactor);

  return {
    bus,
    staging,
    runs,
    refs,
    ledger,
    store,
    cards,
    cardLabel,
    ...(autoSync && { autoSync: autoSync.facade }),
    // Loaded when asked: the roles table is the host's, not needed before the first element asks.
    capabilities: async () => (await import('./host/roles.js')).capabilitiesOf(options.role ?? 'admin'),
    async close() {
      autoSync?.facade.stop();
      // Finished runs that cannot be written now stay in the store for the next start.
      try {
        await runs.flush();
      } finally {
        runs.dispose();
        bus.close();
        await store.close();
        await ledger.close?.();
      }
    },
  };
}
