/**
 * A category's queue of jobs waiting for a slot, first in, first out, with
 * O(1) push, shift and removal of any id (for cancel). Pushing an id that is
 * already queued moves it to the back.
 *
 * An array with a moving head holds the order; removal is lazy: `#live` maps
 * each queued id to the sequence number of its one valid entry, and stale
 * entries are skipped when they reach the head. (A `Map` alone keeps order
 * too, but finding its first key walks over every deleted slot before it,
 * which made `shift` linear in the jobs already taken.)
 */
export class FifoQueue {
  #ids: string[] = [];
  #seqs: number[] = [];
  #head = 0;
  #seq = 0;
  readonly #live = new Map<string, number>();

  get size(): number {
    return this.#live.size;
  }

  push(id: string): void {
    this.#reappend(id);
  }

  peek(): string | undefined {
    this.#skipStale();
    return this.#head < this.#ids.length ? this.#ids[this.#head] : undefined;
  }

  shift(): string | undefined {
    const id = this.peek();
    if (id === undefined) return undefined;
    this.#live.delete(id);
    this.#head += 1;
    this.#compact();
    return id;
  }

  remove(id: string): boolean {
    if (!this.#live.delete(id)) return false;
    if (this.#live.size === 0) {
      this.#reset();
    } else if (this.#ids.length - this.#head > 2 * this.#live.size + 1024) {
      // Mostly stale entries (many removed from the middle): keep only the live ones.
      const ids = [...this];
      this.#reset();
      for (const live of ids) this.#reappend(live);
    }
    return true;
  }

  #reappend(id: string): void {
    const seq = this.#seq++;
    this.#live.set(id, seq);
    this.#ids.push(id);
    this.#seqs.push(seq);
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = this.#head; i < this.#ids.length; i++) {
      const id = this.#ids[i]!;
      if (this.#live.get(id) === this.#seqs[i]) yield id;
    }
  }

  #skipStale(): void {
    const ids = this.#ids;
    while (this.#head < ids.length && this.#live.get(ids[this.#head]!) !== this.#seqs[this.#head]) {
      this.#head += 1;
    }
  }

  /** Drops the consumed front once it is most of the array, keeping memory bounded. */
  #compact(): void {
    if (this.#live.size === 0) {
      this.#reset();
    } else if (this.#head > 1024 && this.#head * 2 > this.#ids.length) {
      this.#ids = this.#ids.slice(this.#head);
      this.#seqs = this.#seqs.slice(this.#head);
      this.#head = 0;
    }
  }

  #reset(): void {
    this.#ids = [];
    this.#seqs = [];
    this.#head = 0;
  }
}
