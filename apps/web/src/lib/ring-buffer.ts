/**
 * A fixed-capacity FIFO that overwrites its oldest item: chart history stays
 * bounded however long the dashboard is left open.
 */
export class RingBuffer<T> {
  readonly #items: (T | undefined)[];
  #start = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError('capacity must be a positive integer');
    }
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    const end = (this.#start + this.#size) % this.capacity;
    this.#items[end] = item;
    if (this.#size < this.capacity) this.#size += 1;
    else this.#start = (this.#start + 1) % this.capacity;
  }

  /** The newest item, if any. */
  last(): T | undefined {
    if (this.#size === 0) return undefined;
    return this.#items[(this.#start + this.#size - 1) % this.capacity];
  }

  /** Drops items from the oldest end while `predicate` holds. */
  dropWhile(predicate: (item: T) => boolean): void {
    while (this.#size > 0 && predicate(this.#items[this.#start] as T)) {
      this.#items[this.#start] = undefined;
      this.#start = (this.#start + 1) % this.capacity;
      this.#size -= 1;
    }
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.#size; i++)
      out.push(this.#items[(this.#start + i) % this.capacity] as T);
    return out;
  }
}
