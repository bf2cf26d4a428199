import type { Ledger } from '../../ledger/types.js';
import type { ArtifactRef } from '../../runs/artifacts.js';
import type { RunHandle, RunOutcome, Runs, RunSpec } from '../../runs/types.js';
import type { Run } from '../../schemas/run.js';
import type { Http } from '../http.js';
import { enc, typed } from './call.js';
import { ArtifactsResponse, EventResponse, RecentRuns, RunResponse } from './responses.js';

/** Runs started on the host, followed through `/api/runs/<id>/*`; finished runs are read from its ledger. */
export function httpRuns(http: Http, ledger: Ledger): Runs {
  const runs: Runs = {
    start: (spec: RunSpec) =>
      typed(async () => {
        const { signal: _signal, ...body } = spec;
        const what = `start ${spec.type} run`;
        return handleFor(http, (await http.request('POST', '/api/runs', { body, schema: RunResponse, what })).body.run);
      }),
    async track(spec, fn) {
      const handle = await runs.start(spec);
      let result: Awaited<ReturnType<typeof fn>>;
      // As in embedded mode: aborting the spec's signal before the action settles ends it `cancelled`.
      const cancelled = () => spec.signal?.aborted === true;
      try {
        result = await fn(handle);
      } catch (e) {
        await handle.finish(cancelled() ? { status: 'cancelled', error: e } : { error: e }).catch(() => {});
        throw e;
      }
      await handle.finish(cancelled() ? { status: 'cancelled', result } : { result });
      return result;
    },
    live: () =>
      typed(
        async () =>
          (
            await http.request('GET', '/api/runs/recent', {
              query: { status: 'running', limit: 200 },
              schema: RecentRuns,
              what: 'live runs',
            })
          ).body.runs,
      ),
    get: (id: string) => ledger.getRun(id),
    recoverAbandoned: async () => [], // the host closes abandoned runs on its side
    flush: async () => {},
    dispose: () => {},
  };
  return runs;
}

/** A handle on a run the host started: events, artifacts and the finish go to the host. */
function handleFor(http: Http, run: Run): RunHandle {
  let current = run;
  const path = (step: string) => `/api/runs/${enc(current.run_id)}/${step}`;
  return {
    get id() {
      return current.run_id;
    },
    get run() {
      return structuredClone(current);
    },
    event: (e) =>
      typed(async () => {
        const what = `run ${current.run_id} event`;
        return (await http.request('POST', path('events'), { body: e, schema: EventResponse, what })).body.event;
      }),
    artifact: (a) =>
      typed(async () => {
        const what = `run ${current.run_id} artifact`;
        const res = await http.request('POST', path('artifacts'), { body: a, schema: ArtifactsResponse, what });
        return res.body.artifacts as ArtifactRef[];
      }),
    finish: (outcome: RunOutcome = {}) =>
      typed(async () => {
        const { error, ...rest } = outcome;
        const body = {
          ...rest,
          ...(error !== undefined && { error: error instanceof Error ? error.message : String(error) }),
        };
        const what = `finish run ${current.run_id}`;
        current = (await http.request('POST', path('finish'), { body, schema: RunResponse, what })).body.run;
        return structuredClone(current);
      }),
  };
}
