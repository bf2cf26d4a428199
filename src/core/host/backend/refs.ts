import { UnknownRefKindError, ValidationError } from '../../errors/index.js';
import { assertValidId } from '../../ids.js';
import { parseRefs, scanRefs, splitRef } from '../../refs/parse.js';
import type { RefResolver, Refs } from '../../refs/types.js';
import { parseWith } from '../../schemas/parse.js';
import { Preview, type Suggestion } from '../../schemas/ref.js';
import type { Http } from '../http.js';
import { typed } from './call.js';
import { SuggestionsResponse } from './responses.js';

/** Local resolvers by kind, the newest registered last (it wins). */
type LocalResolvers = Map<string, RefResolver[]>;

/**
 * References resolved and completed by the host (`/api/chat/refs/*`); resolvers registered here
 * win for their kind. Kinds the host resolves are learnt from its autocomplete.
 */
export function httpRefs(http: Http): Refs {
  const remoteKinds = new Set(['audit', 'run']);
  const local: LocalResolvers = new Map();
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
      const out = await remoteSuggestions(http, prefix, o.signal, remoteKinds);
      if (!m) addLocalKinds(out, local, prefix);
      return out.slice(0, limit);
    },
    register: (resolver) => register(local, resolver),
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
  return refs;
}

/** The host's suggestions; the bare kinds it answers (`"@run:"`) are learnt into `remoteKinds`. */
async function remoteSuggestions(
  http: Http,
  prefix: string,
  signal: AbortSignal | undefined,
  remoteKinds: Set<string>,
): Promise<Suggestion[]> {
  const body = await typed(
    async () =>
      (
        await http.request('GET', '/api/chat/refs/autocomplete', {
          query: { prefix },
          schema: SuggestionsResponse,
          what: 'ref autocomplete',
          ...(signal && { signal }),
        })
      ).body,
  );
  return body.suggestions.map((s) => {
    if (typeof s !== 'string') return { ...s, section: s.section ?? (s.ref.startsWith('@run:') ? 'runs' : 'saved') };
    const kind = s.replace(/^@/, '').replace(/:$/, '');
    remoteKinds.add(kind);
    return { ref: s, label: kind, detail: '', icon: '', section: 'kinds' } satisfies Suggestion;
  });
}

/** Local kinds matching a kind prefix, after the host's. */
function addLocalKinds(out: Suggestion[], local: LocalResolvers, prefix: string): void {
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

function register(local: LocalResolvers, resolver: RefResolver): () => void {
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
}
