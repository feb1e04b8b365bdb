/**
 * How many jobs one batch sends to a thread. A batch is one round trip to a
 * thread for several jobs of a category, run one after another: it spares the
 * main thread the per-message cost that bounds short jobs, and it takes one
 * of the category's slots, so the balancer's shares hold.
 *
 * - Short queues get batches of 1, so latency stays that of one job: jobs
 *   waiting are spread over the free slots, `ceil(waiting / free)` each.
 * - Long jobs get batches of 1 too: a batch should take about `budgetMs` on
 *   its thread, so that a job never waits long behind others of its batch and
 *   a smaller share from the balancer takes effect soon.
 * - At most `maxJobs`.
 */
export interface BatchPolicy {
  /** The most jobs in one batch. */
  maxJobs: number;
  /** About how long one batch should run on its thread, in ms. */
  budgetMs: number;
  /**
   * A thread starts no more jobs of a batch that has run this long (ms), and
   * sends the rest back to be sent again: the guard for a batch sized on a
   * job time that no longer holds (a category whose jobs turned slow).
   */
  cutMs: number;
  /** Weight of the newest batch in the running average of a job's time (0..1). */
  smoothing: number;
}

/**
 * 256 jobs: on PostgreSQL, 64 cost the node 8 % more CPU per job (a piscina
 * post and a settle per batch) and 5 % of its throughput; on the local
 * backend the two are alike (100,000 echo jobs: CPU 0.97 of 64's).
 * 10 ms: a 1 ms job goes in batches of 9 or so, a 20 ms job alone.
 * 25 ms: a batch sized on short jobs that turned long gives back the rest
 * after the first job past it.
 */
export const BATCHING: BatchPolicy = { maxJobs: 256, budgetMs: 10, cutMs: 25, smoothing: 0.2 };

/** The most jobs a batch of a category may take, for a job time of `jobMs` (null: not known yet). */
export function batchLimit(jobMs: number | null, policy: BatchPolicy = BATCHING): number {
  if (jobMs === null) return 1;
  if (!(jobMs > 0)) return policy.maxJobs;
  return Math.max(1, Math.min(policy.maxJobs, Math.floor(policy.budgetMs / jobMs)));
}

/** The size of the next batch: `waiting` jobs spread over `freeSlots`, within `limit`. */
export function nextBatchSize(waiting: number, freeSlots: number, limit: number): number {
  if (waiting <= 0) return 0;
  return Math.max(1, Math.min(limit, Math.ceil(waiting / Math.max(1, freeSlots))));
}

/**
 * A category's time per job on a thread, as its batches show it: a running
 * average of (batch time / jobs), the round trip included.
 */
export class JobTime {
  #ms: number | null = null;

  constructor(readonly policy: BatchPolicy = BATCHING) {}

  /** The average, or null before the first batch ended. */
  get ms(): number | null {
    return this.#ms;
  }

  /** A batch of `jobs` took `ms` from sending to answer. */
  observe(ms: number, jobs: number): void {
    if (!(jobs > 0) || !(ms >= 0)) return;
    const perJob = ms / jobs;
    this.#ms = this.#ms === null ? perJob : this.#ms + this.policy.smoothing * (perJob - this.#ms);
  }

  /** The most jobs the category's next batch may take. */
  limit(): number {
    return batchLimit(this.#ms, this.policy);
  }
}
