/**
 * "just now", "5m ago", "2h ago", "1 day ago", "3 days ago": the origin's wording and
 * thresholds (under a minute, under an hour, under a day, then whole days). Times in the future
 * (clock skew between tabs or hosts) read "just now". Elements that want localized text format
 * with Intl themselves from the ISO time a suggestion carries.
 */
export function relativeTime(time: string | number | Date, now: Date = new Date()): string {
  const ms = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(ms)) return typeof time === 'string' ? time : '';
  const secs = Math.floor((now.getTime() - ms) / 1000);
  if (secs < 60) return 'just now';
  if (secs < 3600) return `${Math.floor(secs / 60)}m ago`;
  if (secs < 86_400) return `${Math.floor(secs / 3600)}h ago`;
  const days = Math.floor(secs / 86_400);
  return days === 1 ? '1 day ago' : `${days} days ago`;
}
