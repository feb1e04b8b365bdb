import type { Job, JobState } from '@cadre/core';
import type { Db } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, pgTimeAt, rowToJob, type JobRow } from '../rows.js';

/** Jobs promoted per statement: a backlog of due jobs is queued in bounded steps. */
const BATCH = 1000;

export interface Promoted {
  promoted: { job: Job; previous: JobState }[];
  /** When the next waiting job is due (epoch ms), or null. */
  nextDueAt: number | null;
}

/**
 * Queues the delayed and retrying jobs due at `now`, those due first at the
 * head. The statement writes core's `promote` transition (the state, nothing
 * else: runAt stays) because a backlog is promoted without a round trip per
 * job. Jobs another transaction holds (a cancel) are skipped: they stay due.
 */
export async function promoteDue(db: Db, n: Names, now: number, origin: string): Promise<Promoted> {
  const promoted: Promoted['promoted'] = [];
  for (;;) {
    const rows = await db.transaction(async (tx) => {
      const rows = await tx.query<JobRow & { previous: JobState }>(
        `WITH due AS (
           SELECT id, state AS previous FROM ${n.jobs}
           WHERE state IN ('delayed', 'retrying') AND run_at <= $1
           ORDER BY run_at, id
           LIMIT ${BATCH}
           FOR UPDATE SKIP LOCKED
         ), placed AS (
           SELECT id, previous, nextval('${n.queueSeq}') AS seq FROM due
         )
         UPDATE ${n.jobs} AS j SET state = 'queued', queue_seq = placed.seq
         FROM placed WHERE j.id = placed.id
         RETURNING ${jobColumns('j')}, placed.previous`,
        [pgTimeAt(now)],
      );
      await notify(
        tx,
        n,
        'work',
        origin,
        rows.map((r) => r.category),
      );
      return rows;
    });
    for (const row of rows) promoted.push({ job: rowToJob(row), previous: row.previous });
    if (rows.length < BATCH) break;
  }
  const [next] = await db.query<{ at: Date | null }>(
    `SELECT min(run_at) AS at FROM ${n.jobs} WHERE state IN ('delayed', 'retrying')`,
  );
  return { promoted, nextDueAt: next?.at ? next.at.getTime() : null };
}
