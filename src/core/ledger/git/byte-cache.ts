/**
 * A cache of byte arrays bounded by their total size, evicting the oldest first: the delta bases
 * of the pack reader and the pack indexer. Eviction pops a queue; walking a Map from its start
 * instead costs time for every entry deleted before (V8 keeps them until it rehashes), which was
 * a quarter of the time indexing a 150,000-object pack.
 */
export class ByteCache<K, V extends { content: Uint8Array }> {
  private map = new Map<K, V>();
  private queue: K[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    const old = this.map.get(key);
    if (old) this.bytes -= old.content.length;
    else this.queue.push(key);
    this.map.set(key, value);
    this.bytes += value.content.length;
    while (this.bytes > this.limit && this.head < this.queue.length) {
      const k = this.queue[this.head++]!;
      const v = this.map.get(k);
      if (v) {
        this.map.delete(k);
        this.bytes -= v.content.length;
      }
    }
    // Drop the consumed front of the queue now and then, so it does not grow without end.
    if (this.head > 4096 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  clear(): void {
    this.map.clear();
    this.queue = [];
    this.head = 0;
    this.bytes = 0;
  }

  /** Total bytes held. */
  get size(): number {
    return this.bytes;
  }
}
