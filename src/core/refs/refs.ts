import { AbortedError, UnknownRefKindError, ValidationError } from '../errors/index.js';
import { assertValidId } from '../ids.js';
import type { Preview, Ref, Suggestion } from '../schemas/ref.js';
import { createAuditResolver } from './audit.js';
import { KIND_PATTERN, parseRefs, scanRefs, splitRef } from './parse.js';
import { createRunResolver } from './run.js';
import type { RefResolver, Refs, RefsDeps } from './types.js';

/** The most suggestions one autocomplete call returns (the origin's cap). */
export const MAX_SUGGESTIONS = 50;

function checkAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new AbortedError(`${what} was aborted`, { data: { what }, cause: signal.reason });
}

function checkResolver(resolver: RefResolver): void {
  const issues: { path: string; message: string }[] = [];
  if (!resolver || typeof resolver !== 'object') issues.push({ path: '(root)', message: 'expected a resolver object' });
  else {
    if (typeof resolver.kind !== 'string' || !KIND_PATTERN.test(resolver.kind)) {
      issues.push({
        path: 'kind',
        message: 'lower-case letters, digits, "_" or "-", starting with a letter (e.g. "commit")',
      });
    }
    if (typeof resolver.resolve !== 'function') issues.push({ path: 'resolve', message: 'a function is required' });
    if (resolver.suggest !== undefined && typeof resolver.suggest !== 'function')
      issues.push({ path: 'suggest', message: 'must be a function when given' });
  }
  if (issues.length) {
    throw new ValidationError(`Invalid ref resolver: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      data: { what: 'ref resolver', issues },
    });
  }
}

/** Per kind, a stack: the newest registration is active; unregistering it brings back the one before. */
class ResolverRegistry {
  private readonly stacks = new Map<string, RefResolver[]>();

  active(kind: string): RefResolver | undefined {
    const stack = this.stacks.get(kind);
    return stack?.[stack.length - 1];
  }

  /** The active resolver of every kind. */
  actives(): RefResolver[] {
    return [...this.stacks.values()].map((stack) => stack[stack.length - 1]!);
  }

  kinds(): string[] {
    return [...this.stacks.keys()];
  }

  register(resolver: RefResolver): () => void {
    checkResolver(resolver);
    const stack = this.stacks.get(resolver.kind) ?? [];
    stack.push(resolver);
    this.stacks.set(resolver.kind, stack);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const current = this.stacks.get(resolver.kind);
      if (!current) return;
      const i = current.lastIndexOf(resolver);
      if (i >= 0) current.splice(i, 1);
      if (current.length === 0) this.stacks.delete(resolver.kind);
    };
  }
}

function unknownKind(kind: unknown, known: string[]): UnknownRefKindError {
  return new UnknownRefKindError(
    `No resolver for "@${String(kind)}:" references (known: ${known
      .map((k) => `@${k}:`)
      .join(', ')}); a host adds kinds with refs.register()`,
    {
      data: { kind: String(kind) },
    },
  );
}

/** The asked limit as a whole number in [0, MAX_SUGGESTIONS]; MAX_SUGGESTIONS when not a finite number. */
function suggestionLimit(asked: number | undefined): number {
  return typeof asked === 'number' && Number.isFinite(asked)
    ? Math.max(0, Math.min(MAX_SUGGESTIONS, Math.floor(asked)))
    : MAX_SUGGESTIONS;
}

/** What `@<typed>` (no colon yet) completes to: the kinds starting with it. */
function kindSuggestions(resolvers: RefResolver[], typed: string, limit: number): Suggestion[] {
  return resolvers
    .filter((r) => r.kind.startsWith(typed))
    .slice(0, limit)
    .map((r) => ({
      ref: `@${r.kind}:`,
      label: r.label,
      detail: r.description ?? `@${r.kind}:<id>`,
      icon: r.icon,
      section: 'kinds' as const,
    }));
}

/**
 * References (`@audit:<id>`, `@run:<id>`, and kinds a host registers): parse, resolve, autocomplete.
 * Built-in kinds: `audit` (ledger, then pending) and `run` (ledger, then live).
 */
export function createRefs(deps: RefsDeps): Refs {
  const registry = new ResolverRegistry();
  const register = (resolver: RefResolver) => registry.register(resolver);
  const now = deps.now ?? (() => new Date());
  register(
    createAuditResolver({
      ledger: deps.ledger,
      staging: deps.staging,
      now,
      ...(deps.cardLabel && { cardLabel: deps.cardLabel }),
    }),
  );
  register(createRunResolver({ ledger: deps.ledger, runs: deps.runs, now }));

  return {
    parse(text: string): Ref[] {
      return parseRefs(text, registry.kinds());
    },

    scan(text: string) {
      return scanRefs(text, registry.kinds());
    },

    async resolve(ref: string | Ref, options: { signal?: AbortSignal } = {}): Promise<Preview> {
      const { kind, id } = typeof ref === 'string' ? splitRef(ref) : { kind: ref?.kind, id: ref?.id };
      // The id is checked before anything is looked up, so a hostile id never reaches a store or a path.
      assertValidId(id, typeof kind === 'string' ? kind : 'ref');
      const resolver = typeof kind === 'string' ? registry.active(kind) : undefined;
      if (!resolver) throw unknownKind(kind, registry.kinds());
      checkAborted(options.signal, `Resolving @${kind}:${id}`);
      const preview = await resolver.resolve(id, options.signal ? { signal: options.signal } : undefined);
      checkAborted(options.signal, `Resolving @${kind}:${id}`);
      return preview;
    },

    async autocomplete(prefix: string, options: { signal?: AbortSignal; limit?: number } = {}): Promise<Suggestion[]> {
      const limit = suggestionLimit(options.limit);
      if (typeof prefix !== 'string' || !prefix.startsWith('@') || limit === 0) return [];
      checkAborted(options.signal, 'Autocomplete');
      const rest = prefix.slice(1);
      const colon = rest.indexOf(':');
      if (colon < 0) return kindSuggestions(registry.actives(), rest.toLowerCase(), limit);
      const resolver = registry.active(rest.slice(0, colon).toLowerCase());
      if (!resolver?.suggest) return [];
      const items = await resolver.suggest(
        rest.slice(colon + 1),
        limit,
        options.signal ? { signal: options.signal } : undefined,
      );
      checkAborted(options.signal, 'Autocomplete');
      return items.slice(0, limit);
    },

    register,

    kinds(): RefResolver[] {
      return registry.actives();
    },
  };
}
