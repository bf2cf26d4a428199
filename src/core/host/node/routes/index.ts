// The route table: every endpoint of the host API (docs/host-api.md), one module per group.
import { capabilitiesOf } from '../../roles.js';
import { adminRoutes } from './admin.js';
import { auditRoutes } from './audits.js';
import { eventRoutes } from './events.js';
import { ledgerRoutes } from './ledger.js';
import { refRoutes } from './refs.js';
import type { Route, RouteContext } from './route.js';
import { runRoutes } from './runs.js';

/** `GET /api/me`: who the host takes the caller for, and what they may do. */
async function me(c: RouteContext): Promise<void> {
  c.send(200, {
    ...(c.who.actor && { actor: c.who.actor }),
    tenant: c.who.tenant,
    capabilities: capabilitiesOf(c.who.role),
  });
}

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/me', handle: me },
  ...auditRoutes,
  ...runRoutes,
  ...refRoutes,
  ...ledgerRoutes,
  ...eventRoutes,
  ...adminRoutes,
];

/** First path segments of the API: a path under one of them with no route for its method is a 405, else a 404. */
export const API_GROUPS: readonly string[] = ['audits', 'runs', 'chat', 'ledger', 'events', 'me', 'settings'];

export { findRoute, type Route, type RouteContext, type RouteSettings } from './route.js';
