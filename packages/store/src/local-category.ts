/**
 * What the local backend keeps per category: its queue (by priority, FIFO
 * among equals), its jobs per state, its finished jobs for retention, the
 * room reserved for submissions being committed, and its recent starts for
 * its rate limit.
 */
import { FinishedJobs, PriorityQueue, StartWindow, type JobState } from '@cadre/core';

export class LocalCategory {
  readonly queue = new PriorityQueue();
  /** Its starts in the window of its rate limit (claimLimited). */
  readonly starts = new StartWindow();
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
