import { RateWindow } from './rate-window.js';

/**
 * Jobs a category finishes per second on one node, as the claims ahead size
 * their buffer by it. A `RateWindow` averages over its whole window, so from
 * a cold start (nothing ended within the window) it reads a small fraction
 * of the true rate for a whole window: claims stay a few jobs each while the
 * queue grows, and the first seconds of a burst wait in the database. So
 * until the window has seen a whole window's span, the rate is taken over
 * the time since the first job of the burst started, and over at least
 * `minSpanMs` so that the first few ends do not read as a flood.
 * Time is passed in.
 */
export class EndRate {
  readonly #window: RateWindow;
  readonly #windowMs: number;
  /** When the first job of a cold start began; null when the window covers the burst. */
  #since: number | null = null;
  /** Ends since `#since`. */
  #ended = 0;

  /**
   * @param seconds the window's length
   * @param minSpanMs the shortest span a cold start's rate is taken over
   */
  constructor(
    seconds: number,
    readonly minSpanMs: number,
  ) {
    this.#window = new RateWindow(seconds);
    this.#windowMs = seconds * 1000;
  }

  /** A job of the category started: the start of a burst when the window is empty. */
  started(now: number): void {
    const stale = this.#since === null || now - this.#since >= this.#windowMs;
    if (stale && this.#window.rate(now) === 0) {
      this.#since = now;
      this.#ended = 0;
    }
  }

  ended(now: number): void {
    this.#window.add(now);
    this.#ended += 1;
  }

  rate(now: number): number {
    if (this.#since !== null) {
      const span = now - this.#since;
      if (span < this.#windowMs) return (this.#ended * 1000) / Math.max(span, this.minSpanMs);
      this.#since = null;
    }
    return this.#window.rate(now);
  }
}
