/**
 * `GET /api/ledger/checkpoint`: the ledger's latest signed checkpoint (see
 * core/ledger/git/signing/checkpoint.ts), for a second party to keep and later check the ledger
 * against. Made by an incremental verify, reused while the head does not move.
 */
import type { Ledger } from '../../ledger/types.js';

interface Latest {
  head: string | null;
  checkpoint: string | null;
  ok: boolean;
  reason?: string;
}

const byLedger = new WeakMap<Ledger, Latest>();

export async function latestCheckpoint(ledger: Ledger): Promise<Latest> {
  const head = (await ledger.head()) ?? null;
  const known = byLedger.get(ledger);
  if (known && known.head === head && known.ok) return known;
  if (!ledger.verify || head === null) return { head, checkpoint: null, ok: true };
  const r = await ledger.verify();
  // A failed verify serves no new checkpoint: the last good one stays (with the failure named).
  if (!r.ok) return { head, checkpoint: known?.checkpoint ?? null, ok: false, ...(r.reason && { reason: r.reason }) };
  const latest: Latest = { head: r.head ?? head, checkpoint: r.checkpoint ?? null, ok: true };
  byLedger.set(ledger, latest);
  return latest;
}
