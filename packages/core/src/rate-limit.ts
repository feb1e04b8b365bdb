/**
 * A category's rate limit: at most `max` starts in any sliding window of
 * `perMs` ms (BullMQ's limiter, Oban Pro's rate_limit). A start at time `t`
 * counts while `now - t < perMs`, and leaves the window at `t + perMs`.
 *
 * The window is counted where the jobs are claimed, so that in a cluster it
 * is one budget for every node: the local backend keeps a `StartWindow` per
 * category in memory, PostgreSQL a table of recent starts. This file holds
 * the arithmetic both follow, and how many threads a rate can keep busy.
 */

export interface RateLimit {
  /** Starts allowed in one window: an integer from 1 to MAX_RATE_STARTS. */
  max: number;
  /** The window's length in ms: an integer from 1 to MAX_RATE_WINDOW_MS. */
  perMs: number;
}

export const MAX_RATE_STARTS = 1_000_000;
/** A day: a longer window is almost surely a unit mistake. */
export const MAX_RATE_WINDOW_MS = 86_400_000;

/** Why `limit` is not a valid rate limit (naming the field), or null. */
export function rateLimitProblem(
  limit: RateLimit,
): { field: 'max' | 'perMs'; message: string } | null {
  const { max, perMs } = limit;
  if (!(Number.isInteger(max) && max >= 1 && max <= MAX_RATE_STARTS)) {
    return { field: 'max', message: `must be an integer from 1 to ${MAX_RATE_STARTS}` };
  }
  if (!(Number.isInteger(perMs) && perMs >= 1 && perMs <= MAX_RATE_WINDOW_MS)) {
    return { field: 'perMs', message: `must be an integer from 1 to ${MAX_RATE_WINDOW_MS}` };
  }
  return null;
}

/**
 * The starts of one category in its sliding window, as a log of (time,
 * count): a claim of n jobs is one entry. Time is handed in. Entries are kept
 * in time order; a time earlier than the last entry's (a clock stepped back)
 * is counted at the last entry's time, which only keeps a start in the window
 * a little longer.
 */
export class StartWindow {
  #times: number[] = [];
  #counts: number[] = [];
  #head = 0;
  /** Starts in entries from `#head` on. */
  #used = 0;

  /** Starts in the window ending at `now`. */
  used(perMs: number, now: number): number {
    this.#expire(perMs, now);
    return this.#used;
  }

  /** Starts `limit` still allows in the window ending at `now`. */
  room(limit: RateLimit, now: number): number {
    return Math.max(0, limit.max - this.used(limit.perMs, now));
  }

  /** Counts `count` starts at `now`. */
  record(now: number, count: number): void {
    if (!(count > 0)) return;
    const last = this.#times.length - 1;
    if (last >= this.#head && this.#times[last]! >= now) {
      this.#counts[last]! += count;
    } else {
      this.#times.push(now);
      this.#counts.push(count);
    }
    this.#used += count;
  }

  /**
   * When the window next allows a start: `now` if it has room, else the
   * earliest time enough of its starts have left it that fewer than `max`
   * remain (with `max` lowered meanwhile, more than the oldest entry may
   * have to leave).
   */
  freesAt(limit: RateLimit, now: number): number {
    let inWindow = this.used(limit.perMs, now);
    if (inWindow < limit.max) return now;
    let i = this.#head;
    while (inWindow >= limit.max) inWindow -= this.#counts[i++]!;
    return this.#times[i - 1]! + limit.perMs;
  }

  /** Drops the entries that left the window ending at `now`. */
  #expire(perMs: number, now: number): void {
    const times = this.#times;
    while (this.#head < times.length && now - times[this.#head]! >= perMs) {
      this.#used -= this.#counts[this.#head]!;
      this.#head += 1;
    }
    if (this.#head === times.length) {
      this.#times = [];
      this.#counts = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > times.length) {
      this.#times = times.slice(this.#head);
      this.#counts = this.#counts.slice(this.#head);
      this.#head = 0;
    }
  }
}

/**
 * The most threads a rate-limited category can keep busy: its jobs start at
 * most `max / perMs` per ms and each holds a thread's lane for `jobMs`, so
 * about `max / perMs × jobMs` run at once, `concurrency` to a thread. At
 * least 1, so that its jobs run; `null` (no cap) while its job time is not
 * known yet. The balancer caps the category's share there, and the threads
 * it cannot use go to the others.
 */
export function rateLimitedThreads(
  limit: RateLimit,
  jobMs: number | null,
  concurrency = 1,
): number | null {
  if (jobMs === null || !(jobMs >= 0)) return null;
  const running = (limit.max / limit.perMs) * jobMs;
  return Math.max(1, Math.ceil(running / Math.max(1, concurrency) - 1e-9));
}
