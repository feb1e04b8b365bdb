/**
 * The job record, exactly as the API (shared/API.md) shows it.
 *
 * Times are ISO strings so that one record serves the engine, the store's
 * journal and the HTTP API alike. Code that needs arithmetic on them uses the
 * millisecond clock it was handed, never `Date.now()`.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const JOB_STATES = [
  'waiting',
  'delayed',
  'queued',
  'running',
  'retrying',
  'succeeded',
  'failed',
  'cancelled',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States a job never leaves by itself; only an explicit retry moves it on. */
export type FinishedState = Extract<JobState, 'succeeded' | 'failed' | 'cancelled'>;
export const FINISHED_STATES: ReadonlySet<JobState> = new Set<FinishedState>([
  'succeeded',
  'failed',
  'cancelled',
]);

/** States of a job that has not finished yet. */
export type UnfinishedState = Exclude<JobState, FinishedState>;
export const UNFINISHED_STATES: readonly UnfinishedState[] = JOB_STATES.filter(
  (s): s is UnfinishedState => !FINISHED_STATES.has(s),
);

export function isFinished(state: JobState): state is FinishedState {
  return FINISHED_STATES.has(state);
}

/**
 * `lost`: the process died under the attempt (it counts); `interrupted`: cadre
 * stopped it on purpose (a graceful stop past its grace period) and queued the
 * job again without counting the attempt; `upstream`: a callback that will
 * never fire (the job it waited for failed, was cancelled, or succeeded when
 * it waited for an error), cancelled without running.
 */
export const ERROR_KINDS = [
  'exception',
  'timeout',
  'crash',
  'lost',
  'interrupted',
  'upstream',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const FAILURE_REASONS = ['max_retries', 'permanent'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface JobError {
  message: string;
  kind: ErrorKind;
}

/**
 * What makes a callback (a `waiting` job) fire, and what it receives ahead of
 * its own arguments (`args`, its input as submitted: an array, or absent for []).
 * - on `success`: when every parent has succeeded (one parent, or a chord's
 *   members); on `error`: when its one parent has failed for good, or was
 *   cancelled because a job upstream of it failed.
 * - pass `result`: runs with [parentResult, ...args]; `results`: with
 *   [[r1, …, rn], ...args] in the parents' order (a chord); `error`: with
 *   [errorMessage, ...args]; `nothing`: with its input unchanged (an
 *   `immutable` parent).
 */
export interface JobTrigger {
  on: 'success' | 'error';
  pass: 'result' | 'results' | 'error' | 'nothing';
}

/**
 * A job's place in a flow: a chain's `step`, a group's `member`, a group's
 * `chord` callback, or a `callback` of one of those (their onSuccess and
 * onError, at any depth).
 */
export const FLOW_ROLES = ['step', 'member', 'chord', 'callback'] as const;
export type FlowRole = (typeof FLOW_ROLES)[number];

/** The range of `Job.priority`; 0 is the default. */
export const MIN_PRIORITY = -100;
export const MAX_PRIORITY = 100;

export interface Job {
  id: string;
  key: string | null;
  category: string;
  task: string;
  input: Json;
  state: JobState;
  /** Attempts started so far. */
  attempts: number;
  /** Retries allowed after the first attempt. */
  maxRetries: number;
  /** Hard limit for one attempt, in ms. */
  timeoutMs: number | null;
  /**
   * MIN_PRIORITY..MAX_PRIORITY: within its category a higher priority starts
   * first, FIFO among equals. Its current value: a retry after a retryable
   * failure lowers it by 1 (unless the category's `lowerPriorityOnRetry` is false).
   */
  priority: number;
  /** When a delayed or retrying job becomes queued. */
  runAt: string | null;
  createdAt: string;
  /** Start of the latest attempt. */
  startedAt: string | null;
  finishedAt: string | null;
  /** Duration of the latest attempt. */
  durationMs: number | null;
  /** 0..100, reported by the handler. */
  progress: number | null;
  result: Json | null;
  lastError: JobError | null;
  failure: FailureReason | null;
  /** The node that ran its latest attempt; null before the first. */
  node: string | null;
  /** The flow (chain or group) it belongs to, or null. */
  flowId: string | null;
  /** Its role in that flow; null outside a flow. */
  flowRole: FlowRole | null;
  /** The jobs it waits for, in order (a callback's parent; a chord's members); [] for others. */
  parents: string[];
  /** When it fires and what it receives, for a callback; null for others. */
  trigger: JobTrigger | null;
  /** The schedule whose tick made it (schedules.ts), or null. */
  schedule: string | null;
}

/** What the engine needs to create a job; defaults are already resolved. */
export interface NewJob {
  id: string;
  key: string | null;
  category: string;
  task: string;
  input: Json;
  maxRetries: number;
  timeoutMs: number | null;
  /** MIN_PRIORITY..MAX_PRIORITY. @defaultValue 0 */
  priority?: number;
  /** Epoch ms when the job may first run; `null` or not after `now` means at once. */
  runAtMs: number | null;
  /** @defaultValue null */
  flowId?: string | null;
  /** @defaultValue null */
  flowRole?: FlowRole | null;
  /** @defaultValue [] */
  parents?: readonly string[];
  /** A callback is created `waiting`. @defaultValue null */
  trigger?: JobTrigger | null;
  /** The schedule whose tick makes it. @defaultValue null */
  schedule?: string | null;
}
