/**
 * A category's queue of jobs waiting for a slot, first in, first out, with
 * O(1) push, shift and removal of any id (for cancel). It rests on the
 * insertion order of `Map`.
 */
export class FifoQueue {
  readonly #ids = new Map<string, true>();

  get size(): number {
    return this.#ids.size;
  }

  push(id: string): void {
    this.#ids.delete(id);
    this.#ids.set(id, true);
  }

  peek(): string | undefined {
    return this.#ids.keys().next().value;
  }

  shift(): string | undefined {
    const id = this.peek();
    if (id !== undefined) this.#ids.delete(id);
    return id;
  }

  remove(id: string): boolean {
    return this.#ids.delete(id);
  }

  has(id: string): boolean {
    return this.#ids.has(id);
  }

  *[Symbol.iterator](): IterableIterator<string> {
    yield* this.#ids.keys();
  }
}
