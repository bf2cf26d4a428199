// The event stream and its history, from the tenant's journal.
import { HistoryQuery } from '../../../schemas/host-requests.js';
import { parseQuery } from '../request-validation.js';
import { openStream } from '../sse-stream.js';
import type { Route, RouteContext } from './route.js';

async function stream(c: RouteContext): Promise<void> {
  await openStream(c.req, c.res, c.tenant, c.query, c.settings.stream);
}

/** A page of the journal, newest first; `cursor` is the next page's `before`. */
async function history(c: RouteContext): Promise<void> {
  const { journal } = c.tenant;
  const q = parseQuery(HistoryQuery, c.query);
  const newest = journal.latest ? await journal.latest() : journal.lastSeq;
  const page = await journal.history(q.before ?? newest + 1, q.limit);
  const next = page.at(-1);
  c.send(200, {
    // The journal's own JSON, sent as stored (the stream sends the same text in its frames).
    events: page.map((e) => JSON.parse(e.json) as unknown),
    ...(next && next.seq > journal.firstSeq && { cursor: String(next.seq) }),
  });
}

export const eventRoutes: readonly Route[] = [
  { method: 'GET', path: '/events', handle: stream },
  { method: 'GET', path: '/events/history', handle: history },
];
