import { bulkStates, isFinished, transition, type BulkAction } from '@cadre/core';
import type { Db } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';
import { settleFinished, type Changed } from './settle.js';
import { writeJobs } from './write-jobs.js';

/** What one page of a bulk action did. */
export interface BulkDone {
  /** The ids it changed, in the order given. */
  changed: string[];
  /** The new records of the retried or cancelled jobs, and of the callbacks a cancel dropped. */
  records: Changed[];
  /** The jobs whose running attempt a cancel aborts. */
  aborted: string[];
}

/**
 * One page of a bulk action (issue 14), in one transaction. Retry and
 * cancel lock the jobs that allow the action, in id order (as every writer
 * of several jobs does), let core's transition decide, write them in one
 * statement, and drop the callbacks of what a cancel finished in the same
 * transaction; other nodes hear of new work and of aborted attempts. Delete
 * removes the finished jobs that no waiting callback needs, as prune does.
 */
export function bulkChange(
  db: Db,
  n: Names,
  given: readonly string[],
  action: BulkAction,
  now: number,
  origin: string,
): Promise<BulkDone> {
  const ids = [...new Set(given)];
  const states = bulkStates(action);
  return db.transaction(async (tx) => {
    if (action === 'delete') {
      const rows = await tx.query<{ id: string }>(
        `DELETE FROM ${n.jobs} AS j
         WHERE j.id = ANY($1::text[]) AND j.state = ANY($2::text[]) AND (
           j.children = '{}' OR NOT EXISTS (
             SELECT 1 FROM ${n.jobs} AS c WHERE c.id = ANY(j.children) AND c.state = 'waiting'))
         RETURNING j.id`,
        [ids, states],
      );
      const deleted = new Set(rows.map((r) => r.id));
      return { changed: ids.filter((id) => deleted.has(id)), records: [], aborted: [] };
    }
    const rows = await tx.query<JobRow & { children: string[] }>(
      `SELECT ${jobColumns('j')}, j.children FROM ${n.jobs} AS j
       WHERE j.id = ANY($1::text[]) AND j.state = ANY($2::text[])
       ORDER BY j.id FOR UPDATE`,
      [ids, states],
    );
    const event = action === 'retry' ? { type: 'retry' as const } : { type: 'cancel' as const };
    const records: Changed[] = [];
    const finished = [];
    for (const row of rows) {
      const previous = rowToJob(row);
      const job = transition(previous, event, now);
      records.push({ job, previous });
      if (isFinished(job.state)) finished.push({ job, children: row.children, now });
    }
    await writeJobs(
      tx,
      n,
      records.map((r) => r.job),
    );
    const settled = await settleFinished(tx, n, finished);
    const all = [...records, ...settled];
    await notify(
      tx,
      n,
      'work',
      origin,
      all.filter((c) => c.job.state === 'queued').map((c) => c.job.category),
    );
    const aborted = records.filter((r) => r.previous.state === 'running').map((r) => r.job.id);
    await notify(tx, n, 'cancel', origin, aborted);
    const changedIds = new Set(records.map((r) => r.job.id));
    return { changed: ids.filter((id) => changedIds.has(id)), records: all, aborted };
  });
}
