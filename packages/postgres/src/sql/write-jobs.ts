import type { Job } from '@cadre/core';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { jobChange } from '../rows.js';
import type { Claimant } from './claim.js';

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
  await tx.query(`${update(n)} WHERE j.id = r.id`, [JSON.stringify(changes)]);
}

/** A job's new record, and the attempt of this node's it ends. */
export interface FencedWrite {
  job: Job;
  attempt: number;
}

/**
 * Writes the ends of attempts, fenced: a row is written only while it still
 * runs `attempt` on this node's incarnation, and so is unchanged since the
 * claim (every other writer of a running job changes its state). Returns the
 * ids written, with the callbacks waiting on each (`children`).
 */
export async function writeFenced(
  tx: Queryable,
  n: Names,
  me: Claimant,
  writes: readonly FencedWrite[],
): Promise<Map<string, string[]>> {
  if (writes.length === 0) return new Map();
  const changes = writes.map(({ job, attempt }) => ({ ...jobChange(job, false), attempt }));
  const rows = await tx.query<{ id: string; children: string[] }>(
    `${update(n, 'attempt integer')}
     WHERE j.id = r.id AND j.state = 'running' AND j.attempts = r.attempt
       AND j.node = $2 AND j.incarnation = $3
     RETURNING j.id, j.children`,
    [JSON.stringify(changes), me.node, me.incarnation],
  );
  return new Map(rows.map((r) => [r.id, r.children]));
}

/**
 * Deletes jobs at the end of their attempt, fenced as `writeFenced` writes
 * them: a row goes only while it still runs `attempt` on this node's
 * incarnation, and has no callbacks waiting on it (their settling reads it).
 * Returns the ids deleted.
 */
export async function forgetFenced(
  tx: Queryable,
  n: Names,
  me: Claimant,
  ends: readonly FencedWrite[],
): Promise<string[]> {
  if (ends.length === 0) return [];
  const rows = await tx.query<{ id: string }>(
    `DELETE FROM ${n.jobs} AS j
     USING unnest($1::text[], $2::integer[]) AS r(id, attempt)
     WHERE j.id = r.id AND j.state = 'running' AND j.attempts = r.attempt
       AND j.node = $3 AND j.incarnation = $4 AND j.children = '{}'
     RETURNING j.id`,
    [ends.map((e) => e.job.id), ends.map((e) => e.attempt), me.node, me.incarnation],
  );
  return rows.map((r) => r.id);
}

/** The UPDATE of jobs from the JSON array $1 of `jobChange`s (`r`), with `extra` columns in `r`. */
function update(n: Names, extra?: string): string {
  return `UPDATE ${n.jobs} AS j SET
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
       result text, last_error text, failure text, node text, new_input text${extra ? `, ${extra}` : ''})`;
}
