// A simulated origin (the host's HTTP API and SSE stream, origin-contract.md + docs/host-api.md) as
// msw handlers. Shared by the host-mode demo page and the host-mode tests; product code never
// imports it.
import type { HttpHandler } from 'msw';
import { addedHandlers } from './added-handlers.js';
import { eventStreamHandler, type EventStreamOptions } from './event-stream.js';
import { originHandlers } from './origin-handlers.js';
import type { OriginState } from './state.js';

export { originHandlers, recordRequest, relativeTime } from './origin-handlers.js';
export { addedHandlers } from './added-handlers.js';
export { eventStreamHandler, type EventStreamOptions } from './event-stream.js';
export * from './state.js';

/**
 * The whole API a host serves: the origin's endpoints (quirks kept), the ones docs/host-api.md
 * adds, and a live event stream fed by every change.
 */
export function simulatedOriginHandlers(
  state: OriginState,
  base = '',
  options: EventStreamOptions = {},
): HttpHandler[] {
  return [eventStreamHandler(state, base, options), ...addedHandlers(state, base), ...originHandlers(state, base)];
}
