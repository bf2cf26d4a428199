import { html, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import type { ScpClient } from '../../core/client.js';
import type { BusEventMap, BusEventName } from '../../core/schemas/events.js';
import type { Preview, Ref } from '../../core/schemas/ref.js';
import { ScpRefResolvedEvent } from '../events/ref-resolved-event.js';
import { ScpClientController } from '../internal/client-controller.js';
import { ScpElement } from '../internal/scp-element.js';
import { reportError, userErrorText } from '../internal/errors.js';
import {
  type CacheEntry,
  COUNT_SLICE_MS,
  finishedRunPreview,
  forgetIds,
  idsIn,
  REF_BATCH,
  sameRefs,
  trimCache,
} from './preview-cache.js';
import { keyOf } from './ref-text.js';

export { removeRefText } from './ref-text.js';

/**
 * One preview card per `@audit:` / `@run:` (or host-registered) reference in a compose box's text,
 * before the message is sent: kind icon, id, summary, status pill and a remove button. Watches
 * the input or textarea whose id is `for` (same document or shadow root), or the `text` property.
 * Debounced; every ref is resolved once (misses and failures are cached too; failures can be
 * retried); ids that fail the id grammar are never resolved. At most `max` refs of a text get a
 * card (the rest are summarised as "+N more references"); they are resolved in parallel batches
 * and the cards render once per batch, so a text with thousands of refs stays responsive.
 *
 * @summary Preview cards for the refs typed into a compose box.
 * @tag scp-ref-preview
 * @csspart base - The card list.
 * @csspart card - One card (also `card-loading`, `card-missing`, `card-error`).
 * @csspart icon - The kind icon.
 * @csspart id - The ref text.
 * @csspart summary - The summary line.
 * @csspart status - The status pill.
 * @csspart remove - The remove button.
 * @csspart more - The "+N more references" line when a text holds more than `max` refs.
 * @cssproperty --scp-ref-card-width - Width of a card (default 18rem).
 * @cssproperty --scp-ref-card-bg - Card background.
 * @event {ScpRefResolvedEvent} scp-ref-resolved - A ref was resolved by the core.
 * @event {ScpRefRemoveEvent} scp-ref-remove - The remove button was used; cancel to keep the text.
 * @event {ScpActionErrorEvent} scp-error - Resolving a ref failed (`action: 'resolve'`).
 */
export class ScpRefPreview extends ScpElement {
  // The cards (their templates, styles, remove and retry buttons) are the part
  // <scp-ref-preview-cards>, loaded on first connection. The watching, parsing and lookups are
  // here, so refs typed meanwhile are already resolving and the public methods work at once.
  private readonly data = new ScpClientController(this, {
    events: [
      'audit:pending',
      'audit:saved',
      'audit:discarded',
      'audit:deleted',
      'run:started',
      'run:completed',
      'ledger:written',
    ],
    onClient: () => {
      this.abort?.abort();
      this.abort = undefined;
      this.cache.clear();
      this.finishedRuns.clear();
      this.stopCounting();
      this.refs = [];
      this.refCount = 0;
    },
    // (Lookups still queued for the old client find their cache entries gone and are dropped unsent.)
    onEvent: (name, payload) => {
      this.invalidate(name, payload);
      return false;
    },
    load: () => {
      this.cache.clear();
      this.apply();
    },
  });

  /** Id of the input or textarea to watch (in this element's document or shadow root). */
  @property({ attribute: 'for' }) accessor htmlFor: string | undefined = undefined;
  /** The text to scan when no `for` is given. */
  @property() accessor text = '';
  /** Milliseconds of quiet typing before the text is scanned. */
  @property({ type: Number }) accessor debounce = 400;
  /** Also show a card for refs that do not exist (default: no card). */
  @property({ type: Boolean, attribute: 'show-missing' }) accessor showMissing = false;
  /** Most refs of one text previewed (the first ones); the rest are counted as "+N more references". */
  @property({ type: Number }) accessor max = 50;

  /** The refs that get a card: the first `max` refs of the text (first occurrence of each), in order. */
  @state() accessor refs: readonly Ref[] = [];
  /**
   * How many different refs the text holds. Past the first `max` they are only counted, in short
   * slices after the cards' lookups are queued, so a keystroke in a text of thousands of refs stays cheap.
   */
  @state() accessor refCount = 0;

  /** The refs that get a card (the same as `refs`). */
  get shownRefs(): readonly Ref[] {
    return this.refs;
  }

  private readonly cache = new Map<string, CacheEntry>();
  /** What `run:completed` said about a run: final, and newer than a lookup racing the ledger write. */
  private readonly finishedRuns = new Map<string, Partial<Preview>>();
  private abort: AbortController | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private root: Document | ShadowRoot | undefined;
  private resolvingCount = 0;
  private idleWaiters: Array<() => void> = [];
  /** Refs waiting for a lookup, resolved together in the next batch. */
  private queued: { client: ScpClient; ref: Ref; entry: CacheEntry }[] = [];
  private batching = false;
  /** The count of refs past `max` under way (cancelled when the text is scanned again). */
  private counting: { cancelled: boolean; timer?: ReturnType<typeof setTimeout> } | undefined;

  /** Drop the cards (after the message was sent). The cache is kept. */
  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.htmlFor) this.text = '';
    this.stopCounting();
    this.refs = [];
    this.refCount = 0;
  }

  /** Resolves once the debounce has fired and every card is resolved (tests and benches). */
  async settled(): Promise<void> {
    await this.data.settled();
    while (this.timer !== undefined || this.resolvingCount > 0 || this.counting) {
      if (this.resolvingCount > 0 || this.counting) await new Promise<void>((r) => this.idleWaiters.push(r));
      else await new Promise((r) => setTimeout(r, 5));
    }
    await this.updateComplete;
  }

  /** Whether the cache holds an answer (or a pending lookup) for `@kind:id`. */
  isCached(ref: Pick<Ref, 'kind' | 'id'>): boolean {
    return this.cache.has(keyOf(ref));
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.usePart('scp-ref-preview-cards', () => import('./preview-cards.part.js'));
    // A connected element's root is its document or a shadow root.
    this.root = this.getRootNode() as Document | ShadowRoot;
    this.root.addEventListener('input', this.onInput);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.root?.removeEventListener('input', this.onInput);
    this.root = undefined;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.stopCounting();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    // The first update scans at once, from the text, `for` and input value there by then. A scan
    // now also covers a new `text`; a new `text` alone waits for the debounce.
    if (!this.hasUpdated || changed.has('htmlFor') || changed.has('max')) this.apply();
    else if (changed.has('text') && !this.htmlFor) this.schedule();
  }

  protected override render() {
    return html`<scp-ref-preview-cards .refs=${this.refs} .cache=${this.cache} .refCount=${this.refCount} .showMissing=${this.showMissing} .client=${this.data.client} .htmlFor=${this.htmlFor} .text=${this.text} .t=${this.t} .onRetry=${this.retry} .onRemoved=${this.removed}></scp-ref-preview-cards>`;
  }

  /** A card's retry button: look the ref up again. */
  private readonly retry = (ref: Ref): void => {
    this.cache.delete(keyOf(ref));
    this.ensure(ref);
    this.requestUpdate();
  };

  /** A card's ref left the text (`text`: the new one when no `for` is given): the cards follow at once. */
  private readonly removed = (text?: string): Promise<unknown> => {
    if (text !== undefined) this.text = text;
    this.scanNow();
    return this.updateComplete;
  };

  /** The text to scan: the value of the input or textarea `for` names, else `text`. */
  private currentText(): string {
    if (!this.htmlFor) return this.text;
    const el = this.root?.getElementById(this.htmlFor);
    return el instanceof HTMLTextAreaElement || el instanceof HTMLInputElement ? el.value : '';
  }

  private readonly onInput = (ev: Event) => {
    const target = ev.composedPath()[0];
    if (this.htmlFor && target instanceof Element && target.id === this.htmlFor) this.schedule();
  };

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.scanNow(), Math.max(0, this.debounce));
  }

  /** Scan the text now, instead of when the debounce ends. */
  private scanNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.apply();
  }

  /**
   * Scan the text now: the first `max` refs get cards (and lookups), the rest are counted
   * in slices. Finding the first `max` costs as much as the text before the last of them, however
   * long the text is after it.
   */
  private apply(): void {
    const client = this.data.client;
    this.stopCounting();
    if (!client) {
      this.refs = [];
      this.refCount = 0;
      return;
    }
    // The scan applies the id grammar: an id that could escape a path is never looked up.
    const scan = client.refs.scan(this.currentText());
    // `max` as a usable count (a bad value falls back to the default).
    const m = this.max;
    const cap = Number.isFinite(m) && m >= 0 ? Math.floor(m) : 50;
    const refs: Ref[] = [];
    let done = false;
    while (refs.length < cap) {
      const next = scan.next();
      if (next.done) {
        done = true;
        break;
      }
      refs.push(next.value);
    }
    // The same refs as before (a keystroke elsewhere in the text) keep the cards as they are.
    if (!sameRefs(this.refs, refs)) this.refs = refs;
    if (done) this.refCount = refs.length;
    else this.countRest(scan, refs.length);
    for (const ref of refs) this.ensure(ref);
    trimCache(this.cache, refs);
  }

  /** Count the refs `scan` still holds, COUNT_SLICE_MS at a time, then set `refCount`. */
  private countRest(scan: Iterator<Ref, void, undefined>, counted: number): void {
    const job: NonNullable<typeof this.counting> = { cancelled: false };
    this.counting = job;
    // Until the count is in, the last one stands (never fewer than the refs shown).
    if (this.refCount <= counted) this.refCount = counted + 1;
    let n = counted;
    const slice = () => {
      if (job.cancelled) return;
      const until = performance.now() + COUNT_SLICE_MS;
      for (;;) {
        if (scan.next().done) {
          this.counting = undefined;
          this.refCount = n;
          this.wakeIdle();
          return;
        }
        n++;
        if ((n & 63) === 0 && performance.now() > until) break;
      }
      job.timer = setTimeout(slice, 0);
    };
    job.timer = setTimeout(slice, 0);
  }

  private stopCounting(): void {
    if (!this.counting) return;
    this.counting.cancelled = true;
    clearTimeout(this.counting.timer);
    this.counting = undefined;
    this.wakeIdle();
  }

  private wakeIdle(): void {
    if (this.resolvingCount > 0 || this.counting) return;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const fn of w) fn();
  }

  /** Queue a lookup of `ref` unless the cache has it (answer, miss, failure or one under way). */
  private ensure(ref: Ref): void {
    const client = this.data.client;
    const key = keyOf(ref);
    if (!client || this.cache.has(key)) return;
    // The entry object identifies this lookup: an invalidation replaces it and the answer is dropped.
    const entry: CacheEntry = { state: 'loading' };
    this.cache.set(key, entry);
    this.resolvingCount++;
    this.queued.push({ client, ref, entry });
    if (!this.batching) {
      this.batching = true;
      queueMicrotask(() => void this.drain());
    }
  }

  /**
   * Resolve the queued refs, REF_BATCH at a time in parallel; each batch's answers go into the
   * cache together and cause one render (not one per ref).
   */
  private async drain(): Promise<void> {
    try {
      while (this.queued.length) {
        // Lookups made stale meanwhile (cleared cache, invalidated id) are not sent at all.
        const taken = this.queued.splice(0, REF_BATCH);
        const batch = taken.filter(({ ref, entry }) => this.cache.get(keyOf(ref)) === entry);
        this.resolvingCount -= taken.length - batch.length;
        this.abort ??= new AbortController();
        const signal = this.abort.signal;
        const answers = await Promise.allSettled(batch.map(({ client, ref }) => client.refs.resolve(ref, { signal })));
        batch.forEach(({ ref, entry }, i) => {
          const key = keyOf(ref);
          const a = answers[i]!;
          if (signal.aborted || this.cache.get(key) !== entry) return;
          if (a.status === 'fulfilled') {
            const finished = ref.kind === 'run' ? this.finishedRuns.get(ref.id) : undefined;
            const preview = finished ? { ...a.value, ...finished, exists: true } : a.value;
            this.cache.set(key, { state: 'ready', preview });
            this.dispatchEvent(new ScpRefResolvedEvent({ ref: `@${ref.kind}:${ref.id}`, preview }));
          } else {
            const error: unknown = a.reason;
            this.cache.set(key, { state: 'error', error });
            reportError(this, {
              action: 'resolve',
              ids: [ref.id],
              error,
              message: this.t('refError', { detail: userErrorText(error, this.t) }),
            });
          }
        });
        this.resolvingCount -= batch.length;
        this.requestUpdate();
      }
    } finally {
      this.batching = false;
      this.wakeIdle();
    }
  }

  /** A change in the core makes cached answers about that id stale: look them up again. */
  private invalidate<K extends BusEventName>(name: K, payload: BusEventMap[K]): void {
    const ids = idsIn(payload);
    if (ids.size === 0) return;
    if (name === 'run:completed') {
      const done = payload as BusEventMap['run:completed'];
      const finished = finishedRunPreview(done);
      this.finishedRuns.set(done.run_id, finished);
      const cached = this.cache.get(`run:${done.run_id}`);
      if (cached?.state === 'ready') {
        this.cache.set(`run:${done.run_id}`, {
          state: 'ready',
          preview: { ...cached.preview, ...finished, exists: true },
        });
        this.requestUpdate();
        return;
      }
    }
    if (!forgetIds(this.cache, ids)) return;
    for (const ref of this.refs) this.ensure(ref);
  }
}
