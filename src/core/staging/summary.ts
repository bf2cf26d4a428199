/** Counted things a scan result commonly reports, in the order they are shown. */
const COUNTED: [plural: string, singular: string][] = [
  ['issues', 'issue'],
  ['findings', 'finding'],
  ['vulnerabilities', 'vulnerability'],
  ['errors', 'error'],
  ['failures', 'failure'],
  ['warnings', 'warning'],
  ['alerts', 'alert'],
];
const MAX_SUMMARY = 300;

/** One line for humans: whitespace folded, long text cut with an ellipsis. */
export function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY - 1)}…` : line;
}

function countOf(value: unknown): number | undefined {
  if (Array.isArray(value)) return value.length;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/**
 * A summary in the origin's style (`3 issues · Score: 78 · (B)`) derived from a scan result when
 * the host gives none: the result's own `summary` if it has one, else its counts, score and
 * grade, else `<card_key> scan`.
 */
export function deriveSummary(cardKey: string, data: unknown, status: string): string {
  const suffix = status === 'ok' ? '' : ` (${status})`;
  if (typeof data === 'string' && data.trim()) return oneLine(data) + suffix;
  if (Array.isArray(data)) return `${data.length} item${data.length === 1 ? '' : 's'}${suffix}`;
  if (data && typeof data === 'object') {
    const obj = data as Record<string, unknown>;
    if (typeof obj.summary === 'string' && obj.summary.trim()) return oneLine(obj.summary) + suffix;
    const parts: string[] = [];
    for (const [plural, singular] of COUNTED) {
      const n = countOf(obj[plural]);
      if (n !== undefined) parts.push(`${n} ${n === 1 ? singular : plural}`);
    }
    if (typeof obj.score === 'number' && Number.isFinite(obj.score)) parts.push(`Score: ${obj.score}`);
    if (typeof obj.grade === 'string' && obj.grade) parts.push(`(${obj.grade})`);
    if (parts.length) return oneLine(parts.join(' · ')) + suffix;
  }
  return `${cardKey} scan${suffix}`;
}
