/**
 * Which finished jobs to forget. A finished job is kept while it is younger
 * than `maxAgeMs` or among the newest `maxCount` of its category; only jobs
 * that are both old and beyond the count go. Live jobs are never pruned.
 *
 * Each category keeps two lists, pruned apart under their own limits (see
 * `RetentionPolicy`): failed jobs, and the rest (succeeded and cancelled).
 */
import type { RetentionLimits, RetentionPolicy } from './config.js';
import type { FinishedState, Job } from './job.js';

export interface FinishedJobRef {
  id: string;
  finishedAtMs: number;
}

/** A job as it finished; the job may have been retried (and finished again) since. */
export interface RetainedJobRef extends FinishedJobRef {
  state: FinishedState;
}

/**
 * @param finished one category's finished jobs, oldest first
 * @param from where the list starts (entries before it are already pruned)
 * @returns how many from `from` on to prune
 */
export function pruneCount(
  finished: readonly FinishedJobRef[],
  limits: RetentionLimits,
  now: number,
  from = 0,
): number {
  const beyondCount = finished.length - from - limits.maxCount;
  let n = 0;
  while (n < beyondCount && now - finished[from + n]!.finishedAtMs > limits.maxAgeMs) n++;
  return n;
}

/**
 * Whether `job` is still the finished job that `ref` recorded: a job retried
 * since has a later record (or is live again), and only that one may be pruned.
 */
export function isRetainedAs(job: Job, ref: RetainedJobRef): boolean {
  return (
    job.state === ref.state &&
    job.finishedAt !== null &&
    Date.parse(job.finishedAt) === ref.finishedAtMs
  );
}

/**
 * Whether the end of an attempt may forget `job` (its record after that end)
 * in the same write, rather than leave it to a later prune: its retention
 * class keeps nothing (`maxAgeMs` and `maxCount` both 0, what BullMQ calls
 * removeOnComplete) and it belongs to no flow (a flow's jobs hold results
 * and states that its callbacks read: they go by the prune). A lone job's
 * callbacks are not in its record: the backend keeps a job that has any.
 */
export function forgottenAtEnd(job: Job, policy: RetentionPolicy): boolean {
  if (job.flowId !== null) return false;
  const limits =
    job.state === 'failed'
      ? policy.failed
      : job.state === 'succeeded' || job.state === 'cancelled'
        ? policy
        : null;
  return limits !== null && keepsNothing(limits);
}

/** Limits under which a finished job is beyond retention the moment it finishes. */
function keepsNothing(limits: RetentionLimits): boolean {
  return limits.maxAgeMs <= 0 && limits.maxCount <= 0;
}

/** Below this many pruned entries, the list is not worth compacting. */
const COMPACT_MIN = 1024;

/** One retention class's refs, oldest first; `head` skips those already pruned. */
class RefLog {
  refs: RetainedJobRef[] = [];
  head = 0;

  get size(): number {
    return this.refs.length - this.head;
  }

  sort(): void {
    const live = this.refs.slice(this.head);
    live.sort((a, b) => a.finishedAtMs - b.finishedAtMs);
    this.refs = live;
    this.head = 0;
  }

  take(limits: RetentionLimits, now: number, out: RetainedJobRef[]): void {
    const n = pruneCount(this.refs, limits, now, this.head);
    for (let i = this.head; i < this.head + n; i++) out.push(this.refs[i]!);
    this.head += n;
    // Amortized O(1): drop the pruned prefix once it is most of the array.
    if (this.head > COMPACT_MIN && this.head * 2 > this.refs.length) {
      this.refs = this.refs.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * One category's finished jobs, for retention: a list per retention class,
 * each oldest first. A job that finishes more than once (retried) has one
 * ref per finish; the stale ones still count toward `maxCount` until pruned,
 * and `isRetainedAs` tells them apart.
 */
export class FinishedJobs {
  readonly #failed = new RefLog();
  readonly #rest = new RefLog();

  /** Refs held, stale ones included. */
  get size(): number {
    return this.#failed.size + this.#rest.size;
  }

  /**
   * Records a finish. Calls come in finishing order (`finishedAtMs` never goes
   * down), or are followed by `sort()` before the next `prune`.
   */
  add(id: string, state: FinishedState, finishedAtMs: number): void {
    (state === 'failed' ? this.#failed : this.#rest).refs.push({ id, state, finishedAtMs });
  }

  /** Puts refs added out of finishing order (recovery reads jobs by id) back in order. */
  sort(): void {
    this.#failed.sort();
    this.#rest.sort();
  }

  /**
   * Takes out the refs beyond `policy` at `now`: failed ones first, then the
   * rest, each oldest first. The caller forgets each job that `isRetainedAs`
   * its ref, and skips the others (retried since).
   */
  prune(policy: RetentionPolicy, now: number): RetainedJobRef[] {
    const out: RetainedJobRef[] = [];
    this.#failed.take(policy.failed, now, out);
    this.#rest.take(policy, now, out);
    return out;
  }
}
