import type { Job } from '@cadre/core';
import type { ClaimTime } from '@cadre/store';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { jobColumns, pgTimeAt, rowToJob, type JobRow } from '../rows.js';

export interface Claimant {
  node: string;
  incarnation: string;
}

/**
 * Starts up to `max` queued jobs of `category` on this node, highest priority
 * first and oldest entry in the queue first among equals, in one statement. It writes what core's
 * `transition(job, { type: 'start', node }, now)` gives (the transition
 * tests hold the two together), because a claim must be one round trip.
 *
 * The claim holds a key-share lock on this node's row and claims nothing
 * unless the row is live and of this incarnation: `reap`, which locks the
 * row before it requeues the node's running jobs, then either sees every
 * claim committed or makes them find the node dead. No job is left running
 * on a node declared dead.
 *
 * Given a clock for `at`, the claim's time is when it runs, not when it was
 * asked for: the later of the clock, read as the statement is written to
 * the connection (node-postgres serializes a value's `toPostgres` then),
 * and the database's clock as the statement runs, after its snapshot. On
 * one machine that is the database's, so a job that the claim finds queued
 * by another node's commit (a callback of the job it finished) never shows
 * a start before that commit's times; across machines, their clocks should
 * agree to within a few ms (NTP), as the lease and heartbeats already ask.
 * An instant for `at` (tests) is written as it is.
 */
export async function claimJobs(
  db: Queryable,
  n: Names,
  me: Claimant,
  category: string,
  max: number,
  at: ClaimTime,
): Promise<Job[]> {
  const clocked = typeof at !== 'number';
  const startedAt = clocked ? { toPostgres: (): string => pgTimeAt(at()) } : pgTimeAt(at);
  const rows = await db.query<JobRow>(
    `WITH me AS (
       SELECT 1 FROM ${n.nodes}
       WHERE name = $3 AND incarnation = $4 AND state = 'live'
       FOR KEY SHARE
     ), picked AS (
       SELECT id FROM ${n.jobs}
       WHERE category = $1 AND state = 'queued' AND EXISTS (SELECT 1 FROM me)
       ORDER BY priority DESC, queue_seq
       LIMIT $2
       FOR UPDATE SKIP LOCKED
     ), claimed AS (
       UPDATE ${n.jobs} AS j SET
         state = 'running', attempts = j.attempts + 1, node = $3, incarnation = $4,
         started_at = greatest(
           $5::timestamptz,
           CASE WHEN $6 THEN date_trunc('milliseconds', clock_timestamp()) END
         ),
         finished_at = NULL, duration_ms = NULL, progress = NULL
       FROM picked WHERE j.id = picked.id
       RETURNING ${jobColumns('j')}, j.queue_seq
     )
     SELECT * FROM claimed ORDER BY priority DESC, queue_seq`,
    [category, max, me.node, me.incarnation, startedAt, clocked],
  );
  return rows.map(rowToJob);
}
