/**
 * What the local backend keeps per category: its FIFO queue, its jobs per
 * state, its finished jobs for retention, and the room reserved for
 * submissions being committed.
 */
import { FifoQueue, FinishedJobs, type JobState } from '@cadre/core';

export class LocalCategory {
  readonly queue = new FifoQueue();
  /** Jobs per state, kept in step with every change. */
  readonly counts: Record<JobState, number> = {
    waiting: 0,
    delayed: 0,
    queued: 0,
    running: 0,
    retrying: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
  };
  /** Finished jobs, for retention. */
  readonly finished = new FinishedJobs();
  /** Waiting jobs of submissions being committed, counted against `maxQueued`. */
  reserved = 0;

  /** Jobs waiting to run, counted against the queue limits: waiting callbacks, delayed, queued and retrying. */
  get waiting(): number {
    const c = this.counts;
    return c.waiting + c.delayed + c.queued + c.retrying;
  }
}
