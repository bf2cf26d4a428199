import { ValidationError } from './errors/index.js';

/** One card of the host's dashboard, declared once in `createScp({ cards })`. */
export interface CardSpec {
  /** The key snapshots are staged under (`scp.staging.stage(key, …)`). */
  key: string;
  /** What the elements show for the card. Default: the key itself. */
  label?: string;
  /** The manager tab the card's snapshots are listed under; tabs follow the order categories are first declared. */
  category?: string;
  /**
   * The run subtypes shown on the card's run badge: exact (`deploy:api`) or with `*` (`deploy:*`,
   * `*:api`). A run goes to the first card whose pattern naming its type matches, else to the first
   * whose `*:…` pattern matches. Default: runs whose type or detail names the key (`deploy:api` → `api`).
   */
  runs?: readonly string[];
}

/** The host's cards as the elements read them. */
export interface CardSet {
  /** The declared cards, in the host's order. */
  readonly list: readonly Readonly<CardSpec>[];
  /** Categories in the order first declared (the manager's tabs between All and Saved). */
  readonly categories: readonly string[];
  /** The host's label for a key, or the key itself (never a label the host did not give). */
  label(key: string): string;
  category(key: string): string | undefined;
  /** The card a run belongs to: the first whose `runs` match, else a declared card its type or detail names. */
  ofRun(subtype: string): string | undefined;
  /** Does a run belong on this card? Also answers for keys the host did not declare (by name). */
  runBelongs(key: string, subtype: string): boolean;
}

/** `project` for `audit:*` cards, `devops` otherwise (the origin's rule, kept as the stored `audit_type`). */
export function auditTypeOf(cardKey: string): 'devops' | 'project' {
  return cardKey.startsWith('audit:') ? 'project' : 'devops';
}

// `*` stands for any run of characters; everything else is literal.
function patternOf(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('[^]*')}$`,
  );
}

/** The words a subtype names a card by: its type (`deploy`) and its detail's first word (`api` in `deploy:api_v2`). */
function namedBy(subtype: string): string[] {
  const colon = subtype.indexOf(':');
  if (colon < 0) return [subtype];
  return [subtype.slice(0, colon), subtype.slice(colon + 1).split(/[:_\-/.\s]/, 1)[0]!];
}

function invalid(message: string, path: string): never {
  throw new ValidationError(message, { data: { what: 'cards', issues: [{ path, message }] } });
}

/** Checks the host's card declarations once and answers the elements' questions about them. */
export function defineCards(specs: readonly CardSpec[] = []): CardSet {
  if (!Array.isArray(specs)) invalid('cards must be an array of { key, label?, category?, runs? }', 'cards');
  // Maps, so a key named like an Object.prototype member (`constructor`) is just a key.
  const byKey = new Map<string, Readonly<CardSpec>>();
  // Patterns that name the run's type (`ci:*`) are tried before those matching any type (`*:ci`),
  // so `ci:github_actions` is the ci card's even when a github card claims `*:github_*`.
  const typed: { key: string; re: RegExp }[] = [];
  const anyType: { key: string; re: RegExp }[] = [];
  const categories: string[] = [];
  specs.forEach((spec, i) => {
    const at = `cards[${i}]`;
    if (!spec || typeof spec.key !== 'string' || !spec.key)
      invalid(`${at}.key must be a non-empty string (the key snapshots are staged under)`, `${at}.key`);
    if (byKey.has(spec.key)) invalid(`${at}.key "${spec.key}" is declared twice; declare each card once`, `${at}.key`);
    if (spec.label !== undefined && typeof spec.label !== 'string')
      invalid(`${at}.label must be a string`, `${at}.label`);
    if (spec.category !== undefined && (typeof spec.category !== 'string' || !spec.category))
      invalid(`${at}.category must be a non-empty string`, `${at}.category`);
    const runs: unknown = spec.runs;
    if (runs !== undefined && (!Array.isArray(runs) || runs.some((r: unknown) => typeof r !== 'string' || !r))) {
      invalid(`${at}.runs must be an array of run subtypes (\`deploy:api\`, \`deploy:*\`)`, `${at}.runs`);
    }
    const card = Object.freeze({ ...spec, ...(spec.runs && { runs: Object.freeze([...spec.runs]) }) });
    byKey.set(card.key, card);
    if (card.category && !categories.includes(card.category)) categories.push(card.category);
    for (const run of card.runs ?? [])
      (run.startsWith('*') ? anyType : typed).push({ key: card.key, re: patternOf(run) });
  });
  const list = Object.freeze([...byKey.values()]);
  const declaredMatch = (subtype: string) =>
    (typed.find((m) => m.re.test(subtype)) ?? anyType.find((m) => m.re.test(subtype)))?.key;
  const set: CardSet = {
    list,
    categories: Object.freeze(categories),
    label: (key) => byKey.get(key)?.label ?? key,
    category: (key) => byKey.get(key)?.category,
    ofRun(subtype) {
      const declared = declaredMatch(subtype);
      if (declared !== undefined) return declared;
      return namedBy(subtype).find((w) => byKey.has(w) && !byKey.get(w)!.runs);
    },
    runBelongs(key, subtype) {
      const card = byKey.get(key);
      if (card?.runs) return declaredMatch(subtype) === key;
      // Named by its type or detail, unless another card claims the run by its `runs`.
      return declaredMatch(subtype) === undefined && namedBy(subtype).includes(key);
    },
  };
  return Object.freeze(set);
}
