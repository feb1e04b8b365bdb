/**
 * A minimal typed event emitter: listeners are called in order, synchronously.
 *
 * Given `onListenerError`, a listener that throws is reported there and the
 * others still run: for emitters that emit from inside their own bookkeeping
 * (a backend after a commit, before answering its callers), where an
 * exception would leave a caller unanswered. Without it, the error propagates
 * to whoever emitted.
 */
export class Emitter<Events extends { [E in keyof Events]: (...args: never[]) => void }> {
  readonly #listeners = new Map<keyof Events, Set<(...args: never[]) => void>>();
  readonly #onListenerError: ((err: unknown) => void) | null;

  constructor(onListenerError?: (err: unknown) => void) {
    this.#onListenerError = onListenerError ?? null;
  }

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    let set = this.#listeners.get(event);
    if (!set) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener);
    return () => set.delete(listener);
  }

  has(event: keyof Events): boolean {
    return (this.#listeners.get(event)?.size ?? 0) > 0;
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.#listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      const call = listener as (...a: Parameters<Events[E]>) => void;
      if (this.#onListenerError === null) call(...args);
      else {
        try {
          call(...args);
        } catch (err) {
          this.#onListenerError(err);
        }
      }
    }
  }
}
