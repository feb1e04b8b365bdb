/**
 * Jobs in and out of the `jobs` table: the one mapping between a row and the
 * `Job` record core's transitions produce. A record read back deep-equals the
 * one written, times included (ISO strings of millisecond precision).
 */
import pg from 'pg';
import {
  Errors,
  toErrorMessage,
  type FailureReason,
  type FlowRole,
  type Job,
  type JobError,
  type JobState,
  type JobTrigger,
  type Json,
} from '@cadre/core';

/**
 * The columns a `Job` is read from, for `SELECT ${jobColumns('j')} FROM jobs j`.
 * Times come as PostgreSQL's text (see isoTime).
 */
export function jobColumns(alias: string): string {
  return JOB_COLUMNS.map((c) =>
    TIME_COLUMNS.has(c) ? `${alias}.${c}::text AS ${c}` : `${alias}.${c}`,
  ).join(', ');
}

const TIME_COLUMNS: ReadonlySet<string> = new Set([
  'run_at',
  'created_at',
  'started_at',
  'finished_at',
]);

const JOB_COLUMNS = [
  'id',
  'key',
  'category',
  'task',
  'input',
  'state',
  'attempts',
  'max_retries',
  'timeout_ms',
  'priority',
  'run_at',
  'created_at',
  'started_at',
  'finished_at',
  'duration_ms',
  'progress',
  'result',
  'last_error',
  'failure',
  'node',
  'flow_id',
  'flow_role',
  'parents',
  'trigger',
  'schedule',
] as const;

/** A row as node-postgres parses it (json → values; times are text, see jobColumns). */
export interface JobRow {
  id: string;
  key: string | null;
  category: string;
  task: string;
  input: Json;
  state: JobState;
  attempts: number;
  max_retries: number;
  timeout_ms: number | null;
  priority: number;
  run_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  progress: number | null;
  result: Json | null;
  last_error: JobError | null;
  failure: FailureReason | null;
  node: string | null;
  flow_id: string | null;
  flow_role: FlowRole | null;
  parents: string[];
  trigger: JobTrigger | null;
  schedule: string | null;
}

export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    key: row.key,
    category: row.category,
    task: row.task,
    input: row.input,
    state: row.state,
    attempts: row.attempts,
    maxRetries: row.max_retries,
    timeoutMs: row.timeout_ms,
    priority: row.priority,
    runAt: row.run_at === null ? null : isoTime(row.run_at),
    createdAt: isoTime(row.created_at),
    startedAt: row.started_at === null ? null : isoTime(row.started_at),
    finishedAt: row.finished_at === null ? null : isoTime(row.finished_at),
    durationMs: row.duration_ms,
    progress: row.progress,
    result: row.result ?? null,
    lastError: row.last_error ?? null,
    failure: row.failure,
    node: row.node,
    flowId: row.flow_id,
    flowRole: row.flow_role,
    parents: row.parents,
    trigger: row.trigger,
    schedule: row.schedule,
  };
}

/**
 * The ISO text a Date gives (`toISOString`) of a time as PostgreSQL writes
 * it in DateStyle ISO and TimeZone UTC, which db.ts sets on every connection:
 * `2026-01-02 03:04:05.6+00` gives `2026-01-02T03:04:05.600Z`. A job row has
 * four times; building them from the text, rather than through a Date each,
 * spares a good part of reading a row. Anything else (a year past 9999, an
 * offset other than UTC) goes through node-postgres's own parser.
 */
export function isoTime(text: string): string {
  const n = text.length;
  if (
    text.charCodeAt(4) === DASH &&
    text.charCodeAt(10) === SPACE &&
    text.charCodeAt(19) === (n === 22 ? PLUS : DOT) &&
    text.endsWith('+00')
  ) {
    const fraction = n === 22 ? '.000' : `${text.slice(19, n - 3)}00`.slice(0, 4);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}${fraction}Z`;
  }
  return (
    pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text')(text) as Date
  ).toISOString();
}

const DASH = 45;
const SPACE = 32;
const PLUS = 43;
const DOT = 46;

/**
 * A time as PostgreSQL reads it: JavaScript writes years past 9999 as
 * `+275760-…`, which PostgreSQL takes for a time zone, so the sign goes.
 */
export function pgTime(iso: string | null): string | null {
  return iso !== null && iso.startsWith('+') ? iso.slice(1) : iso;
}

/** An epoch-ms time as PostgreSQL reads it. */
export function pgTimeAt(ms: number): string {
  return pgTime(new Date(ms).toISOString())!;
}

/**
 * JSON text of data from outside (an input, a result); refused as
 * ERR_VALIDATION when JSON cannot hold it (a BigInt, a cycle).
 */
export function jsonText(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`${typeof value} is not JSON`);
    return text;
  } catch (err) {
    throw Errors.unserialisable(toErrorMessage(err));
  }
}

/**
 * The fields of a job that change after its creation, as one element of the
 * JSON array that `write-jobs.ts` reads with json_to_recordset. JSON values
 * travel as JSON text: json_to_recordset would refuse a `\u0000` inside a
 * nested value, and would read a JSON null input as no input. `new_input` is
 * set only when the input changes (a retry with a new input).
 */
export interface JobChange {
  id: string;
  state: JobState;
  attempts: number;
  priority: number;
  run_at: string | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  progress: number | null;
  result: string | null;
  last_error: string | null;
  failure: FailureReason | null;
  node: string | null;
  new_input: string | null;
}

export function jobChange(job: Job, inputChanged: boolean): JobChange {
  return {
    id: job.id,
    state: job.state,
    attempts: job.attempts,
    priority: job.priority,
    run_at: pgTime(job.runAt),
    started_at: pgTime(job.startedAt),
    finished_at: pgTime(job.finishedAt),
    duration_ms: job.durationMs,
    progress: job.progress,
    result: job.result === null ? null : jsonText(job.result),
    last_error: job.lastError === null ? null : jsonText(job.lastError),
    failure: job.failure,
    node: job.node,
    new_input: inputChanged ? jsonText(job.input) : null,
  };
}

/**
 * A new job, as one element of the JSON array `submit.ts` inserts from (JSON
 * values as text), with `children`: the ids of the callbacks waiting on it.
 */
export function newJobRecord(job: Job, children: readonly string[]): Record<string, unknown> {
  return {
    id: job.id,
    key: job.key,
    category: job.category,
    task: job.task,
    input: jsonText(job.input),
    state: job.state,
    attempts: job.attempts,
    max_retries: job.maxRetries,
    timeout_ms: job.timeoutMs,
    priority: job.priority,
    run_at: pgTime(job.runAt),
    created_at: pgTime(job.createdAt),
    flow_id: job.flowId,
    flow_role: job.flowRole,
    parents: job.parents,
    trigger: job.trigger === null ? null : JSON.stringify(job.trigger),
    children,
    schedule: job.schedule,
  };
}
