/**
 * Bulk actions (issue 14): one action applied to every job that matches a
 * filter and allows it. Which jobs allow which action is decided here, once,
 * for every backend: the same jobs the single verbs accept.
 *
 * - `retry`: failed and cancelled jobs are queued again, attempts reset.
 * - `cancel`: unfinished jobs (waiting, delayed, queued, retrying, running)
 *   are cancelled; a running attempt is aborted.
 * - `delete`: finished jobs (succeeded, failed, cancelled) are forgotten,
 *   except one that a waiting callback still needs (the backend judges that).
 */
import { JOB_STATES, isFinished, type Job, type JobState } from './job.js';
import { canTransition } from './transitions.js';

export const BULK_ACTIONS = ['retry', 'cancel', 'delete'] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

/** Which jobs a bulk action is for; an empty filter means every job. */
export interface BulkFilter {
  category?: string;
  state?: JobState;
  task?: string;
  /** Text in the id, key, task, input, result or error (as `GET /api/jobs?q=`). */
  q?: string;
  flowId?: string;
  /**
   * Only these jobs (at most MAX_BULK_IDS): a selection. An extension of the
   * issue's filter; given, it is the whole filter.
   */
  ids?: string[];
}

/** The body of `POST /api/jobs/bulk`. */
export interface BulkRequest {
  filter: BulkFilter;
  action: BulkAction;
}

/** What a bulk action did. */
export interface BulkOutcome {
  /** Jobs that matched the filter, whether or not they allowed the action. */
  matched: number;
  /** Jobs the action changed (retried, cancelled or deleted). */
  changed: number;
}

/** Ids one backend call of a bulk action takes at most; a bulk over more goes in pages. */
export const MAX_BULK_IDS = 1000;

/** Whether `action` applies to `job` as it is now. */
export function allowsBulk(job: Pick<Job, 'state'>, action: BulkAction): boolean {
  return action === 'delete' ? isFinished(job.state) : canTransition(job as Job, action);
}

/** The states whose jobs allow `action`. */
export function bulkStates(action: BulkAction): JobState[] {
  return JOB_STATES.filter((state) => allowsBulk({ state }, action));
}
