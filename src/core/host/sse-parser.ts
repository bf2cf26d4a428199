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
  return new EventStreamParser(options);
}

const LINE_BREAKS = /[\r\n]/g;

class EventStreamParser implements SseParser {
  lastEventId: string;
  private readonly maxLine: number;
  private readonly maxEvent: number;
  private started = false;
  private skipLF = false;
  private partial: string[] = [];
  private lineLength = 0;
  private discardingLine = false;
  // Fields of the event being built.
  private type = '';
  private data = '';
  private hasData = false;
  private hasId = false;
  private corrupt = false;

  constructor(private readonly options: SseParserOptions) {
    this.maxLine = options.maxLineLength ?? 1 << 20;
    this.maxEvent = options.maxEventLength ?? 4 << 20;
    this.lastEventId = options.lastEventId ?? '';
  }

  push(chunk: string): void {
    let i = 0;
    const n = chunk.length;
    if (n === 0) return;
    if (!this.started) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) i = 1;
    }
    if (this.skipLF) {
      this.skipLF = false;
      if (chunk.charCodeAt(i) === 10) i++;
    }
    while (i < n) {
      LINE_BREAKS.lastIndex = i;
      const m = LINE_BREAKS.exec(chunk);
      if (!m) {
        this.append(chunk.slice(i));
        return;
      }
      const j = m.index;
      this.append(chunk.slice(i, j));
      this.endLine();
      if (chunk.charCodeAt(j) === 13) {
        if (j + 1 < n) {
          if (chunk.charCodeAt(j + 1) === 10) {
            i = j + 2;
            continue;
          }
        } else this.skipLF = true;
      }
      i = j + 1;
    }
  }

  end(): void {
    this.partial = [];
    this.lineLength = 0;
    this.discardingLine = false;
    this.skipLF = false;
    this.resetEvent();
  }

  private resetEvent(): void {
    this.type = '';
    this.data = '';
    this.hasData = false;
    this.hasId = false;
    this.corrupt = false;
  }

  private dispatch(): void {
    if (this.corrupt || !this.hasData) {
      this.resetEvent();
      return;
    }
    const message: SseMessage = {
      type: this.type || 'message',
      data: this.data,
      id: this.lastEventId,
      hasId: this.hasId,
    };
    this.resetEvent();
    this.options.onMessage(message);
  }

  private field(line: string): void {
    const colon = line.indexOf(':');
    const name = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (name) {
      case 'event':
        this.type = value;
        break;
      case 'data':
        this.addData(value);
        break;
      case 'id':
        if (!value.includes('\0')) {
          this.lastEventId = value;
          this.hasId = true;
        }
        break;
      case 'retry':
        if (/^\d+$/.test(value)) this.options.onRetry?.(Number(value));
        break;
      default:
        break; // unknown fields are ignored
    }
  }

  private addData(value: string): void {
    if (this.corrupt) return;
    if (this.data.length + value.length + 1 > this.maxEvent) {
      this.corrupt = true;
      this.data = '';
      this.options.onError?.(tooLong('event', this.maxEvent));
      return;
    }
    this.data = this.hasData ? `${this.data}\n${value}` : value;
    this.hasData = true;
  }

  private endLine(): void {
    if (this.discardingLine) {
      this.discardingLine = false;
      return;
    }
    const line = this.partial.length === 1 ? this.partial[0]! : this.partial.join('');
    this.partial = [];
    this.lineLength = 0;
    if (line === '') this.dispatch();
    else if (line.charCodeAt(0) !== 58 /* ':' comment */) this.field(line);
  }

  private append(s: string): void {
    if (this.discardingLine || s === '') return;
    if (this.lineLength + s.length > this.maxLine) {
      this.discardingLine = true;
      this.corrupt = true;
      this.partial = [];
      this.lineLength = 0;
      this.options.onError?.(tooLong('line', this.maxLine));
      return;
    }
    this.partial.push(s);
    this.lineLength += s.length;
  }
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
