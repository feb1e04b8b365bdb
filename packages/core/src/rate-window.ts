/**
 * Events per second over a sliding window of whole seconds (throughput).
 * Time is passed in.
 */
export class RateWindow {
  readonly #buckets: number[];
  #second = -1;

  /** @param seconds the window's length @defaultValue 10 */
  constructor(readonly seconds = 10) {
    this.#buckets = new Array<number>(seconds).fill(0);
  }

  add(now: number, count = 1): void {
    this.#advance(now);
    this.#buckets[this.#second % this.seconds]! += count;
  }

  /** Events per second over the window ending at `now`. */
  rate(now: number): number {
    this.#advance(now);
    let sum = 0;
    for (const b of this.#buckets) sum += b;
    return sum / this.seconds;
  }

  #advance(now: number): void {
    const second = Math.floor(now / 1000);
    if (this.#second < 0) this.#second = second;
    if (second <= this.#second) return;
    const gap = Math.min(second - this.#second, this.seconds);
    for (let i = 1; i <= gap; i++) this.#buckets[(this.#second + i) % this.seconds] = 0;
    this.#second = second;
  }
}
