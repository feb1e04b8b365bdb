/**
 * The jobs table's order within the page it shows: as the API answers
 * (newest first), or by priority, the highest first. Sorting by priority
 * reorders that one page only; the pages themselves stay newest first, so
 * paging stays a cursor walk however many jobs there are.
 */
import type { Job } from '@cadre/client';

export type JobOrder = 'newest' | 'priority';

/** `jobs` in `order`; equal priorities keep the API's order (newest first). */
export function sortJobs(jobs: readonly Job[], order: JobOrder): readonly Job[] {
  if (order === 'newest') return jobs;
  // Array.prototype.sort is stable: ties keep their order.
  return [...jobs].sort((a, b) => b.priority - a.priority);
}
