import { Errors, type Job } from '@cadre/core';
import type { BackendLimits } from '@cadre/store';

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
  const byCategory = new Map<string, number>();
  for (const job of incoming) byCategory.set(job.category, (byCategory.get(job.category) ?? 0) + 1);
  for (const [category, n] of byCategory) {
    const categoryMax = limits.maxQueued[category] ?? null;
    if (categoryMax !== null && (waiting.get(category) ?? 0) + n > categoryMax) {
      throw Errors.queueFull('category', categoryMax, category);
    }
  }
}
