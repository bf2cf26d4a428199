import { assertValidId } from '../ids.js';
import type { Ledger } from '../ledger/types.js';
import type { EntryMeta } from '../schemas/ledger.js';
import type { Preview, Suggestion } from '../schemas/ref.js';
import type { Run } from '../schemas/run.js';
import type { Runs } from '../runs/types.js';
import { relativeTime } from './relative-time.js';
import type { RefResolver } from './types.js';

export const RUN_ICON = '🚀';

export interface RunResolverDeps {
  ledger: Ledger;
  runs: Pick<Runs, 'live'>;
  now?: () => Date;
}

/** The origin's run preview: `code_ref` shortened to 12 characters. */
function preview(run: Run, source: 'ledger' | 'live'): Preview {
  return {
    type: 'run',
    id: run.run_id,
    exists: true,
    source,
    label: run.subtype || run.type,
    run_type: run.type,
    subtype: run.subtype,
    summary: run.summary,
    status: source === 'live' ? 'running' : run.status,
    started_at: run.started_at,
    ended_at: run.ended_at ?? null,
    duration_ms: run.duration_ms ?? null,
    code_ref: (run.code_ref ?? '').slice(0, 12),
    user: run.user,
    ...(run.target !== undefined && { target: run.target }),
    ...(run.reason !== undefined && { reason: run.reason }),
    ...(run.error !== undefined && { error: run.error }),
  };
}

const labelOf = (subtype: string | undefined, type: string | undefined, summary: string | undefined) => {
  const head = subtype || type || 'run';
  return summary ? `${head} — ${summary}` : head;
};

const joinDetail = (parts: (string | undefined)[]) => parts.filter((p): p is string => !!p).join(' · ');

/**
 * `@run:<id>`: finished runs (the ledger) first, then live ones (status `running`).
 * Suggestions (section `runs`): live matches first, then the ledger's newest first.
 */
export function createRunResolver(deps: RunResolverDeps): RefResolver {
  const now = deps.now ?? (() => new Date());

  function suggestion(
    m: Pick<EntryMeta, 'id' | 'type' | 'subtype' | 'summary' | 'status' | 'actor' | 'time'>,
    at: Date,
  ): Suggestion {
    return {
      ref: `@run:${m.id}`,
      label: labelOf(m.subtype, m.type, m.summary),
      detail: joinDetail([m.status, m.actor, relativeTime(m.time, at)]),
      icon: RUN_ICON,
      section: 'runs',
      status: m.status,
      time: m.time,
    };
  }

  return {
    kind: 'run',
    icon: RUN_ICON,
    label: 'Run',
    description: 'Tracked actions: finished and running',

    async resolve(id: string): Promise<Preview> {
      assertValidId(id, 'run');
      const record = await deps.ledger.getRun(id);
      if (record) return preview(record.run, 'ledger');
      const live = (await deps.runs.live()).find((r) => r.run_id === id);
      if (live) return preview(live, 'live');
      return { type: 'run', id, exists: false };
    },

    async suggest(query: string, limit: number): Promise<Suggestion[]> {
      const q = query.trim().toLowerCase();
      const at = now();
      const live = (await deps.runs.live())
        .filter(
          (r) =>
            !q ||
            [r.run_id, r.type, r.subtype, r.summary, r.user, r.target ?? ''].some((s) => s.toLowerCase().includes(q)),
        )
        .sort((a, b) => Date.parse(b.started_at) - Date.parse(a.started_at))
        .slice(0, limit);
      const out = live.map((r) =>
        suggestion(
          {
            id: r.run_id,
            type: r.type,
            subtype: r.subtype,
            summary: r.summary,
            status: 'running',
            actor: r.user,
            time: r.started_at,
          },
          at,
        ),
      );
      const seen = new Set(live.map((r) => r.run_id));
      if (out.length < limit) {
        const saved = (
          await deps.ledger.list({ kind: 'run', limit: limit - out.length + seen.size, ...(q && { text: q }) })
        ).entries;
        for (const m of saved) {
          if (out.length >= limit) break;
          if (!seen.has(m.id)) out.push(suggestion(m, at));
        }
      }
      return out;
    },
  };
}
