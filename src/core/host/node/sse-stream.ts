import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventJournal, JournalEntry } from './event-journal.js';

/** How an event stream paces itself (the handler's options, with their defaults applied). */
export interface StreamSettings {
  /** A heartbeat is sent after this much silence. */
  heartbeatMs: number;
  /** Reconnect delay suggested to clients with `retry:`. */
  retryMs: number;
  /** Events a stream may fall behind while its socket is backed up before it is reset and dropped. */
  maxLag: number;
  /** Failures of the journal while streaming (the stream is then reset). */
  onError?: ((error: unknown, req: IncomingMessage | undefined) => void) | undefined;
}

/** One open event stream, as its tenant keeps it (to end it on close). */
export interface Stream {
  res: ServerResponse;
  close(reason?: string): void;
}

/** Where a stream reads from and registers itself. */
export interface StreamSource {
  journal: EventJournal;
  streams: Set<Stream>;
}

/** Events read from the journal per write. */
const READ_BATCH = 256;

/**
 * `GET /api/events`: the tenant's journal as server-sent events. Resumes after `Last-Event-ID` (or
 * `?since=`); a cursor the journal no longer holds gets one `reset` frame and goes on from the
 * newest. Writes wait for the socket to drain; a client that stays backed up while falling more
 * than `maxLag` events behind is reset and dropped, so memory stays bounded.
 */
export async function openStream(
  req: IncomingMessage,
  res: ServerResponse,
  source: StreamSource,
  query: URLSearchParams,
  settings: StreamSettings,
): Promise<void> {
  const { journal } = source;
  const asked = (req.headers['last-event-id'] as string | undefined) ?? query.get('since') ?? undefined;
  // A shared journal is asked for its newest seq (another instance may have appended since).
  let cursor = journal.latest ? await journal.latest() : journal.lastSeq;
  let resetReason: string | undefined;
  if (asked !== undefined && asked !== '') {
    const c = await journal.check(asked.trim());
    if (c.ok) cursor = c.seq;
    else resetReason = c.reason;
  }
  new JournalStream(req, res, source, settings, cursor).start(resetReason);
}

class JournalStream implements Stream {
  private lastWrite = Date.now();
  private ended = false;
  private waitingDrain = false;
  private scheduled = false;
  // One read at a time per stream; a wake-up during a read asks for another round.
  private pumping = false;
  private pumpAgain = false;
  private off: () => void = () => {};
  private beat: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly req: IncomingMessage,
    readonly res: ServerResponse,
    private readonly source: StreamSource,
    private readonly settings: StreamSettings,
    private cursor: number,
  ) {}

  start(resetReason: string | undefined): void {
    const { res, source, settings } = this;
    const { journal } = source;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    this.write(`retry: ${settings.retryMs}\n\n`);
    const ready = { instance_id: journal.instanceId, cache_keys: [], seq: journal.lastSeq };
    this.write(`event: sys:ready\ndata: ${JSON.stringify(ready)}\n\n`);
    if (resetReason) this.write(this.resetFrame(resetReason));
    this.off = journal.subscribe((e) => this.onAppend(e));
    this.beat = setInterval(
      () => {
        if (Date.now() - this.lastWrite >= settings.heartbeatMs && !this.waitingDrain)
          this.write(`event: sys:heartbeat\ndata: {"ts":${Date.now() / 1000}}\n\n`);
      },
      Math.max(50, Math.min(settings.heartbeatMs, 5000)),
    );
    // The peer went away (or we ended it).
    res.on('close', () => {
      this.ended = true;
      this.cleanup();
    });
    source.streams.add(this);
    this.pump();
  }

  close(reason?: string): void {
    if (this.ended) return;
    this.ended = true;
    if (reason) this.res.write(this.resetFrame(reason));
    this.res.end();
    // A peer that never reads would keep the buffered bytes forever: give it a moment, then cut.
    if (reason) setTimeout(() => this.res.destroy(), 5000).unref();
    this.cleanup();
  }

  private resetFrame(reason: string): string {
    const { lastSeq } = this.source.journal;
    return `event: reset\nid: ${lastSeq}\ndata: ${JSON.stringify({ reason, seq: lastSeq })}\n\n`;
  }

  private write(text: string): boolean {
    this.lastWrite = Date.now();
    return this.res.write(text);
  }

  private cleanup(): void {
    this.off();
    clearInterval(this.beat);
    this.source.streams.delete(this);
  }

  private onAppend(_e: JournalEntry): void {
    // A socket that stays backed up while the stream falls far behind is reset and dropped:
    // memory stays bounded and the client refetches instead of replaying a flood.
    if (this.waitingDrain && this.source.journal.lastSeq - this.cursor > this.settings.maxLag) {
      this.close('slow_client');
      return;
    }
    // Events appended in the same turn of the event loop go out as one write per stream.
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.pump();
      });
    }
  }

  private pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    void (async () => {
      do {
        this.pumpAgain = false;
        await this.pumpOnce();
      } while (this.pumpAgain && !this.ended);
    })()
      .catch((e) => {
        try {
          this.settings.onError?.(e, this.req);
        } catch {
          /* logging must not break the stream */
        }
        this.close('journal_unavailable');
      })
      .finally(() => {
        this.pumping = false;
      });
  }

  private async pumpOnce(): Promise<void> {
    const { journal } = this.source;
    if (this.ended || this.waitingDrain) return;
    while (this.cursor < journal.lastSeq && !this.ended) {
      if (this.cursor < journal.firstSeq - 1) {
        this.expired();
        break;
      }
      const batch = await journal.read(this.cursor, READ_BATCH);
      if (batch.length === 0 || this.ended) break;
      // Retention dropped events this stream never got: it starts over from the newest.
      if (batch[0]!.seq > this.cursor + 1) {
        this.expired();
        break;
      }
      let chunk = '';
      for (const e of batch) chunk += e.frame;
      this.cursor = batch.at(-1)!.seq;
      if (!this.write(chunk)) {
        this.waitingDrain = true;
        this.res.once('drain', () => {
          this.waitingDrain = false;
          this.pump();
        });
        return;
      }
    }
  }

  /** The events after the cursor are gone: one reset, then on from the newest. */
  private expired(): void {
    this.write(this.resetFrame('cursor_expired'));
    this.cursor = this.source.journal.lastSeq;
  }
}
