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

/** A value made on first use. */
function once<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}

export function formatters(locale: string): Formatters {
  const key = safeLocale(locale);
  const hit = cache.get(key);
  if (hit) return hit;
  // Each Intl object is made on first use: making one costs milliseconds on a slow phone (a
  // DateTimeFormat with styles the most), and an element's first render needs one or two of them.
  const num = once(() => new Intl.NumberFormat(key));
  const dt = once(() => new Intl.DateTimeFormat(key, { dateStyle: 'medium', timeStyle: 'short' }));
  const rtf = once(() => new Intl.RelativeTimeFormat(key, { numeric: 'auto' }));
  const pr = once(() => new Intl.PluralRules(key));
  const lf = once(() => new Intl.ListFormat(key, { type: 'conjunction' }));
  const unit = (u: string, digits: number) =>
    once(
      () => new Intl.NumberFormat(key, { style: 'unit', unit: u, unitDisplay: 'short', maximumFractionDigits: digits }),
    );
  const ms = unit('millisecond', 0);
  const sec = unit('second', 1);
  const min = unit('minute', 1);
  const f: Formatters = {
    locale: key,
    number: (n, options) => (options ? new Intl.NumberFormat(key, options) : num()).format(n),
    dateTime: (value) => {
      const t = toTime(value);
      return Number.isFinite(t) ? dt().format(t) : String(value);
    },
    relative: (value, now = Date.now()) => {
      const t = toTime(value);
      if (!Number.isFinite(t)) return String(value);
      const s = (t - now) / 1000;
      const abs = Math.abs(s);
      if (abs < 45) return rtf().format(0, 'second');
      for (const [unit, size] of UNITS) {
        if (abs >= size) return rtf().format(Math.round(s / size), unit);
      }
      return rtf().format(Math.round(s / 60), 'minute');
    },
    duration: (d) => (d < 1000 ? ms().format(d) : d < 60_000 ? sec().format(d / 1000) : min().format(d / 60_000)),
    plural: (n) => pr().select(n),
    list: (items) => lf().format(items),
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
