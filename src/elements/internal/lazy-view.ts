import type { ReactiveController, ReactiveControllerHost } from 'lit';

/**
 * Holds an element's view module (its templates and interaction code), loaded on the element's
 * first connection so that code is a separate chunk and not part of what a page loads up front.
 * The element stays defined (properties, attributes, public methods) from the start.
 *
 * The host awaits `ready` in `scheduleUpdate()` before its first update, so `updateComplete`
 * resolves only once the view has rendered, and nothing renders half-built.
 */
export class LazyView<V> implements ReactiveController {
  /** The loaded view module, once `ready` has settled. */
  module: V | undefined;
  private loading: Promise<V> | undefined;

  constructor(
    host: ReactiveControllerHost,
    private readonly load: () => Promise<V>,
  ) {
    host.addController(this);
  }

  /** Starts the load (once) and resolves with the module. */
  get ready(): Promise<V> {
    this.loading ??= this.load().then((m) => {
      this.module = m;
      return m;
    });
    return this.loading;
  }

  hostConnected(): void {
    // Start fetching as soon as the element is in a document, before its first update.
    void this.ready.catch(() => {});
  }
}
