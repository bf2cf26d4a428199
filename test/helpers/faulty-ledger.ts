import type { Ledger, LedgerBatch, WriteResult } from '../../src/core/ledger/types.js';
import { LedgerWriteError } from '../../src/core/errors/index.js';

/** A Ledger that records every write and can be told to fail the next ones (fault injection). */
export interface FaultyLedger extends Ledger {
  /** Every batch passed to write(), including failed ones. */
  readonly writes: LedgerBatch[];
  /** Fail the next `n` writes (Infinity: until told otherwise), then behave normally. */
  failWrites(n: number): void;
}

export function faultyLedger(inner: Ledger): FaultyLedger {
  let failing = 0;
  const writes: LedgerBatch[] = [];
  return {
    ...inner,
    writes,
    failWrites(n) {
      failing = n;
    },
    async write(batch): Promise<WriteResult> {
      writes.push(batch);
      if (failing > 0) {
        failing--;
        throw new LedgerWriteError('injected ledger failure', {
          data: { ids: (batch.runs ?? []).map((r) => r.run.run_id) },
        });
      }
      return inner.write(batch);
    },
    getAudit: (id) => inner.getAudit(id),
    getRun: (id) => inner.getRun(id),
    getAction: (id) => inner.getAction!(id),
    list: (q) => inner.list(q),
    deleteAudit: (id, o) => inner.deleteAudit(id, o),
    head: () => inner.head(),
  };
}
