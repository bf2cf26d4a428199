// Shared by runs and its lazy front (which must not import runs.ts: that is the chunk it defers).
import { StorageClosedError } from '../errors/index.js';

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
