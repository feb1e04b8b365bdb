/**
 * Search over the local backend's jobs (issue 14): a job matches `q` when its
 * searchable text contains `q`, case-insensitively. The searchable text is
 * the id, the key, the task, the input and the result as JSON text, and
 * `lastError.message`, lowercased and joined by newlines (which JSON text
 * never holds, so a match cannot straddle two fields but by a newline in the
 * search itself). The PostgreSQL backend builds the same text (its
 * migration 6).
 *
 * A job's record is immutable: each change makes a new one. So the text is
 * built once per record, the first time a search reads it, and kept in a
 * WeakMap keyed by the record: it goes with the record, and a search over
 * 100,000 jobs is one `includes` per job.
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
      job.lastError?.message ?? '',
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
