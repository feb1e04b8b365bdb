import type { Job } from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { jobChange } from '../rows.js';

/**
 * Writes back jobs that core's transitions changed, any number in one
 * statement. A job that enters `queued` takes a new place at the end of its
 * category's queue. `inputChanged` names the jobs whose input was replaced.
 */
export async function writeJobs(
  tx: Queryable,
  n: Names,
  jobs: readonly Job[],
  inputChanged: ReadonlySet<string> = new Set(),
): Promise<void> {
  if (jobs.length === 0) return;
  const changes = jobs.map((job) => jobChange(job, inputChanged.has(job.id)));
  await tx.query(
    `UPDATE ${n.jobs} AS j SET
       state = r.state,
       attempts = r.attempts,
       priority = r.priority,
       run_at = r.run_at,
       started_at = r.started_at,
       finished_at = r.finished_at,
       duration_ms = r.duration_ms,
       progress = r.progress,
       result = r.result::json,
       last_error = r.last_error::json,
       failure = r.failure,
       node = r.node,
       input = COALESCE(r.new_input::json, j.input),
       queue_seq = CASE WHEN r.state = 'queued' THEN nextval('${n.queueSeq}') ELSE j.queue_seq END
     FROM json_to_recordset($1::json) AS r(
       id text, state text, attempts integer, priority smallint, run_at timestamptz, started_at timestamptz,
       finished_at timestamptz, duration_ms double precision, progress double precision,
       result text, last_error text, failure text, node text, new_input text)
     WHERE j.id = r.id`,
    [JSON.stringify(changes)],
  );
}
