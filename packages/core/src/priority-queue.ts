/**
 * A category's queue of jobs waiting for a slot: the highest priority first,
 * first in, first out among equals. O(1) push, peek and removal of any id (for
 * a claim or a cancel), as `FifoQueue` is: the common case, every job at
 * priority 0, costs one array read more per operation.
 *
 * One `FifoQueue` per priority in use (a bucket), found by index in an array
 * of every priority; `#top` is the highest bucket that holds a job. When that
 * bucket empties, the next one down is found by walking the array: at most
 * the 200 other priorities, and only when a whole priority has been served.
 *
 * The caller says each job's priority on push and remove (the backend has the
 * job's record at hand): a job sits in one bucket, so a change of its
 * priority is a remove at the old one and a push at the new one. Pushing an
 * id queued at the same priority moves it to the back of that priority.
 * A priority outside MIN_PRIORITY..MAX_PRIORITY (a damaged record) is clamped
 * to it, and one that is not an integer counts as 0, the same way on push and remove.
 */
import { FifoQueue } from './fifo-queue.js';
import { MAX_PRIORITY, MIN_PRIORITY } from './job.js';

export class PriorityQueue {
  readonly #buckets: (FifoQueue | undefined)[] = new Array<FifoQueue | undefined>(
    MAX_PRIORITY - MIN_PRIORITY + 1,
  ).fill(undefined);
  /** Index of the highest bucket that holds a job; -1 when the queue is empty. */
  #top = -1;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(id: string, priority: number): void {
    const i = bucketOf(priority);
    let bucket = this.#buckets[i];
    if (bucket === undefined) this.#buckets[i] = bucket = new FifoQueue();
    const before = bucket.size;
    bucket.push(id);
    this.#size += bucket.size - before;
    if (i > this.#top) this.#top = i;
  }

  /** The job that starts next. */
  peek(): string | undefined {
    return this.#top < 0 ? undefined : this.#buckets[this.#top]!.peek();
  }

  shift(): string | undefined {
    if (this.#top < 0) return undefined;
    const bucket = this.#buckets[this.#top]!;
    const id = bucket.shift();
    this.#size -= 1;
    if (bucket.size === 0) this.#descend();
    return id;
  }

  remove(id: string, priority: number): boolean {
    const i = bucketOf(priority);
    const bucket = this.#buckets[i];
    if (bucket === undefined || !bucket.remove(id)) return false;
    this.#size -= 1;
    if (bucket.size === 0 && i === this.#top) this.#descend();
    return true;
  }

  has(id: string, priority: number): boolean {
    return this.#buckets[bucketOf(priority)]?.has(id) ?? false;
  }

  /** Every queued id in the order they would start. */
  *[Symbol.iterator](): IterableIterator<string> {
    for (let i = this.#top; i >= 0; i--) {
      const bucket = this.#buckets[i];
      if (bucket !== undefined) yield* bucket;
    }
  }

  /** `#top` emptied: the next non-empty bucket down becomes the top. */
  #descend(): void {
    let i = this.#top - 1;
    while (i >= 0 && (this.#buckets[i]?.size ?? 0) === 0) i -= 1;
    this.#top = i;
  }
}

function bucketOf(priority: number): number {
  if (!Number.isInteger(priority)) return -MIN_PRIORITY;
  return Math.min(MAX_PRIORITY, Math.max(MIN_PRIORITY, priority)) - MIN_PRIORITY;
}
