import { Errors, transition, type Job, type JobEvent } from '@cadre/core';
import type { Db } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';
import { settleFinished, type Changed } from './settle.js';
import { writeJobs } from './write-jobs.js';

/**
 * A change a person or a client asks for (cancel, retry): the job is locked,
 * core's transition decides (ERR_INVALID_TRANSITION rolls back), the result
 * is written. Other nodes hear of new work, and of the cancel of a running
 * job, which the node that runs it must abort. A cancel drops the callbacks
 * waiting on the job, in the same transaction (`settled`).
 */
export function changeJob(
  db: Db,
  n: Names,
  id: string,
  event: Extract<JobEvent, { type: 'cancel' } | { type: 'retry' }>,
  now: number,
  origin: string,
): Promise<{ job: Job; previous: Job; settled: Changed[] }> {
  return db.transaction(async (tx) => {
    const [row] = await tx.query<JobRow & { children: string[] }>(
      `SELECT ${jobColumns('j')}, j.children FROM ${n.jobs} AS j WHERE j.id = $1 FOR UPDATE`,
      [id],
    );
    if (!row) throw Errors.jobNotFound(id);
    const previous = rowToJob(row);
    const job = transition(previous, event, now);
    const inputChanged = event.type === 'retry' && event.input !== undefined;
    await writeJobs(tx, n, [job], inputChanged ? new Set([id]) : undefined);
    const settled = await settleFinished(tx, n, [{ job, children: row.children, now }]);
    const queued = [job, ...settled.map((c) => c.job)].filter((j) => j.state === 'queued');
    await notify(
      tx,
      n,
      'work',
      origin,
      queued.map((j) => j.category),
    );
    if (previous.state === 'running' && job.state === 'cancelled') {
      await notify(tx, n, 'cancel', origin, [id]);
    }
    return { job, previous, settled };
  });
}
