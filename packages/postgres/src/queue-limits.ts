import { Errors, type Job } from '@cadre/core';
import type { BackendLimits } from '@cadre/store';

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
  incoming: readonly Job[],
  limits: BackendLimits,
  headroom = LIMIT_HEADROOM,
): boolean {
  const max = limits.maxQueuedTotal;
  if (max !== null) {
    let total = incoming.length;
    for (const n of waiting.values()) total += n;
    if (total > max * (1 - headroom)) return false;
  }
  for (const [category, n] of byCategory(incoming)) {
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
  incoming: readonly Job[],
  limits: BackendLimits,
): void {
  const max = limits.maxQueuedTotal;
  if (max !== null) {
    let total = incoming.length;
    for (const n of waiting.values()) total += n;
    if (total > max) throw Errors.queueFull('total', max);
  }
  for (const [category, n] of byCategory(incoming)) {
    const categoryMax = limits.maxQueued[category] ?? null;
    if (categoryMax !== null && (waiting.get(category) ?? 0) + n > categoryMax) {
      throw Errors.queueFull('category', categoryMax, category);
    }
  }
}

function byCategory(jobs: readonly Job[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const job of jobs) counts.set(job.category, (counts.get(job.category) ?? 0) + 1);
  return counts;
}
