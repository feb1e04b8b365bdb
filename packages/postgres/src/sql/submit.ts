import { Errors, checkQueueLimits, clearOfLimits, countByCategory, type Job } from '@cadre/core';
import type { BackendLimits } from '@cadre/store';
import type { Db, Queryable } from '../db.js';
import type { Names } from '../names.js';
import { notify } from '../notifications.js';
import { jobColumns, newJobRecord, rowToJob, type JobRow } from '../rows.js';

export interface Submitted {
  /** The jobs inserted, in order. */
  created: Job[];
  /** By key: the jobs that already held a key of the batch. */
  existing: Map<string, Job>;
}

/**
 * Inserts new jobs (their keys distinct) in one transaction, all or none:
 * a job whose key another job holds is not inserted, and the other job is
 * returned instead. `children` gives, by id, the callbacks of the batch that
 * wait on a job (jobs with parents or children have no key).
 *
 * Queue limits are checked against the jobs actually inserted. Exactly, near
 * a limit: under a lock that makes concurrent checks take turns through
 * their commits. Far from every limit (more than `LIMIT_HEADROOM` of it free
 * by the `recent` counts, at most a second old), the lock is not taken, so
 * that submissions of all nodes do not wait for each other's disk flushes.
 */
export function submitJobs(
  db: Db,
  n: Names,
  limits: BackendLimits,
  jobs: readonly Job[],
  origin: string,
  recent: ReadonlyMap<string, number>,
  children: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<Submitted> {
  return db.transaction((tx) => submitJobsIn(tx, n, limits, jobs, origin, recent, children));
}

/** `submitJobs` inside a transaction the caller holds (a schedule's tick). */
export async function submitJobsIn(
  tx: Queryable,
  n: Names,
  limits: BackendLimits,
  jobs: readonly Job[],
  origin: string,
  recent: ReadonlyMap<string, number>,
  children: ReadonlyMap<string, readonly string[]> = new Map(),
): Promise<Submitted> {
  const limited =
    limits.maxQueuedTotal !== null ||
    jobs.some((j) => (limits.maxQueued[j.category] ?? null) !== null);
  const exact = limited && !clearOfLimits(recent, countByCategory(jobs), limits);
  if (exact) await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [n.limitLock]);
  const existing = await jobsByKey(tx, n, keysOf(jobs));
  let fresh = jobs.filter((j) => j.key === null || !existing.has(j.key));
  if (exact) {
    checkQueueLimits(await waitingCounts(tx, n, limits, fresh), countByCategory(fresh), limits);
  }

  const inserted = await insertJobs(tx, n, fresh, children);
  // A concurrent submission took a key after we looked: its job is the answer.
  const raced = fresh.filter((j) => !inserted.has(j.id));
  if (raced.length > 0) {
    const found = await jobsByKey(tx, n, keysOf(raced));
    for (const j of raced) {
      const holder = found.get(j.key!);
      // Pruned in between: rare enough to ask the caller to try again.
      if (!holder) throw Errors.databaseUnavailable(`job key '${j.key}' changed meanwhile`);
      existing.set(j.key!, holder);
    }
    fresh = fresh.filter((j) => inserted.has(j.id));
  }
  const queued = fresh.filter((j) => j.state === 'queued').map((j) => j.category);
  await notify(tx, n, 'work', origin, queued);
  return { created: fresh, existing };
}

const keysOf = (jobs: readonly Job[]): string[] =>
  jobs.flatMap((j) => (j.key === null ? [] : [j.key]));

async function jobsByKey(tx: Queryable, n: Names, keys: string[]): Promise<Map<string, Job>> {
  if (keys.length === 0) return new Map();
  const rows = await tx.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM ${n.jobs} AS j WHERE j.key = ANY($1::text[])`,
    [keys],
  );
  return new Map(rows.map((row) => [row.key!, rowToJob(row)]));
}

/** Jobs not started yet (waiting, delayed, queued, retrying) by category: all, or those of the batch. */
export async function waitingCounts(
  tx: Queryable,
  n: Names,
  limits: BackendLimits,
  jobs: readonly Job[],
): Promise<Map<string, number>> {
  const all = limits.maxQueuedTotal !== null;
  const rows = await tx.query<{ category: string; n: number }>(
    `SELECT category, count(*)::integer AS n FROM ${n.jobs}
     WHERE state IN ('waiting', 'delayed', 'queued', 'retrying') ${all ? '' : 'AND category = ANY($1::text[])'}
     GROUP BY category`,
    all ? [] : [[...new Set(jobs.map((j) => j.category))]],
  );
  return new Map(rows.map((r) => [r.category, r.n]));
}

/** One INSERT for the whole batch; returns the ids inserted (not those whose key was taken). */
async function insertJobs(
  tx: Queryable,
  n: Names,
  jobs: readonly Job[],
  children: ReadonlyMap<string, readonly string[]>,
): Promise<Set<string>> {
  if (jobs.length === 0) return new Set();
  const records = jobs.map((job) => newJobRecord(job, children.get(job.id) ?? []));
  const rows = await tx.query<{ id: string }>(
    `INSERT INTO ${n.jobs} (id, key, category, task, input, state, attempts, max_retries,
       timeout_ms, priority, run_at, created_at, queue_seq, flow_id, flow_role, parents, trigger,
       children, schedule)
     SELECT r.id, r.key, r.category, r.task, r.input::json, r.state, r.attempts, r.max_retries,
       r.timeout_ms, r.priority, r.run_at, r.created_at,
       CASE WHEN r.state = 'queued' THEN nextval('${n.queueSeq}') END,
       r.flow_id, r.flow_role, r.parents, r.trigger::json, r.children, r.schedule
     FROM json_to_recordset($1::json) AS r(id text, key text, category text, task text,
       input text, state text, attempts integer, max_retries integer,
       timeout_ms double precision, priority smallint, run_at timestamptz, created_at timestamptz,
       flow_id text, flow_role text, parents text[], trigger text, children text[],
       schedule text)
     ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING
     RETURNING id`,
    [JSON.stringify(records)],
  );
  return new Set(rows.map((r) => r.id));
}
