/**
 * Which dashboard card a run belongs to, from its subtype (`<type>:<detail>`).
 * Declaring cards in `createScp({ cards })` is usually enough; a function on
 * `<scp-run-badge>.cardOf` replaces that mapping for one badge.
 */
export type CardOf = (subtype: string) => string | undefined;

/** Does a run's subtype match a badge's `subtype` (exact, or a `type:*` pattern)? */
export function subtypeMatches(pattern: string, subtype: string): boolean {
  return pattern.endsWith('*') ? subtype.startsWith(pattern.slice(0, -1)) : subtype === pattern;
}
