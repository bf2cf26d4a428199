import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StorageClosedError } from '../../errors/index.js';
import { nullRecord } from '../../own.js';
import type { AuditSnapshot } from '../../schemas/audit.js';
import { cloneForStore, metaOf, newestFirst } from '../../storage/memory.js';
import type { LiveRun, StagingStore } from '../../storage/types.js';

interface FileState {
  snapshots: Record<string, AuditSnapshot>;
  runs: Record<string, LiveRun>;
  meta: Record<string, unknown>;
}

// One factory holding the StagingStore's methods over one in-memory state written through to a
// file: the object literal is long, each method is a few lines.
/**
 * A StagingStore kept in one JSON file, so a Node host's pending snapshots and live runs survive a
 * restart (the origin's pending did). Every change rewrites the file atomically (temp file +
 * rename) before the call returns; reads are served from memory.
 */
export function createFileStagingStore(options: { file: string }): StagingStore {
  const { file } = options;
  // Null-prototype records: an id or meta key named like an Object.prototype member is plain data.
  const record = <T>(from: Record<string, T> | undefined) => Object.assign(nullRecord<T>(), from);
  let state: FileState = {
    snapshots: record<AuditSnapshot>(undefined),
    runs: record<LiveRun>(undefined),
    meta: record<unknown>(undefined),
  };
  if (existsSync(file)) {
    const read = JSON.parse(readFileSync(file, 'utf8')) as Partial<FileState>;
    state = { snapshots: record(read.snapshots), runs: record(read.runs), meta: record(read.meta) };
  } else mkdirSync(dirname(file), { recursive: true });
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
