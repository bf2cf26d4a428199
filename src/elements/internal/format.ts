/** Locale-aware formatting with `Intl`, cached per locale. */
export interface Formatters {
  readonly locale: string;
  number(n: number, options?: Intl.NumberFormatOptions): string;
  /** Date and time, medium/short. */
  dateTime(value: Date | string | number): string;
  /** "5 minutes ago", "yesterday", "in 2 hours" — relative to `now`. */
  relative(value: Date | string | number, now?: number): string;
  /** A duration given in milliseconds ("850 ms", "12.4 s", "3 min"). */
  duration(ms: number): string;
  plural(n: number): Intl.LDMLPluralRule;
  /** "a, b and c". */
  list(items: readonly string[]): string;
}

const cache = new Map<string, Formatters>();

function toTime(value: Date | string | number): number {
  return value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
}

function safeLocale(locale: string): string {
  try {
    return Intl.getCanonicalLocales(locale)[0] ?? 'en';
  } catch {
    return 'en';
  }
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['week', 7 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
];

export function formatters(locale: string): Formatters {
  const key = safeLocale(locale);
  const hit = cache.get(key);
  if (hit) return hit;
  const num = new Intl.NumberFormat(key);
  const dt = new Intl.DateTimeFormat(key, { dateStyle: 'medium', timeStyle: 'short' });
  const rtf = new Intl.RelativeTimeFormat(key, { numeric: 'auto' });
  const pr = new Intl.PluralRules(key);
  const lf = new Intl.ListFormat(key, { type: 'conjunction' });
  const f: Formatters = {
    locale: key,
    number: (n, options) => (options ? new Intl.NumberFormat(key, options).format(n) : num.format(n)),
    dateTime: (value) => {
      const t = toTime(value);
      return Number.isFinite(t) ? dt.format(t) : String(value);
    },
    relative: (value, now = Date.now()) => {
      const t = toTime(value);
      if (!Number.isFinite(t)) return String(value);
      const s = (t - now) / 1000;
      const abs = Math.abs(s);
      if (abs < 45) return rtf.format(0, 'second');
      for (const [unit, size] of UNITS) {
        if (abs >= size) return rtf.format(Math.round(s / size), unit);
      }
      return rtf.format(Math.round(s / 60), 'minute');
    },
    duration: (ms) => {
      if (ms < 1000)
        return new Intl.NumberFormat(key, {
          style: 'unit',
          unit: 'millisecond',
          unitDisplay: 'short',
          maximumFractionDigits: 0,
        }).format(ms);
      if (ms < 60_000)
        return new Intl.NumberFormat(key, {
          style: 'unit',
          unit: 'second',
          unitDisplay: 'short',
          maximumFractionDigits: 1,
        }).format(ms / 1000);
      return new Intl.NumberFormat(key, {
        style: 'unit',
        unit: 'minute',
        unitDisplay: 'short',
        maximumFractionDigits: 1,
      }).format(ms / 60_000);
    },
    plural: (n) => pr.select(n),
    list: (items) => lf.format(items),
  };
  cache.set(key, f);
  return f;
}

/**
 * The locale that applies to `el`: the nearest `lang` attribute (crossing shadow roots), else the
 * document's, else the browser's.
 */
export function localeOf(el: Element): string {
  let node: Element | null = el;
  while (node) {
    const lang = node.getAttribute('lang');
    if (lang) return lang;
    if (node.parentElement) node = node.parentElement;
    else {
      const root = node.getRootNode();
      node = root instanceof ShadowRoot ? root.host : null;
    }
  }
  return document.documentElement.lang || navigator.language || 'en';
}
