/**
 * Which finished jobs to forget. A finished job is kept while it is younger
 * than `maxAgeMs` or among the newest `maxCount` of its category; only jobs
 * that are both old and beyond the count go. Live jobs are never pruned.
 */
import type { RetentionPolicy } from './config.js';

export interface FinishedJobRef {
  id: string;
  finishedAtMs: number;
}

/**
 * @param finished one category's finished jobs, oldest first
 * @param from where the list starts (entries before it are already pruned)
 * @returns how many from `from` on to prune
 */
export function pruneCount(
  finished: readonly FinishedJobRef[],
  policy: RetentionPolicy,
  now: number,
  from = 0,
): number {
  const beyondCount = finished.length - from - policy.maxCount;
  let n = 0;
  while (n < beyondCount && now - finished[from + n]!.finishedAtMs > policy.maxAgeMs) n++;
  return n;
}
