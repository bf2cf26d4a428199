// Runs: the origin's recent list, and runs started, followed and finished through this host.
import type { RunHandle } from '../../../runs/types.js';
import {
  RecentRunsQuery,
  RunArtifactBody,
  RunEventBody,
  RunFinishBody,
  RunStartBody,
} from '../../../schemas/host-requests.js';
import type { Run } from '../../../schemas/run.js';
import { parseBody, parseQuery, pathId } from '../request-validation.js';
import type { Route, RouteContext } from './route.js';

/** Live runs first (unless a cursor asks for a later page), then finished ones from the ledger. */
async function recent(c: RouteContext): Promise<void> {
  const { scp } = c;
  const { limit, status, type, cursor } = parseQuery(RecentRunsQuery, c.query);
  const matchesType = (r: Run) => !type || r.type === type || r.subtype === type;
  await scp.runs.flush(); // runs finished moments ago are group-committed: list them too
  const live = cursor ? [] : (await scp.runs.live()).filter(matchesType);
  if (status === 'running') {
    c.send(200, { runs: live.slice(0, limit) });
    return;
  }
  const runs: Run[] = status ? [] : live.slice(0, limit);
  const page =
    runs.length < limit
      ? await scp.ledger.list({
          kind: 'run',
          limit: limit - runs.length,
          ...(status && { status }),
          ...(type && { action: type }),
          ...(cursor && { cursor }),
        })
      : { entries: [], cursor: undefined };
  const records = await Promise.all(page.entries.map((e) => scp.ledger.getRun(e.id)));
  for (const r of records) if (r) runs.push(r.run);
  c.send(200, { runs, ...(page.cursor && { cursor: page.cursor }) });
}

async function start(c: RouteContext): Promise<void> {
  const { actor: _ignored, signal: _s, ...spec } = parseBody(RunStartBody, await c.body());
  // The actor comes from the auth hook (or the core's default), never from the request body; the
  // spec's fields are checked by the runs module, as for a local caller.
  const handle = await c.scp.runs.start({
    ...(c.correlation && { correlation_id: c.correlation }),
    ...(spec as { type: string }),
    ...(c.who.actor && { actor: c.who.actor }),
  });
  c.tenant.liveRuns.set(handle.id, handle);
  c.send(201, { run: handle.run });
}

/** The live run a follow-up names, or a 404 answered (and undefined). */
function liveRun(c: RouteContext): { id: string; handle: RunHandle } | undefined {
  const id = pathId(c.params[0]!, 'run');
  const handle = c.tenant.liveRuns.get(id);
  if (handle) return { id, handle };
  c.send(404, { error: 'not_found', message: `No live run "${id}" started through this host`, id });
  return undefined;
}

async function addEvent(c: RouteContext): Promise<void> {
  const run = liveRun(c);
  if (!run) return;
  const e = parseBody(RunEventBody, (await c.body()) ?? {});
  c.send(200, { event: await run.handle.event(e) });
}

async function addArtifact(c: RouteContext): Promise<void> {
  const run = liveRun(c);
  if (!run) return;
  const a = parseBody(RunArtifactBody, (await c.body()) ?? {});
  // The handle checks the artifact's fields.
  c.send(200, { artifacts: await run.handle.artifact(a as never) });
}

async function finish(c: RouteContext): Promise<void> {
  const run = liveRun(c);
  if (!run) return;
  const { status, summary, result, error } = parseBody(RunFinishBody, (await c.body()) ?? {});
  const done = await run.handle.finish({
    ...(status !== undefined && { status }),
    ...(summary !== undefined && { summary }),
    ...(result !== undefined && { result }),
    ...(error !== undefined && { error: new Error(error) }),
  });
  c.tenant.liveRuns.delete(run.id);
  // Answer once the run is in the ledger, so a remote caller can read what it just finished.
  await c.scp.runs.flush();
  c.send(200, { run: done });
}

async function get(c: RouteContext): Promise<void> {
  const id = pathId(c.params[0]!, 'run');
  const r = await c.scp.runs.get(id);
  if (r) c.send(200, r);
  else c.send(404, { error: 'not_found', message: `No run "${id}"`, id });
}

export const runRoutes: readonly Route[] = [
  { method: 'GET', path: '/runs/recent', handle: recent },
  { method: 'POST', path: '/runs', handle: start },
  { method: 'POST', path: '/runs/:id/events', handle: addEvent },
  { method: 'POST', path: '/runs/:id/finish', handle: finish },
  { method: 'POST', path: '/runs/:id/artifacts', handle: addArtifact },
  { method: 'GET', path: '/runs/:id', handle: get },
];
