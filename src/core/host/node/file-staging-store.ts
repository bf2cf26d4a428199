import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type * as z from 'zod/mini';
import { CorruptEntryError, StorageClosedError } from '../../errors/index.js';
import { nullRecord } from '../../own.js';
import { AuditSnapshot } from '../../schemas/audit.js';
import { checkWith } from '../../schemas/parse.js';
import { RunRecord } from '../../schemas/run.js';
import { cloneForStore, metaOf, newestFirst } from '../../storage/memory.js';
import type { LiveRun, StagingStore } from '../../storage/types.js';

interface FileState {
  snapshots: Record<string, AuditSnapshot>;
  runs: Record<string, LiveRun>;
  meta: Record<string, unknown>;
}

/**
 * The file's state, each snapshot and live run checked by its schema (meta values are checked by
 * whoever reads them). A file that does not parse, or an entry that does not match, is damaged:
 * a CorruptEntryError naming it, and the file is left as it is.
 */
function readState(file: string): FileState {
  const damaged = (what: string, cause: unknown) =>
    new CorruptEntryError(`The file staging store ${file} is damaged: ${what}`, { data: { path: file }, cause });
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw damaged('not JSON', e);
  }
  const top = (raw ?? {}) as Partial<Record<keyof FileState, unknown>>;
  // Null-prototype records: an id or meta key named like an Object.prototype member is plain data.
  const entries = <S extends z.ZodMiniType>(name: keyof FileState, schema: S | undefined) => {
    const out = nullRecord<z.infer<S>>();
    const from = top[name];
    if (from === undefined) return out;
    if (!from || typeof from !== 'object' || Array.isArray(from)) throw damaged(`${name} is not an object`, undefined);
    for (const [key, value] of Object.entries(from)) {
      if (!schema) {
        out[key] = value;
        continue;
      }
      const r = checkWith(schema, value);
      if (!r.ok) throw damaged(`${name}["${key.slice(0, 100)}"] does not match its schema`, r.error);
      out[key] = r.data;
    }
    return out;
  };
  return {
    snapshots: entries('snapshots', AuditSnapshot),
    runs: entries('runs', RunRecord),
    meta: entries('meta', undefined),
  };
}

/**
 * A StagingStore kept in one JSON file, so a Node host's pending snapshots and live runs survive a
 * restart (the origin's pending did). Every change rewrites the file atomically (temp file +
 * rename) before the call returns; reads are served from memory.
 */
export function createFileStagingStore(options: { file: string }): StagingStore {
  const { file } = options;
  let state: FileState = { snapshots: nullRecord(), runs: nullRecord(), meta: nullRecord() };
  if (existsSync(file)) state = readState(file);
  else mkdirSync(dirname(file), { recursive: true });
  let closed = false;

  const open = () => {
    if (closed)
      throw new StorageClosedError(`The file staging store ${file} is closed: create a new one`, {
        data: { store: 'file' },
      });
  };
  const persist = () => {
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  };
  // Structured-clone first (rejects functions and the like with a ValidationError), then JSON.
  const plain = <T>(v: T, what: string): T => JSON.parse(JSON.stringify(cloneForStore(v, what))) as T;

  return {
    async writeSnapshots({ put = [], remove = [] }) {
      open();
      const copies = put.map((s) => plain(s, `snapshot ${s.snapshot_id}`));
      for (const id of remove) delete state.snapshots[id];
      for (const s of copies) state.snapshots[s.snapshot_id] = s;
      persist();
    },
    async getSnapshot(id) {
      open();
      const s = Object.hasOwn(state.snapshots, id) ? state.snapshots[id] : undefined;
      return s && structuredClone(s);
    },
    async listSnapshots() {
      open();
      return Object.values(state.snapshots)
        .map((s) => structuredClone(metaOf(s)))
        .sort(newestFirst);
    },
    async putRun(live) {
      open();
      state.runs[live.run.run_id] = plain(live, `run ${live.run.run_id}`);
      persist();
    },
    async getRun(id) {
      open();
      const r = Object.hasOwn(state.runs, id) ? state.runs[id] : undefined;
      return r && structuredClone(r);
    },
    async listRuns() {
      open();
      return Object.values(state.runs).map((r) => structuredClone(r));
    },
    async removeRun(id) {
      open();
      if (Object.hasOwn(state.runs, id)) {
        delete state.runs[id];
        persist();
      }
    },
    async getMeta<T = unknown>(key: string) {
      open();
      return (Object.hasOwn(state.meta, key) ? structuredClone(state.meta[key]) : undefined) as T | undefined;
    },
    async setMeta(key, value) {
      open();
      state.meta[key] = plain(value, `meta ${key}`);
      persist();
    },
    async close() {
      closed = true;
    },
  };
}
