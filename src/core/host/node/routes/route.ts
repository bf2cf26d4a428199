import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ScpClient } from '../../../client.js';
import type { Role } from '../../roles.js';
import type { StreamSettings } from '../sse-stream.js';
import type { Tenant } from '../tenants.js';

/** What a route knows about one API request (its caller already authenticated and allowed). */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  query: URLSearchParams;
  /** The `:id` segments of the route's path, as sent (routes decode and check them). */
  params: readonly string[];
  who: { actor: string | undefined; tenant: string; role: Role };
  /** The request / trace id the caller sent (`traceparent` trace id or `X-Request-Id`). */
  correlation: string | undefined;
  tenant: Tenant;
  scp: ScpClient;
  settings: RouteSettings;
  /** The JSON body (undefined when empty), within the handler's size and value limits. */
  body(): Promise<unknown>;
  /** The JSON answer; a change is answered once its events are in the journal. */
  send(status: number, body: unknown): void;
}

/** The handler's options the routes read. */
export interface RouteSettings {
  /** `POST /api/ledger/write`: refused (false), actors rewritten (true), or kept (`'import'`). */
  ledgerWrite: boolean | 'import';
  stream: StreamSettings;
}

/** One endpoint: its method, its path after `/api` (`:id` matches one segment), and what it does. */
export interface Route {
  method: string;
  path: string;
  handle(c: RouteContext): Promise<void>;
}

/**
 * The route for a request (`segments` without the leading `api`) and its `:id` values. A route
 * with more literal segments wins (`/runs/recent` over `/runs/:id`), whatever the table's order.
 */
export function findRoute(
  routes: readonly Route[],
  method: string,
  segments: readonly string[],
): { route: Route; params: string[] } | undefined {
  let best: { route: Route; params: string[]; literals: number } | undefined;
  for (const route of routes) {
    if (route.method !== method) continue;
    const want = route.path.split('/').filter(Boolean);
    if (want.length !== segments.length) continue;
    const params: string[] = [];
    let literals = 0;
    const matches = want.every((w, i) => {
      if (w === ':id') {
        params.push(segments[i]!);
        return true;
      }
      literals++;
      return w === segments[i];
    });
    if (matches && (!best || literals > best.literals)) best = { route, params, literals };
  }
  return best && { route: best.route, params: best.params };
}
