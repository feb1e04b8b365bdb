import { JOB_STATES, UNFINISHED_STATES, type Job, type JobState } from '@cadre/core';
import type { Backlog, CategoryCounts, ListPage, ListQuery } from '@cadre/store';
import type { Queryable } from '../db.js';
import type { Names } from '../names.js';
import { jobColumns, rowToJob, type JobRow } from '../rows.js';

export async function getJob(db: Queryable, n: Names, id: string): Promise<Job | null> {
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM ${n.jobs} AS j WHERE j.id = $1`,
    [id],
  );
  return rows[0] ? rowToJob(rows[0]) : null;
}

/**
 * A page of jobs, newest first (ids sort by creation), strictly below the
 * cursor (the last id of the previous page). Each filter combination walks
 * an index in id order. By category alone, or by text without a state, it
 * merges per-state ranges, as the in-memory JobIndex does, rather than sort
 * the matches: the finished states' ranges of a search come from the
 * trigram index (it holds finished jobs only, migration 6), the others from
 * the state indexes.
 */
export async function listJobs(db: Queryable, n: Names, query: ListQuery): Promise<ListPage> {
  const { text, values, limit } = listStatement(n, query);
  const jobs = (await db.query<JobRow>(text, values)).map(rowToJob);
  const more = jobs.length > limit;
  if (more) jobs.pop();
  return { jobs, nextCursor: more ? jobs[jobs.length - 1]!.id : null };
}

/** The statement `listJobs` runs: it reads up to `limit` + 1 jobs, to know whether more follow. */
export function listStatement(
  n: Names,
  query: ListQuery,
): { text: string; values: unknown[]; limit: number } {
  const asked = query.limit !== undefined && Number.isFinite(query.limit) ? query.limit : 100;
  const limit = Math.min(Math.max(Math.floor(asked), 1), 1000);
  const where: string[] = [];
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const searching = query.q !== undefined && query.q !== '';
  if (query.key !== undefined) where.push(`j.key = ${param(query.key)}`);
  if (query.state !== undefined) where.push(`j.state = ${param(query.state)}`);
  if (query.category !== undefined) where.push(`j.category = ${param(query.category)}`);
  if (query.flowId !== undefined) where.push(`j.flow_id = ${param(query.flowId)}`);
  if (query.task !== undefined) where.push(`j.task = ${param(query.task)}`);
  if (searching) where.push(searchMatch(n, param(containing(query.q!))));
  if (query.cursor !== undefined) where.push(`j.id < ${param(query.cursor)}`);
  const take = query.key !== undefined ? 1 : limit + 1;
  const select = (extra: string[]) =>
    `SELECT ${jobColumns('j')} FROM ${n.jobs} AS j
     WHERE ${[...where, ...extra].join(' AND ') || 'true'}
     ORDER BY j.id DESC LIMIT ${take}`;

  const byState =
    (query.category !== undefined || searching) &&
    query.state === undefined &&
    query.key === undefined &&
    query.flowId === undefined;
  const text = byState
    ? `SELECT * FROM (${JOB_STATES.map((s) => `(${select([`j.state = '${s}'`])})`).join(
        ' UNION ALL ',
      )}) AS j ORDER BY j.id DESC LIMIT ${take}`
    : select([]);
  return { text, values, limit };
}

/**
 * The test of `list({ q })`: the job's searchable text (migration 6's
 * `search_text`, called exactly as its index is built, so that the planner
 * uses the index) is LIKE the pattern, lowercased as the text is.
 */
function searchMatch(n: Names, pattern: string): string {
  return `${n.schema}.search_text(j.id, j.key, j.task, j.input, j.result, j.last_error) LIKE lower(${pattern})`;
}

/** The LIKE pattern of text that contains `text`: its `\`, `%` and `_` match only themselves. */
export function containing(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every job of a flow, oldest first (its index holds them in id order). */
export async function flowJobs(db: Queryable, n: Names, flowId: string): Promise<Job[]> {
  const rows = await db.query<JobRow>(
    `SELECT ${jobColumns('j')} FROM ${n.jobs} AS j WHERE j.flow_id = $1 ORDER BY j.id`,
    [flowId],
  );
  return rows.map(rowToJob);
}

export function countJobs(db: Queryable, n: Names): Promise<CategoryCounts> {
  return countStates(db, n, JOB_STATES);
}

/** Unfinished jobs by category and state: ranges of the state index, whatever number of finished jobs is kept. */
export function countBacklog(db: Queryable, n: Names): Promise<Backlog> {
  return countStates(db, n, UNFINISHED_STATES);
}

async function countStates<S extends JobState>(
  db: Queryable,
  n: Names,
  states: readonly S[],
): Promise<Record<string, Record<S, number>>> {
  const every = states.length === JOB_STATES.length;
  const rows = await db.query<{ category: string; state: S; n: number }>(
    `SELECT category, state, count(*)::integer AS n FROM ${n.jobs}
     ${every ? '' : 'WHERE state = ANY($1::text[])'}
     GROUP BY category, state`,
    every ? [] : [states],
  );
  const counts: Record<string, Record<S, number>> = {};
  for (const row of rows) {
    counts[row.category] ??= Object.fromEntries(states.map((s) => [s, 0])) as Record<S, number>;
    counts[row.category]![row.state] = row.n;
  }
  return counts;
}
