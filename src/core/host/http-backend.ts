import type { Ledger } from '../ledger/types.js';
import type { Refs } from '../refs/types.js';
import type { Runs } from '../runs/types.js';
import type { Staging } from '../staging/types.js';
import { createCachedGet } from './backend/call.js';
import { type EventHistoryPage, httpHistory } from './backend/history.js';
import { httpLedger } from './backend/ledger.js';
import { httpRefs } from './backend/refs.js';
import { httpRuns } from './backend/runs.js';
import { httpStaging } from './backend/staging.js';
import { createHttp, type Http, type HttpOptions } from './http.js';

export type { EventHistoryPage } from './backend/history.js';

export type HttpBackendOptions = HttpOptions;

/** Everything a host-backed client needs, each speaking the host's HTTP API. */
export interface HttpBackend {
  readonly http: Http;
  readonly staging: Staging;
  readonly ledger: Ledger;
  readonly runs: Runs;
  readonly refs: Refs;
  /**
   * One page of the host's event history (`GET /api/events/history`), newest first: the events
   * before seq `before` (default: from the newest). A page asked for again is answered from the
   * last copy when the host says it has not changed (ETag, 304). `cursor` is the next `before`.
   */
  history(options?: { before?: number; limit?: number }): Promise<EventHistoryPage>;
}

/**
 * Staging, ledger, runs and refs over a host's HTTP API (the origin's endpoints plus the ones
 * documented in docs/host-api.md), one module each in ./backend. Responses are validated;
 * failures are typed ScpErrors.
 */
export function createHttpBackend(options: HttpBackendOptions): HttpBackend {
  const http = createHttp(options);
  const cachedGet = createCachedGet(http);
  const ledger = httpLedger(http, cachedGet);
  return {
    http,
    staging: httpStaging(http),
    ledger,
    runs: httpRuns(http, ledger),
    refs: httpRefs(http),
    history: httpHistory(cachedGet),
  };
}
