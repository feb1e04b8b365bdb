/**
 * Delayed and retrying jobs ordered by the time they become due: a binary
 * min-heap on (dueAt, sequence), so jobs due at the same instant keep their
 * arrival order. Removal is lazy: a removed id is skipped when it surfaces.
 */
interface Entry {
  id: string;
  dueAt: number;
  seq: number;
}

export class DelayQueue {
  #heap: Entry[] = [];
  /** The live entry of each id; heap entries that differ are stale. */
  readonly #live = new Map<string, Entry>();
  #seq = 0;

  get size(): number {
    return this.#live.size;
  }

  /** Schedules `id` at `dueAt` (epoch ms), replacing any earlier schedule of it. */
  add(id: string, dueAt: number): void {
    const entry = { id, dueAt, seq: this.#seq++ };
    this.#live.set(id, entry);
    this.#heap.push(entry);
    this.#up(this.#heap.length - 1);
    // Keep stale entries from piling up when many jobs are rescheduled or removed.
    if (this.#heap.length > 64 && this.#heap.length > 2 * this.#live.size) this.#rebuild();
  }

  remove(id: string): boolean {
    return this.#live.delete(id);
  }

  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** When the earliest job is due, or `null` when none waits. */
  nextDueAt(): number | null {
    this.#dropStale();
    return this.#heap[0]?.dueAt ?? null;
  }

  /** Removes and returns, in due order, the ids due at or before `now`. */
  takeDue(now: number): string[] {
    const due: string[] = [];
    for (;;) {
      this.#dropStale();
      const top = this.#heap[0];
      if (top === undefined || top.dueAt > now) return due;
      this.#pop();
      this.#live.delete(top.id);
      due.push(top.id);
    }
  }

  #dropStale(): void {
    for (;;) {
      const top = this.#heap[0];
      if (top === undefined || this.#live.get(top.id) === top) return;
      this.#pop();
    }
  }

  #rebuild(): void {
    this.#heap = [...this.#live.values()].sort(less);
  }

  #pop(): void {
    const last = this.#heap.pop();
    if (last === undefined || this.#heap.length === 0) return;
    this.#heap[0] = last;
    this.#down(0);
  }

  #up(i: number): void {
    const h = this.#heap;
    const e = h[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (less(h[parent]!, e) <= 0) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = e;
  }

  #down(i: number): void {
    const h = this.#heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && less(h[child + 1]!, h[child]!) < 0) child += 1;
      if (less(e, h[child]!) <= 0) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = e;
  }
}

function less(a: Entry, b: Entry): number {
  return a.dueAt - b.dueAt || a.seq - b.seq;
}
