/** The last `capacity` items, oldest first: bounded memory however long the client runs. */
export class RingBuffer<T> {
  private readonly items: T[] = [];
  /** Where the next push goes once the buffer is full (= the oldest item's index). */
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a whole number >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return;
    }
    // Full: overwrite the oldest in place instead of shift(), which would copy the whole array on every push.
    this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** A copy, oldest first. */
  toArray(): T[] {
    return [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}
