/**
 * A token bucket for `--rate`, with time passed in. `reserve(n, now)` takes
 * `n` tokens at once and answers how long to wait before using them; the
 * bucket may go into debt, so a batch larger than the burst still goes out,
 * and the debt delays the batches after it: the long-run rate stays exact.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number | null = null;

  constructor(
    /** Tokens added per second. */
    readonly ratePerS: number,
    /** Most tokens kept when idle. @defaultValue one second's worth (at least 1) */
    readonly burst: number = Math.max(1, ratePerS),
  ) {
    if (!(ratePerS > 0)) throw new RangeError('ratePerS must be > 0');
    if (!(burst > 0)) throw new RangeError('burst must be > 0');
    this.tokens = burst;
  }

  /** Takes `n` tokens; answers the ms to wait from `nowMs` before spending them. */
  reserve(n: number, nowMs: number): number {
    this.refill(nowMs);
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.ratePerS) * 1000;
  }

  private refill(nowMs: number): void {
    if (this.lastMs !== null && nowMs > this.lastMs) {
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((nowMs - this.lastMs) / 1000) * this.ratePerS,
      );
    }
    if (this.lastMs === null || nowMs > this.lastMs) this.lastMs = nowMs;
  }
}
