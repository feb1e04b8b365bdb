import { transition, type Job, type JobEvent } from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';
import type { Claimant } from './claim.js';
import { settleFinished, type Changed, type Finished } from './settle.js';
import { writeJobs } from './write-jobs.js';

/** The end of an attempt this node claimed: an outcome to settle, or an interrupt. */
export interface FencedChange {
  id: string;
  attempt: number;
  event: Extract<JobEvent, { type: 'settle' } | { type: 'interrupt' }>;
  now: number;
}

/** What a batch of fenced changes did, in the order of the changes. */
export interface FencedResult {
  /** The job's new record, or null where the fence refused the change. */
  results: (Job | null)[];
  /**
   * Every change made, for `change` events: the new record and the one
   * before; the callbacks the batch fired or dropped come last.
   */
  changed: Changed[];
}

/**
 * Applies attempts' ends in one transaction. The fence: a change applies
 * only to a job still running attempt `attempt` on this node's incarnation;
 * anything else (cancelled, requeued after this node was declared dead, a
 * later attempt) refuses it. Rows are locked in id order, as every writer of
 * several jobs does, so that writers never deadlock.
 *
 * This is the hot path of throughput. The callbacks of the jobs it finishes
 * are settled in the same transaction (settle.ts), after the jobs are
 * written; the rows it locks bring their `children` along, so a batch
 * without callbacks costs no statement more.
 */
export async function applyFenced(
  tx: Queryable,
  n: Names,
  me: Claimant,
  changes: readonly FencedChange[],
  origin: string,
): Promise<FencedResult> {
  const rows = await tx.query<JobRow & { children: string[] }>(
    `SELECT ${jobColumns('j')}, j.children FROM ${n.jobs} AS j
     WHERE j.id = ANY($1::text[]) AND j.state = 'running' AND j.node = $2 AND j.incarnation = $3
     ORDER BY j.id
     FOR UPDATE`,
    [[...new Set(changes.map((c) => c.id))], me.node, me.incarnation],
  );
  const current = new Map(rows.map((row) => [row.id, rowToJob(row)]));
  const results: (Job | null)[] = [];
  const changed: Changed[] = [];
  for (const c of changes) {
    const job = current.get(c.id);
    // Fenced: a second end of the same attempt in one batch finds it no longer running.
    if (!job || job.state !== 'running' || job.attempts !== c.attempt) {
      results.push(null);
      continue;
    }
    const next = transition(job, c.event, c.now);
    current.set(c.id, next);
    results.push(next);
    changed.push({ job: next, previous: job });
  }
  const finals = new Map(changed.map((c) => [c.job.id, c.job]));
  await writeJobs(tx, n, [...finals.values()]);
  const finished: Finished[] = [];
  for (const row of rows) {
    if (row.children.length === 0) continue;
    const job = finals.get(row.id);
    if (job) finished.push({ job, children: row.children, now: appliedAt(changes, job) });
  }
  const settled = await settleFinished(tx, n, finished);
  const queued = [...finals.values(), ...settled.map((c) => c.job)]
    .filter((j) => j.state === 'queued')
    .map((j) => j.category);
  await notify(tx, n, 'work', origin, queued);
  return { results, changed: [...changed, ...settled] };
}

/**
 * The time of the change that made `job`'s record: the first of the batch
 * for its attempt (a second end of the same attempt is refused).
 */
function appliedAt(changes: readonly FencedChange[], job: Job): number {
  const change = changes.find((c) => c.id === job.id && c.attempt === job.attempts);
  return change?.now ?? Date.parse(job.finishedAt!);
}
