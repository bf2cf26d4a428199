import type { Preview, Ref, Suggestion } from '../schemas/ref.js';

/** Resolves and suggests refs of one kind (`audit`, `run`, or a host's own). */
export interface RefResolver {
  kind: string;
  /** Icon name or emoji shown for this kind. */
  icon: string;
  /** Human label of the kind (e.g. "Audit"). */
  label: string;
  /** One line about what the kind names, shown in the kind picker. */
  description?: string;
  resolve(id: string, options?: { signal?: AbortSignal }): Promise<Preview>;
  /** Items whose id (or label) starts with / contains `query`, at most `limit`. */
  suggest?(query: string, limit: number, options?: { signal?: AbortSignal }): Promise<Suggestion[]>;
}

export interface Refs {
  /** All well-formed refs in `text`, first occurrence of each kind:id only. */
  parse(text: string): Ref[];
  /** The same refs one at a time, for callers that need only the first few or count a long text in slices. */
  scan(text: string): Iterator<Ref, void, undefined>;
  /** `exists: false` for a well-formed missing id; InvalidIdError / UnknownRefKindError otherwise. */
  resolve(ref: string | Ref, options?: { signal?: AbortSignal }): Promise<Preview>;
  /** `@` or `@au` → kinds; `@audit:sec` → items (saved, unsaved, runs), at most 50. */
  autocomplete(prefix: string, options?: { signal?: AbortSignal; limit?: number }): Promise<Suggestion[]>;
  register(resolver: RefResolver): () => void;
  kinds(): RefResolver[];
}

/** What `createRefs` is wired with (by `createScp`). */
export interface RefsDeps {
  ledger: import('../ledger/types.js').Ledger;
  staging: import('../staging/types.js').Staging;
  runs: import('../runs/types.js').Runs;
  cardLabel?: (cardKey: string) => string;
  now?: () => Date;
}
