/**
 * A bulk action over every job that matches a filter (issue 14), in pages:
 * each page of `pageSize` matches is listed newest first (the listing's own
 * cursor, so jobs the action moves out of the filter are never met twice),
 * and the ids of those that allow the action go to the backend's `bulk` in
 * one durable commit. Between pages it yields to the event loop (a macrotask,
 * not a microtask: timers and I/O run), so that a million matches never hold
 * it for longer than one page takes.
 */
import {
  Errors,
  MAX_BULK_IDS,
  allowsBulk,
  type BulkAction,
  type BulkFilter,
  type BulkOutcome,
} from '@cadre/core';
import type { Backend } from '@cadre/store';

/** Matches per page. @defaultValue 500 */
export const BULK_PAGE_SIZE = 500;

export interface BulkRun {
  backend: Backend;
  filter: BulkFilter;
  action: BulkAction;
  /** The time of each page's change. */
  now: () => number;
  /** @defaultValue BULK_PAGE_SIZE */
  pageSize?: number;
}

/** Resolves once every page's change is durable. */
export async function runBulk(run: BulkRun): Promise<BulkOutcome> {
  const { backend, filter, action } = run;
  if (filter.ids !== undefined) return bulkOfIds(run, filter.ids);
  const pageSize = Math.min(run.pageSize ?? BULK_PAGE_SIZE, MAX_BULK_IDS);
  let matched = 0;
  let changed = 0;
  let cursor: string | undefined;
  for (;;) {
    const page = await backend.list({ ...filter, limit: pageSize, cursor });
    matched += page.jobs.length;
    const ids = page.jobs.filter((job) => allowsBulk(job, action)).map((job) => job.id);
    if (ids.length > 0) changed += (await backend.bulk(ids, action, run.now())).changed.length;
    if (page.nextCursor === null) return { matched, changed };
    cursor = page.nextCursor;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** A selection: the jobs named, read one by one (at most MAX_BULK_IDS), in one commit. */
async function bulkOfIds(run: BulkRun, named: readonly string[]): Promise<BulkOutcome> {
  const others = Object.keys(run.filter).filter((k) => k !== 'ids');
  if (others.length > 0) {
    throw Errors.validation(`filter.ids is the whole filter: give no ${others.join(', ')} with it`);
  }
  if (named.length > MAX_BULK_IDS) {
    throw Errors.validation(`filter.ids takes at most ${MAX_BULK_IDS} ids`);
  }
  const jobs = (await Promise.all([...new Set(named)].map((id) => run.backend.get(id)))).filter(
    (job) => job !== null,
  );
  const ids = jobs.filter((job) => allowsBulk(job, run.action)).map((job) => job.id);
  const changed =
    ids.length === 0 ? 0 : (await run.backend.bulk(ids, run.action, run.now())).changed.length;
  return { matched: jobs.length, changed };
}
