/**
 * What the job metrics count, in plain numbers: per category, the attempts
 * that ended by outcome, and the wait and run times as histogram buckets.
 * metrics.ts feeds it the engine's `job:changed` events and reads it when
 * `/metrics` is scraped.
 *
 * Why not prom-client's Counter and Histogram per job: each of their calls
 * validates and hashes its labels, through a bound child (`.labels(...)`)
 * too. Here a job costs one Map lookup for its category, whose record is
 * made once, then a few increments.
 */
import type { Job, JobState } from '@cadre/core';

/** How an attempt ended, as `cadre_jobs_finished_total` labels it. */
export const OUTCOMES = ['succeeded', 'failed', 'cancelled', 'retried'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** One histogram's observations, with Prometheus's `le` bounds (a value on a bound counts in it). */
export class Buckets {
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative; the last is above every bound (`+Inf`). */
  readonly counts: number[];
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i] = this.counts[i]! + 1;
    this.sum += value;
    this.count += 1;
  }
}

/** One category's counts since the server started. */
export interface CategoryTally {
  readonly finished: Record<Outcome, number>;
  /** Seconds from when a job could run (runAt, else createdAt) to the start of its attempt. */
  readonly wait: Buckets;
  /** Seconds that finished attempts took. */
  readonly run: Buckets;
}

/**
 * Date.parse with a memory of its last answer: the jobs of a batch share
 * their createdAt, and the jobs started together their startedAt, so a run of
 * equal times is parsed once (the two parses were most of a job's tally).
 */
class LastParsed {
  #iso = '';
  #ms = NaN;

  ms(iso: string): number {
    if (iso !== this.#iso) {
      this.#iso = iso;
      this.#ms = Date.parse(iso);
    }
    return this.#ms;
  }
}

export class JobTally {
  readonly #bounds: readonly number[];
  readonly #categories = new Map<string, CategoryTally>();
  readonly #due = new LastParsed();
  readonly #started = new LastParsed();

  /** `bounds`: the histograms' bucket bounds in seconds, ascending. */
  constructor(bounds: readonly number[]) {
    this.#bounds = bounds;
  }

  /** The categories seen so far, in the order first seen. */
  get categories(): ReadonlyMap<string, CategoryTally> {
    return this.#categories;
  }

  /** One job change: `before` is its state before, null for a new job. */
  record(job: Job, before: JobState | null): void {
    // Progress reports change a job without changing its state.
    if (before === job.state) return;
    switch (job.state) {
      case 'running': {
        // From when it became due (runAt) or, if it never waited for a time, was created.
        const from = this.#due.ms(job.runAt ?? job.createdAt);
        const started = job.startedAt === null ? NaN : this.#started.ms(job.startedAt);
        if (Number.isFinite(from) && Number.isFinite(started)) {
          this.#of(job.category).wait.observe(Math.max(0, started - from) / 1000);
        }
        break;
      }
      case 'retrying': {
        const tally = this.#of(job.category);
        tally.finished.retried += 1;
        if (job.durationMs !== null) tally.run.observe(job.durationMs / 1000);
        break;
      }
      case 'succeeded':
      case 'failed':
      case 'cancelled': {
        const tally = this.#of(job.category);
        tally.finished[job.state] += 1;
        // A job cancelled while it waited ran no attempt of that duration.
        if (before === 'running' && job.durationMs !== null) {
          tally.run.observe(job.durationMs / 1000);
        }
        break;
      }
      default:
        break;
    }
  }

  #of(category: string): CategoryTally {
    let tally = this.#categories.get(category);
    if (tally === undefined) {
      tally = {
        finished: { succeeded: 0, failed: 0, cancelled: 0, retried: 0 },
        wait: new Buckets(this.#bounds),
        run: new Buckets(this.#bounds),
      };
      this.#categories.set(category, tally);
    }
    return tally;
  }
}
