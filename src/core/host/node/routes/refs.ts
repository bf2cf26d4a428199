// The origin's chat endpoints: resolving `@kind:id` references and completing them.
import { ScpError, UnknownRefKindError } from '../../../errors/index.js';
import { AutocompleteQuery, ResolveQuery } from '../../../schemas/host-requests.js';
import { RequestError } from '../request-body.js';
import { parseQuery } from '../request-validation.js';
import type { Route, RouteContext } from './route.js';

/** A missing id is a 200 with `exists: false` (the origin's answer); only an unknown kind is a 404. */
async function resolve(c: RouteContext): Promise<void> {
  const { ref } = parseQuery(ResolveQuery, c.query);
  try {
    c.send(200, await c.scp.refs.resolve(ref));
  } catch (e) {
    if (e instanceof UnknownRefKindError) c.send(404, { error: 'not_found', ref, message: e.message });
    else if (e instanceof ScpError && (e.code === 'invalid_id' || e.code === 'validation'))
      throw new RequestError(400, e.code, e.message, 'ref', { detail: e.data as object });
    else throw e;
  }
}

async function autocomplete(c: RouteContext): Promise<void> {
  const { prefix, limit } = parseQuery(AutocompleteQuery, c.query);
  c.send(200, { suggestions: await c.scp.refs.autocomplete(prefix, { limit }) });
}

export const refRoutes: readonly Route[] = [
  { method: 'GET', path: '/chat/refs/resolve', handle: resolve },
  { method: 'GET', path: '/chat/refs/autocomplete', handle: autocomplete },
];
