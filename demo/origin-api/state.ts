// The simulated origin's state: what the origin keeps on its server (pending snapshots, saved
// audits, runs, the event journal), held in memory by whoever created it (a test, or the
// host-mode page: it is lost on reload). Formats follow origin-contract.md.

export interface OriginSnapshot {
  snapshot_id: string;
  card_key: string;
  audit_type: 'devops' | 'project';
  computed_at: number;
  iso: string;
  status: string;
  duration_s: number;
  summary: string;
  data: unknown;
  /** Names of redaction rules that fired when the host staged it. */
  redacted?: string[];
  saved_by?: string;
  saved_at?: string;
}

/** A Run as the origin records it (`status: running` only while live). */
export interface OriginRun {
  run_id: string;
  type: string;
  subtype: string;
  status: string;
  user: string;
  code_ref: string;
  started_at: string;
  ended_at: string | null;
  duration_ms: number | null;
  environment: string;
  modules_affected: string[];
  summary: string;
  metadata: Record<string, unknown>;
  target?: string;
  reason?: string;
  error?: string;
}

export interface OriginRunEvent {
  seq: number;
  ts: string;
  type: string;
  target?: string;
  status?: string;
  duration_ms?: number;
  detail?: Record<string, unknown>;
}

/** One SSE envelope: `{v: 1, ts, seq, type, key, data}` (+ `snapshot_id` for `audit:pending`). */
export interface OriginEnvelope {
  v: 1;
  ts: number;
  seq: number;
  type: string;
  key: string;
  data: Record<string, unknown>;
  snapshot_id?: string;
}

export interface OriginState {
  pending: Map<string, OriginSnapshot>;
  saved: Map<string, OriginSnapshot>;
  /** Finished runs with their events. */
  runs: Map<string, { run: OriginRun; events: OriginRunEvent[] }>;
  /** Runs started and not finished yet. */
  live: Map<string, { run: OriginRun; events: OriginRunEvent[] }>;
  /** Ledger order (oldest first): what `/api/ledger/entries` lists, newest first. */
  history: { kind: 'audit' | 'run'; id: string }[];
  /** Every request seen: method, path, headers (and the status answered, where known). */
  requests: { method: string; path: string; headers: Record<string, string>; status?: number }[];
  /** Scripted raw SSE bodies, one per connection (tests); the live stream is used when empty. */
  streams: ((lastEventId: string | null) => string[] | undefined)[];
  /** The event journal the live stream replays from (at most JOURNAL_SIZE, oldest first). */
  journal: OriginEnvelope[];
  /** Live stream connections, each called with every new envelope. */
  listeners: Set<(env: OriginEnvelope) => void>;
  /** Names this journal; a new state is a "restarted server" to its clients. */
  instanceId: string;
  seq: number;
  /** The user the origin's session belongs to (recorded on saves and runs). */
  actor: string;
  /** main's HEAD at run time, as the origin records it. */
  codeRef: string;
}

export const JOURNAL_SIZE = 2048;

export function createOriginState(options: { actor?: string; codeRef?: string } = {}): OriginState {
  return {
    pending: new Map(),
    saved: new Map(),
    runs: new Map(),
    live: new Map(),
    history: [],
    requests: [],
    streams: [],
    journal: [],
    listeners: new Set(),
    instanceId: `origin-${Math.random().toString(36).slice(2, 10)}`,
    seq: 0,
    actor: options.actor ?? 'unknown',
    codeRef: options.codeRef ?? '',
  };
}

/** Appends an event to the journal and hands it to every live stream. */
export function publish(
  state: OriginState,
  type: string,
  key: string,
  data: Record<string, unknown>,
  extra: { snapshot_id?: string } = {},
): OriginEnvelope {
  const env: OriginEnvelope = { v: 1, ts: Date.now() / 1000, seq: ++state.seq, type, key, data, ...extra };
  state.journal.push(env);
  if (state.journal.length > JOURNAL_SIZE) state.journal.splice(0, state.journal.length - JOURNAL_SIZE);
  for (const listener of state.listeners) listener(env);
  return env;
}

const utc = (d: Date) =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

/** The origin's snapshot id, `<card with : and / as _>_<YYYYMMDD>_<HHMMSS>`, moved on a second when taken. */
export function originSnapshotId(state: OriginState, card: string, at: Date): string {
  const stem = card.replace(/[:/]/g, '_');
  // The origin's ids collide for two scans of a card in one second; the simulation moves on instead.
  for (let t = at.getTime(); ; t += 1000) {
    const id = `${stem}_${utc(new Date(t)).slice(0, 15).replace('T', '_')}`;
    if (!state.pending.has(id) && !state.saved.has(id)) return id;
  }
}

/** The origin's run id, `run_<YYYYMMDDTHHMMSSZ>_<type, : and / as ->_<4 random [a-z0-9]>`. */
export function originRunId(type: string, at: Date): string {
  const rand = Array.from(
    { length: 4 },
    () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)],
  ).join('');
  return `run_${utc(at)}_${type.replace(/[:/]/g, '-').slice(0, 30)}_${rand}`;
}

/** A ready-made origin snapshot for tests: card `card`, `n` findings, a fixed time per `n`. */
export function originSnapshot(card: string, n: number, summary = `${n} issues · Score: 78 · (B)`): OriginSnapshot {
  const computed_at = 1_771_360_000 + n;
  const d = new Date(computed_at * 1000);
  const stamp = d.toISOString().replace(/[-:]/g, '').replace('T', '_').slice(0, 15);
  return {
    snapshot_id: `${card.replace(/[:/]/g, '_')}_${stamp}`,
    card_key: card,
    audit_type: card.startsWith('audit:') ? 'project' : 'devops',
    computed_at,
    iso: d.toISOString(),
    status: 'ok',
    duration_s: 1.234,
    summary,
    data: { score: 78, findings: Array.from({ length: n }, (_, i) => ({ i })) },
  };
}
