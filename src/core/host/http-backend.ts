import * as z from 'zod/mini';
import { NotFoundError, UnknownRefKindError, ValidationError } from '../errors/index.js';
import { assertValidId } from '../ids.js';
import { checkDeleteReason } from '../ledger/actions.js';
import type { DeleteOptions, Ledger, LedgerBatch, WriteResult } from '../ledger/types.js';
import { parseRefs, scanRefs, splitRef } from '../refs/parse.js';
import type { RefResolver, Refs } from '../refs/types.js';
import type { ArtifactRef } from '../runs/artifacts.js';
import type { RunHandle, RunOutcome, Runs, RunSpec } from '../runs/types.js';
import { ActionEntry } from '../schemas/action.js';
import { AuditMeta, AuditSnapshot, SavedAudit } from '../schemas/audit.js';
import { EntryMeta, type LedgerPage, type LedgerQuery } from '../schemas/ledger.js';
import { Preview, Suggestion, SuggestionSection } from '../schemas/ref.js';
import { Run, RunEvent, RunRecord } from '../schemas/run.js';
import type {
  DiscardOptions,
  DiscardResult,
  SaveOptions,
  SaveResult,
  StageItem,
  StageOptions,
  StageResult,
  Staging,
} from '../staging/types.js';
import { nullRecord, own } from '../own.js';
import { createHttp, type Http, type HttpOptions } from './http.js';
import { typedFromHttp } from './wire-errors.js';
import { sharedWindow } from './shared-window.js';
import { OriginEnvelope } from './envelope.js';
import { parseWith } from '../schemas/parse.js';
import { selectionOrThrow } from '../selection.js';

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

/** A page of `GET /api/events/history`: envelopes as the stream sends them, and where the next page starts. */
export interface EventHistoryPage {
  events: OriginEnvelope[];
  cursor?: number;
}

const HistoryResponse = z.object({ events: z.array(OriginEnvelope), cursor: z.optional(z.string()) });

const PendingList = z.object({ pending: z.array(AuditMeta) });
const SaveResponse = z.looseObject({
  saved: z.array(z.string()),
  count: z.optional(z.number()),
  commit: z.optional(z.string()),
});
const DiscardResponse = z.looseObject({
  discarded: z.union([z.number(), z.array(z.string())]),
  ids: z.optional(z.array(z.string())),
});
const StageResultSchema = z.union([
  z.object({ staged: z.literal(true), snapshot: AuditMeta, replaced: z.array(z.string()) }),
  z.object({ staged: z.literal(false), reason: z.enum(['unchanged', 'not_ok']), card_key: z.string() }),
]);
const StageManyResponse = z.object({ results: z.array(StageResultSchema) });
const WriteResponse = z.object({ commit: z.string(), ids: z.array(z.string()) });
const DeleteResponse = z.looseObject({ deleted: z.string(), commit: z.optional(z.string()) });
const HeadResponse = z.object({ head: z.nullable(z.string()) });
const EntriesResponse = z.object({ entries: z.array(EntryMeta), cursor: z.optional(z.nullable(z.string())) });
const RecentRuns = z.object({ runs: z.array(Run), cursor: z.optional(z.nullable(z.string())) });
const RunResponse = z.object({ run: Run });
const EventResponse = z.object({ event: RunEvent });
const ArtifactsResponse = z.object({
  artifacts: z.array(z.looseObject({ ref_type: z.string(), ref_value: z.string(), repo: z.string() })),
});
const ActionResponse = ActionEntry;
/**
 * The origin answers kinds as bare strings (`"@run:"`), items as objects; its run items carry a
 * status but no section.
 */
const WireSuggestion = z.extend(Suggestion, { section: z.optional(SuggestionSection) });
const SuggestionsResponse = z.object({ suggestions: z.array(z.union([z.string(), WireSuggestion])) });

const enc = encodeURIComponent;

/** Runs `fn`, turning an HttpError that carries one of our codes back into that typed error. */
async function typed<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw typedFromHttp(e);
  }
}

/** A caller's correlation id travels as `X-Request-Id` (the host reads it like any request's). */
function correlationHeader(id: string | undefined): { headers?: Record<string, string> } {
  return id ? { headers: { 'x-request-id': id } } : {};
}

/**
 * Staging, ledger, runs and refs over a host's HTTP API (the origin's endpoints plus the ones
 * documented in docs/host-api.md). Responses are validated; failures are typed ScpErrors.
 */
export function createHttpBackend(options: HttpBackendOptions): HttpBackend {
  const http = createHttp(options);
  const etags = new Map<string, { etag: string; body: unknown }>();
  const ETAG_CACHE = 64;

  /** GET with If-None-Match: a 304 answers from the last body seen for the same URL. */
  async function cachedGet<S extends z.ZodMiniType>(
    path: string,
    query: Record<string, string | number | undefined>,
    schema: S,
    what: string,
  ): Promise<z.infer<S>> {
    const key = http.url(path, query);
    const hit = etags.get(key);
    const res = await http.request('GET', path, {
      query,
      schema,
      what,
      ...(hit && { headers: { 'if-none-match': hit.etag } }),
    });
    if (res.status === 304 && hit) return structuredClone(hit.body) as z.infer<S>;
    const etag = res.headers.get('etag');
    if (etag) {
      etags.delete(key);
      etags.set(key, { etag, body: structuredClone(res.body) });
      if (etags.size > ETAG_CACHE) etags.delete(etags.keys().next().value!);
    }
    return res.body as z.infer<S>;
  }

  // Every badge asks for the pending list after each audit event: one request serves them all.
  const pendingList = sharedWindow(
    async () =>
      (await http.request('GET', '/api/audits/pending', { schema: PendingList, what: 'pending snapshot list' })).body
        .pending,
  );
  const staging: Staging = {
    stage: (cardKey: string, result: unknown, o: StageOptions = {}) =>
      typed(async () => {
        const body = {
          card_key: cardKey,
          result,
          options: { ...o, ...(o.computed_at && { computed_at: o.computed_at.toISOString() }) },
        };
        return (
          await http.request('POST', '/api/audits/stage', { body, schema: StageResultSchema, what: `stage ${cardKey}` })
        ).body as StageResult;
      }),
    stageMany: (items: StageItem[]) =>
      typed(async () => {
        const body = {
          items: items.map((i) => ({
            ...i,
            options: {
              ...i.options,
              ...(i.options?.computed_at && { computed_at: i.options.computed_at.toISOString() }),
            },
          })),
        };
        return (
          await http.request('POST', '/api/audits/stage', { body, schema: StageManyResponse, what: 'stage scans' })
        ).body.results as StageResult[];
      }),
    list: (filter = {}) =>
      typed(async () => {
        const pending = await pendingList();
        return pending.filter(
          (p) =>
            (!filter.card_key || p.card_key === filter.card_key) &&
            (!filter.audit_type || p.audit_type === filter.audit_type),
        );
      }),
    get: (id: string) =>
      typed(async () => {
        assertValidId(id, 'snapshot');
        const res = await http.request('GET', `/api/audits/pending/${enc(id)}`, {
          accept: [404],
          what: `pending snapshot ${id}`,
        });
        if (res.status === 404)
          throw new NotFoundError(`Audit "${id}" is not pending (it may have been saved or discarded elsewhere)`, {
            data: { kind: 'audit', id },
          });
        return parseWith(AuditSnapshot, res.body, `response of pending snapshot ${id}`);
      }),
    counts: async () => {
      const counts = nullRecord<number>();
      for (const p of await staging.list()) counts[p.card_key] = (own(counts, p.card_key) ?? 0) + 1;
      return counts;
    },
    save: (ids: string[] | 'all', o: SaveOptions = {}) =>
      typed(async () => {
        const snapshot_ids = selectionOrThrow(ids, 'save');
        const body = (
          await http.request('POST', '/api/audits/save', {
            body: { snapshot_ids, ...(o.message && { message: o.message }) },
            schema: SaveResponse,
            what: 'save snapshots',
            ...correlationHeader(o.correlation_id),
          })
        ).body;
        return { saved: body.saved, commit: body.commit ?? '' } satisfies SaveResult;
      }),
    discard: (ids: string[] | 'all', o: DiscardOptions = {}) =>
      typed(async () => {
        const snapshot_ids = selectionOrThrow(ids, 'discard');
        // The actor is the host's to say (its auth hook); the reason travels with the request.
        const body = (
          await http.request('POST', '/api/audits/discard', {
            body: { snapshot_ids, ...(o.reason && { reason: o.reason }) },
            schema: DiscardResponse,
            what: 'discard snapshots',
            ...correlationHeader(o.correlation_id),
          })
        ).body;
        // The origin answers a count only; then the ids asked for are what was discarded.
        const discarded = Array.isArray(body.discarded)
          ? body.discarded
          : (body.ids ?? (snapshot_ids === 'all' ? [] : snapshot_ids.slice(0, body.discarded)));
        return {
          discarded,
          ...(typeof body.action_id === 'string' && { action_id: body.action_id }),
          ...(typeof body.commit === 'string' && { commit: body.commit }),
        } satisfies DiscardResult;
      }),
  };

  const ledger: Ledger = {
    write: (batch: LedgerBatch) =>
      typed(
        async () =>
          (
            await http.request('POST', '/api/ledger/write', {
              body: batch,
              schema: WriteResponse,
              what: 'ledger write',
            })
          ).body as WriteResult,
      ),
    getAudit: (id: string) =>
      typed(async () => {
        assertValidId(id, 'audit');
        const res = await http.request('GET', `/api/audits/saved/${enc(id)}`, {
          accept: [404],
          what: `saved audit ${id}`,
        });
        return res.status === 404 ? undefined : parseWith(SavedAudit, res.body, `response of saved audit ${id}`);
      }),
    getRun: (id: string) =>
      typed(async () => {
        assertValidId(id, 'run');
        const res = await http.request('GET', `/api/runs/${enc(id)}`, { accept: [404], what: `run ${id}` });
        return res.status === 404 ? undefined : parseWith(RunRecord, res.body, `response of run ${id}`);
      }),
    list: (query: LedgerQuery = {}) =>
      typed(async () => {
        const q: Record<string, string | number | undefined> = {};
        for (const [k, v] of Object.entries(query)) if (v !== undefined) q[k] = v as string | number;
        const body = await cachedGet('/api/ledger/entries', q, EntriesResponse, 'ledger history');
        return { entries: body.entries, ...(body.cursor ? { cursor: body.cursor } : {}) } satisfies LedgerPage;
      }),
    deleteAudit: (id: string, o: DeleteOptions = {}) =>
      typed(async () => {
        assertValidId(id, 'audit');
        checkDeleteReason(id, o);
        const res = await http.request('DELETE', `/api/audits/saved/${enc(id)}`, {
          query: { reason: o.reason },
          schema: DeleteResponse,
          what: `delete audit ${id}`,
          ...correlationHeader(o.correlation_id),
        });
        return {
          commit: res.body.commit ?? '',
          ids: [res.body.deleted],
          ...(typeof res.body.action_id === 'string' && { action_id: res.body.action_id }),
        };
      }),
    getAction: (id: string) =>
      typed(async () => {
        assertValidId(id, 'action');
        const res = await http.request('GET', `/api/ledger/actions/${enc(id)}`, {
          accept: [404],
          what: `action ${id}`,
        });
        return res.status === 404 ? undefined : parseWith(ActionResponse, res.body, `response of action ${id}`);
      }),
    head: () =>
      typed(
        async () =>
          (await http.request('GET', '/api/ledger/head', { schema: HeadResponse, what: 'ledger head' })).body.head ??
          undefined,
      ),
  };

  function handleFor(run: Run): RunHandle {
    let current = run;
    return {
      get id() {
        return current.run_id;
      },
      get run() {
        return structuredClone(current);
      },
      event: (e) =>
        typed(
          async () =>
            (
              await http.request('POST', `/api/runs/${enc(current.run_id)}/events`, {
                body: e,
                schema: EventResponse,
                what: `run ${current.run_id} event`,
              })
            ).body.event,
        ),
      artifact: (a) =>
        typed(
          async () =>
            (
              await http.request('POST', `/api/runs/${enc(current.run_id)}/artifacts`, {
                body: a,
                schema: ArtifactsResponse,
                what: `run ${current.run_id} artifact`,
              })
            ).body.artifacts as ArtifactRef[],
        ),
      finish: (outcome: RunOutcome = {}) =>
        typed(async () => {
          const { error, ...rest } = outcome;
          const body = {
            ...rest,
            ...(error !== undefined && { error: error instanceof Error ? error.message : String(error) }),
          };
          current = (
            await http.request('POST', `/api/runs/${enc(current.run_id)}/finish`, {
              body,
              schema: RunResponse,
              what: `finish run ${current.run_id}`,
            })
          ).body.run;
          return structuredClone(current);
        }),
    };
  }

  const runs: Runs = {
    start: (spec: RunSpec) =>
      typed(async () => {
        const { signal: _signal, ...body } = spec;
        return handleFor(
          (await http.request('POST', '/api/runs', { body, schema: RunResponse, what: `start ${spec.type} run` })).body
            .run,
        );
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

  // Kinds the host resolves; more are learnt from its autocomplete, and local resolvers win.
  const remoteKinds = new Set(['audit', 'run']);
  const local = new Map<string, RefResolver[]>();
  const activeLocal = (kind: string) => local.get(kind)?.at(-1);
  const knownKinds = () => [...new Set([...remoteKinds, ...local.keys()])];

  const refs: Refs = {
    parse: (text) => parseRefs(text, knownKinds()),
    scan: (text) => scanRefs(text, knownKinds()),
    async resolve(ref, o = {}) {
      const { kind, id } = typeof ref === 'string' ? splitRef(ref) : { kind: ref.kind, id: ref.id };
      assertValidId(id, kind);
      const mine = activeLocal(kind);
      if (mine) return mine.resolve(id, o);
      return typed(async () => {
        const res = await http.request('GET', '/api/chat/refs/resolve', {
          query: { ref: `@${kind}:${id}` },
          accept: [404],
          what: `resolve @${kind}:${id}`,
          ...(o.signal && { signal: o.signal }),
        });
        if (res.status === 404)
          throw new UnknownRefKindError(`The host resolves no "@${kind}:" references`, { data: { kind } });
        return parseWith(Preview, res.body, `response of preview of @${kind}:${id}`);
      });
    },
    async autocomplete(prefix, o = {}) {
      const limit = Math.min(o.limit ?? 50, 50);
      const m = /^@?([a-z][a-z0-9_-]*):(.*)$/i.exec(prefix);
      const mine = m ? activeLocal(m[1]!.toLowerCase()) : undefined;
      if (mine) return (await mine.suggest?.(m![2]!, limit, o.signal ? { signal: o.signal } : {})) ?? [];
      const body = await typed(
        async () =>
          (
            await http.request('GET', '/api/chat/refs/autocomplete', {
              query: { prefix },
              schema: SuggestionsResponse,
              what: 'ref autocomplete',
              ...(o.signal && { signal: o.signal }),
            })
          ).body,
      );
      const out: Suggestion[] = body.suggestions.map((s) => {
        if (typeof s !== 'string')
          return { ...s, section: s.section ?? (s.ref.startsWith('@run:') ? 'runs' : 'saved') };
        const kind = s.replace(/^@/, '').replace(/:$/, '');
        remoteKinds.add(kind);
        return { ref: s, label: kind, detail: '', icon: '', section: 'kinds' } satisfies Suggestion;
      });
      if (!m) {
        for (const [kind, stack] of local) {
          const r = stack.at(-1)!;
          if (
            !out.some((s) => s.ref === `@${kind}:`) &&
            `@${kind}:`.startsWith(prefix.startsWith('@') ? prefix : `@${prefix}`)
          ) {
            out.push({ ref: `@${kind}:`, label: r.label, detail: r.description ?? '', icon: r.icon, section: 'kinds' });
          }
        }
      }
      return out.slice(0, limit);
    },
    register(resolver) {
      if (!resolver || typeof resolver.resolve !== 'function' || typeof resolver.kind !== 'string') {
        throw new ValidationError('Invalid ref resolver: kind and resolve() are required', {
          data: { what: 'ref resolver', issues: [{ path: 'kind', message: 'required' }] },
        });
      }
      const stack = local.get(resolver.kind) ?? [];
      stack.push(resolver);
      local.set(resolver.kind, stack);
      return () => {
        const s = local.get(resolver.kind);
        const i = s?.lastIndexOf(resolver) ?? -1;
        if (s && i >= 0) s.splice(i, 1);
        if (s && s.length === 0) local.delete(resolver.kind);
      };
    },
    kinds() {
      const remote: RefResolver[] = [...remoteKinds]
        .filter((k) => !local.has(k))
        .map((kind) => ({
          kind,
          icon: kind === 'audit' ? '📋' : kind === 'run' ? '🚀' : '🔗',
          label: kind[0]!.toUpperCase() + kind.slice(1),
          resolve: (id, o) => refs.resolve(`@${kind}:${id}`, o),
          suggest: (q, limit, o) =>
            refs.autocomplete(`@${kind}:${q}`, { limit, ...(o?.signal && { signal: o.signal }) }),
        }));
      return [...remote, ...[...local.values()].map((s) => s.at(-1)!)];
    },
  };

  const history = (o: { before?: number; limit?: number } = {}) =>
    typed(async (): Promise<EventHistoryPage> => {
      for (const [name, v] of [
        ['before', o.before],
        ['limit', o.limit],
      ] as const) {
        if (v !== undefined && (!Number.isSafeInteger(v) || v < 1))
          throw new ValidationError(`history ${name} must be a whole number >= 1`, {
            data: { what: 'history options', issues: [{ path: name, message: 'expected an integer >= 1' }] },
          });
      }
      const body = await cachedGet(
        '/api/events/history',
        { before: o.before, limit: o.limit },
        HistoryResponse,
        'event history',
      );
      return { events: body.events, ...(body.cursor !== undefined && { cursor: Number(body.cursor) }) };
    });

  return { http, staging, ledger, runs, refs, history };
}
