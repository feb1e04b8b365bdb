/**
 * A task that several places ask for: it runs at once when idle, and asks
 * made while it runs make it run once more after, never two at once. A run
 * that throws is reported and ends the round; the next ask starts anew.
 */
export class Coalesced {
  readonly #task: () => Promise<void>;
  readonly #failed: (err: unknown) => void;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(task: () => Promise<void>, failed: (err: unknown) => void) {
    this.#task = task;
    this.#failed = failed;
  }

  /** Resolves once a run that started after this ask is over. */
  ask(): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#again = true;
    this.#running ??= this.#loop();
    return this.#running;
  }

  /** Runs no more; resolves once the run in flight is over. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
  }

  async #loop(): Promise<void> {
    try {
      while (this.#again && !this.#stopped) {
        this.#again = false;
        await this.#task();
      }
    } catch (err) {
      this.#failed(err);
    } finally {
      // In the same turn as the last check: an ask made after it starts a new round.
      this.#running = null;
    }
  }
}
