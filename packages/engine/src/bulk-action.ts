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
