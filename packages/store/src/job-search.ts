/**
 * Search over the local backend's jobs (issue 14): a job matches `q` when its
 * searchable text contains `q`, case-insensitively. The searchable text is
 * the id, the key, the task, and the input, the result and `lastError` (its
 * message and kind) as JSON text, lowercased and joined by newlines. JSON
 * text holds no newline, so a match cannot straddle two of them, but by a
 * newline in the search itself. (The error is searched as JSON text because
 * PostgreSQL cannot decode a NUL in its message to text.) The PostgreSQL backend builds the same text (its
 * migration 6).
 *
 * A job's record is immutable: each change makes a new one. So the text is
 * built once per record, the first time a search reads it, and kept in a
 * WeakMap keyed by the record: it goes with the record, and a search over
 * 100,000 jobs is one `includes` per job.
 *
 * Without a state to narrow them, the jobs are tested in one pass over the
 * backend's records (`scanPage`), which is several times faster than a walk
 * of the listing index merged newest first over every (category, state):
 * see BENCHMARKS.md, "Search (issue 14)".
 */
import type { Job } from '@cadre/core';

const texts = new WeakMap<Job, string>();

/** The lowercased searchable text of `job`, built once per record. */
export function searchText(job: Job): string {
  let text = texts.get(job);
  if (text === undefined) {
    text = [
      job.id,
      job.key ?? '',
      job.task,
      JSON.stringify(job.input) ?? 'null',
      job.result === null || job.result === undefined ? '' : JSON.stringify(job.result),
      job.lastError === null ? '' : JSON.stringify(job.lastError),
    ]
      .join('\n')
      .toLowerCase();
    texts.set(job, text);
  }
  return text;
}

/** The filters of a listing that the listing index does not hold. */
export interface JobFilter {
  task?: string;
  q?: string;
}

/**
 * A test of jobs for the filters the index does not hold, or undefined when
 * there are none (every job passes).
 */
export function jobFilter(filter: JobFilter): ((job: Job) => boolean) | undefined {
  const { task } = filter;
  const needle = filter.q === undefined || filter.q === '' ? undefined : filter.q.toLowerCase();
  if (task === undefined && needle === undefined) return undefined;
  if (needle === undefined) return (job) => job.task === task;
  if (task === undefined) return (job) => searchText(job).includes(needle);
  return (job) => job.task === task && searchText(job).includes(needle);
}

/**
 * A page of the `jobs` that `test` takes, newest first (by id), strictly
 * below `cursor`: one pass over `jobs`, in any order, keeping the newest
 * `limit + 1` matches. The local backend's records come in id order (its
 * map's insertion order), so a match is appended; one out of order is put
 * in its place, so the page is right whatever the order.
 */
export function scanPage(
  jobs: Iterable<Job>,
  test: (job: Job) => boolean,
  cursor: string | undefined,
  limit: number,
): { jobs: Job[]; nextCursor: string | null } {
  const keep = limit + 1;
  /** Oldest first. */
  const newest: Job[] = [];
  for (const job of jobs) {
    if (cursor !== undefined && job.id >= cursor) continue;
    const n = newest.length;
    if (n === keep && job.id <= newest[0]!.id) continue;
    if (!test(job)) continue;
    if (n === 0 || job.id > newest[n - 1]!.id) newest.push(job);
    else newest.splice(firstAbove(newest, job.id), 0, job);
    if (newest.length > keep) newest.shift();
  }
  newest.reverse();
  const more = newest.length > limit;
  if (more) newest.pop();
  return { jobs: newest, nextCursor: more ? newest[newest.length - 1]!.id : null };
}

/** The index of the first job of `sorted` (by id, ascending) whose id is above `id`. */
function firstAbove(sorted: readonly Job[], id: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
