/**
 * The job record, exactly as the API (shared/API.md) shows it.
 *
 * Times are ISO strings so that one record serves the engine, the store's
 * journal and the HTTP API alike. Code that needs arithmetic on them uses the
 * millisecond clock it was handed, never `Date.now()`.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export const JOB_STATES = [
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

export function isFinished(state: JobState): state is FinishedState {
  return FINISHED_STATES.has(state);
}

/**
 * `lost`: the process died under the attempt (it counts); `interrupted`: cadre
 * stopped it on purpose (a graceful stop past its grace period) and queued the
 * job again without counting the attempt.
 */
export const ERROR_KINDS = ['exception', 'timeout', 'crash', 'lost', 'interrupted'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const FAILURE_REASONS = ['max_retries', 'permanent'] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

export interface JobError {
  message: string;
  kind: ErrorKind;
}

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
  /** Epoch ms when the job may first run; `null` or not after `now` means at once. */
  runAtMs: number | null;
}
