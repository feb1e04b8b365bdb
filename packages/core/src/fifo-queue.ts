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
 *
 * Every operation ends in `#compact`, so the arrays stay within a constant
 * factor of the live ids however jobs leave: by `shift`, by `peek` + `remove`
 * of the head (the engine's path), from the middle, or by being pushed again.
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

  /**
   * Entries held in the backing arrays, stale ones included: for tests and
   * monitoring. At most 4 × size + 2048 after every operation.
   */
  get backingLength(): number {
    return this.#ids.length;
  }

  push(id: string): void {
    this.#reappend(id);
    this.#compact();
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
    const seq = this.#live.get(id);
    if (seq === undefined) return false;
    this.#live.delete(id);
    if (this.#seqs[this.#head] === seq) this.#head += 1;
    this.#compact();
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

  /**
   * Keeps the arrays bounded, at amortised O(1): a copy happens only once the
   * entries it drops outnumber the ones it keeps (plus a floor, so that small
   * queues never copy).
   */
  #compact(): void {
    if (this.#live.size === 0) {
      this.#reset();
    } else if (this.#ids.length - this.#head > 2 * this.#live.size + 1024) {
      // Mostly stale entries (removed from the middle, or pushed again): keep only the live ones.
      const ids = [...this];
      this.#reset();
      for (const live of ids) this.#reappend(live);
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
