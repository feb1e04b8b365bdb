/**
 * The queue limits, as both backends check them: against the waiting jobs
 * (delayed, queued, retrying) by category, and what a submission adds.
 */
import { Errors } from './errors.js';

export interface QueueLimits {
  /** Waiting jobs allowed in all; `null` = no limit. */
  maxQueuedTotal: number | null;
  /** Per category; a category missing here has no limit. */
  maxQueued: Readonly<Record<string, number | null>>;
}

/** Jobs by category, as a submission brings them. */
export function countByCategory(jobs: readonly { category: string }[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.category, (counts.get(job.category) ?? 0) + 1);
  return counts;
}

function sum(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const n of counts.values()) total += n;
  return total;
}

/**
 * The share of a limit that must stay free for a submission to skip the
 * exact check: far from its limits, submissions do not take turns.
 */
export const LIMIT_HEADROOM = 0.1;

/**
 * Whether adding `incoming` to the `waiting` jobs (by category, as counted a
 * moment ago) leaves more than `headroom` of every limit free: then no
 * submissions made meanwhile can plausibly reach a limit, and the exact check
 * (which makes submissions take turns through their commits) is not needed.
 */
export function clearOfLimits(
  waiting: ReadonlyMap<string, number>,
  incoming: ReadonlyMap<string, number>,
  limits: QueueLimits,
  headroom = LIMIT_HEADROOM,
): boolean {
  const max = limits.maxQueuedTotal;
  if (max !== null && sum(waiting) + sum(incoming) > max * (1 - headroom)) return false;
  for (const [category, n] of incoming) {
    const categoryMax = limits.maxQueued[category] ?? null;
    if (categoryMax !== null && (waiting.get(category) ?? 0) + n > categoryMax * (1 - headroom)) {
      return false;
    }
  }
  return true;
}

/**
 * Throws ERR_QUEUE_FULL when adding `incoming` to the `waiting` jobs (by
 * category) would pass a limit: the total first, then each category's.
 */
export function checkQueueLimits(
  waiting: ReadonlyMap<string, number>,
  incoming: ReadonlyMap<string, number>,
  limits: QueueLimits,
): void {
  const max = limits.maxQueuedTotal;
  if (max !== null && sum(waiting) + sum(incoming) > max) throw Errors.queueFull('total', max);
  for (const [category, n] of incoming) {
    const categoryMax = limits.maxQueued[category] ?? null;
    if (categoryMax !== null && (waiting.get(category) ?? 0) + n > categoryMax) {
      throw Errors.queueFull('category', categoryMax, category);
    }
  }
}
