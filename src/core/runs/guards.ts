// Shared by runs and its lazy front (which must not import runs.ts: that is the chunk it defers).
import { StorageClosedError } from '../errors/index.js';
import type { RunSpec } from './types.js';

export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    !!v && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function'
  );
}

/** What starting a run after `dispose()` throws. */
export function disposedError(): StorageClosedError {
  return new StorageClosedError('Runs were disposed (the client is closed): create a new client to track runs', {
    data: { store: 'runs' },
  });
}

/**
 * The id a run was given before the runs code loaded: the lazy front's `wrap` hands its handle an
 * id at once and the run is then recorded under it. A symbol, so no caller's spec can carry it.
 */
export const PRESET_RUN_ID: unique symbol = Symbol.for('scp-ledger.preset-run-id');
export type SpecWithPresetId = RunSpec & { [PRESET_RUN_ID]?: string };
