// The ledger: its entries (paged, filtered), head, latest checkpoint, action entries and direct writes.
import { LedgerWriteBody } from '../../../schemas/host-requests.js';
import { withActor } from '../actors.js';
import { latestCheckpoint } from '../checkpoint.js';
import { RequestError } from '../request-body.js';
import { ledgerQuery, parseBody, pathId } from '../request-validation.js';
import type { Route, RouteContext } from './route.js';

async function entries(c: RouteContext): Promise<void> {
  const page = await c.scp.ledger.list(ledgerQuery(c.query));
  c.send(200, { entries: page.entries, ...(page.cursor && { cursor: page.cursor }) });
}

async function head(c: RouteContext): Promise<void> {
  c.send(200, { head: (await c.scp.ledger.head()) ?? null });
}

async function checkpoint(c: RouteContext): Promise<void> {
  c.send(200, await latestCheckpoint(c.scp.ledger));
}

async function action(c: RouteContext): Promise<void> {
  const id = pathId(c.params[0]!, 'action');
  const a = await c.scp.ledger.getAction?.(id);
  if (a) c.send(200, a);
  else c.send(404, { error: 'not_found', message: `No action entry "${id}"`, id });
}

/** Entries are checked by the ledger's own batch validation; actors are the caller's unless the host imports. */
async function write(c: RouteContext): Promise<void> {
  if (c.settings.ledgerWrite === false)
    throw new RequestError(403, 'forbidden', 'This host does not accept direct ledger writes');
  const { audits, runs, actions, message } = parseBody(LedgerWriteBody, await c.body());
  const actor = c.who.actor;
  const batch =
    c.settings.ledgerWrite === 'import'
      ? { audits, runs, actions, actor }
      : withActor({ audits, runs, actions }, actor ?? 'unknown');
  const r = await c.scp.ledger.write({
    ...(batch.audits !== undefined && { audits: batch.audits as never }),
    ...(batch.runs !== undefined && { runs: batch.runs as never }),
    ...(batch.actions !== undefined && { actions: batch.actions as never }),
    ...(message !== undefined && { message }),
    ...(typeof batch.actor === 'string' && { actor: batch.actor }),
  });
  c.send(200, r);
}

export const ledgerRoutes: readonly Route[] = [
  { method: 'GET', path: '/ledger/entries', handle: entries },
  { method: 'GET', path: '/ledger/head', handle: head },
  { method: 'GET', path: '/ledger/checkpoint', handle: checkpoint },
  { method: 'GET', path: '/ledger/actions/:id', handle: action },
  { method: 'POST', path: '/ledger/write', handle: write },
];
