/**
 * What a test has received so far (socket events, bus messages), and a way to
 * wait for the first that matches, already there or yet to come, with a
 * deadline: the live tests await events instead of sleeping.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  readonly #listeners = new Set<(item: T) => void>();

  push(item: T): void {
    this.items.push(item);
    for (const listener of [...this.#listeners]) listener(item);
  }

  /** Calls `listener` with every item pushed from now on. */
  subscribe(listener: (item: T) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The first item that matches; rejects after `timeoutMs`, naming `what` and the last item. */
  until(match: (item: T) => boolean, timeoutMs: number, what: string): Promise<T> {
    const found = this.items.find(match);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const off = this.subscribe((item) => {
        if (!match(item)) return;
        clearTimeout(timer);
        off();
        resolve(item);
      });
      const timer = setTimeout(() => {
        off();
        const last = this.items.at(-1);
        reject(
          new Error(
            `${what}: not within ${timeoutMs} ms (${this.items.length} received; last ` +
              `${last === undefined ? 'none' : JSON.stringify(last)})`,
          ),
        );
      }, timeoutMs);
    });
  }
}
