import { ValidationError } from '../errors/index.js';

/** One dispatched server-sent event (WHATWG HTML "event stream interpretation"). */
export interface SseMessage {
  /** The `event:` field, `message` when absent. */
  type: string;
  /** `data:` lines joined with `\n`. */
  data: string;
  /** The last event id in force when the event was dispatched (the spec's "last event ID"). */
  id: string;
  /** Whether this event carried its own `id:` line. */
  hasId: boolean;
}

export interface SseParserOptions {
  onMessage(message: SseMessage): void;
  /** A valid `retry:` field (milliseconds). */
  onRetry?(ms: number): void;
  /** A line or event over the limits: the offending event is dropped, parsing carries on. */
  onError?(error: ValidationError): void;
  /** The id in force before the first event (the resume cursor). */
  lastEventId?: string;
  /** Longest accepted line, in UTF-16 code units (default 1 MiB). */
  maxLineLength?: number;
  /** Largest accepted `data` of one event (default 4 MiB). */
  maxEventLength?: number;
}

export interface SseParser {
  /** Feed decoded text; a chunk may end anywhere (mid-line, between CR and LF, mid-event). */
  push(chunk: string): void;
  /** The stream ended: an unterminated event is discarded, as the spec says. */
  end(): void;
  readonly lastEventId: string;
}

const tooLong = (what: string, limit: number) =>
  new ValidationError(
    `Server-sent ${what} is longer than ${limit} characters; it was dropped and the stream carries on`,
    { data: { what: `sse ${what}`, issues: [{ path: what, message: `longer than ${limit}` }] } },
  );

/**
 * Incremental parser for the `text/event-stream` wire format: `event:`, `data:` (multi-line),
 * `id:` (ignored when it contains NUL), `retry:` (digits only), `:` comments, CR / LF / CRLF line
 * ends, a leading BOM, and chunk boundaries anywhere. Lines and events are bounded so a hostile
 * stream cannot grow memory without limit.
 */
export function createSseParser(options: SseParserOptions): SseParser {
  const maxLine = options.maxLineLength ?? 1 << 20;
  const maxEvent = options.maxEventLength ?? 4 << 20;
  let lastEventId = options.lastEventId ?? '';
  let started = false;
  let skipLF = false;
  let partial: string[] = [];
  let lineLength = 0;
  let discardingLine = false;
  // Fields of the event being built.
  let type = '';
  let data = '';
  let hasData = false;
  let hasId = false;
  let corrupt = false;

  function resetEvent() {
    type = '';
    data = '';
    hasData = false;
    hasId = false;
    corrupt = false;
  }

  function dispatch() {
    if (corrupt || !hasData) {
      resetEvent();
      return;
    }
    const message: SseMessage = { type: type || 'message', data, id: lastEventId, hasId };
    resetEvent();
    options.onMessage(message);
  }

  function field(line: string) {
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (name) {
      case 'event':
        type = value;
        break;
      case 'data':
        if (corrupt) break;
        if (data.length + value.length + 1 > maxEvent) {
          corrupt = true;
          data = '';
          options.onError?.(tooLong('event', maxEvent));
          break;
        }
        data = hasData ? `${data}\n${value}` : value;
        hasData = true;
        break;
      case 'id':
        if (!value.includes('\0')) {
          lastEventId = value;
          hasId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) options.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  function endLine() {
    if (discardingLine) {
      discardingLine = false;
      return;
    }
    const line = partial.length === 1 ? partial[0]! : partial.join('');
    partial = [];
    lineLength = 0;
    if (line === '') dispatch();
    else if (line.charCodeAt(0) !== 58 /* ':' comment */) field(line);
  }

  function append(s: string) {
    if (discardingLine || s === '') return;
    if (lineLength + s.length > maxLine) {
      discardingLine = true;
      corrupt = true;
      partial = [];
      lineLength = 0;
      options.onError?.(tooLong('line', maxLine));
      return;
    }
    partial.push(s);
    lineLength += s.length;
  }

  const breaks = /[\r\n]/g;

  return {
    get lastEventId() {
      return lastEventId;
    },
    push(chunk: string) {
      let i = 0;
      const n = chunk.length;
      if (n === 0) return;
      if (!started) {
        started = true;
        if (chunk.charCodeAt(0) === 0xfeff) i = 1;
      }
      if (skipLF) {
        skipLF = false;
        if (chunk.charCodeAt(i) === 10) i++;
      }
      while (i < n) {
        breaks.lastIndex = i;
        const m = breaks.exec(chunk);
        if (!m) {
          append(chunk.slice(i));
          return;
        }
        const j = m.index;
        append(chunk.slice(i, j));
        endLine();
        if (chunk.charCodeAt(j) === 13) {
          if (j + 1 < n) {
            if (chunk.charCodeAt(j + 1) === 10) {
              i = j + 2;
              continue;
            }
          } else skipLF = true;
        }
        i = j + 1;
      }
    },
    end() {
      partial = [];
      lineLength = 0;
      discardingLine = false;
      skipLF = false;
      resetEvent();
    },
  };
}

/** Serialises one event in the wire format (multi-line data split on any line end). */
export function formatSse(event: { type?: string; id?: string | number; data: string; retry?: number }): string {
  let out = '';
  if (event.retry !== undefined) out += `retry: ${event.retry}\n`;
  if (event.type) out += `event: ${event.type}\n`;
  if (event.id !== undefined) out += `id: ${event.id}\n`;
  for (const line of event.data.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  return `${out}\n`;
}
