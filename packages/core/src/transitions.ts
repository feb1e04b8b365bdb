/**
 * The job state machine: the only code that writes `job.state`.
 *
 *   `runAt` is when the job last became due: set for delayed and retrying jobs,
 *   kept when they are promoted, set to the moment of a retry or a requeue
 *   after a loss, and null only for a job queued at once on submission.
 *
 *   waiting    a callback waits for its parents (flows.ts decides when).
 *              fire → queued, with the input it runs with; drop → cancelled
 *              (kind `upstream`: it will never fire); cancel → cancelled.
 *   delayed    waits for `runAt` (submitted with `delayMs`/`runAt`).
 *              promote → queued; cancel → cancelled.
 *   queued     waits in its category's queue for a free slot: higher priority
 *              first, FIFO among equals.
 *              start → running; cancel → cancelled.
 *   running    an attempt runs on a worker thread.
 *              settle(ok) → succeeded; settle(error|timeout|crash) → retrying while
 *              retries are left (its priority lowered by 1, down to MIN_PRIORITY,
 *              unless the event says not to), else failed; settle(cancelled) or cancel → cancelled;
 *              lose (the process died under it) → queued, or failed when no retries are left;
 *              interrupt (cadre stopped it, e.g. a graceful stop) → queued, the attempt not counted.
 *   retrying   an attempt failed and waits for its backoff (`runAt`).
 *              promote → queued; cancel → cancelled.
 *   succeeded  finished with a result. Final.
 *   failed     finished for good: `failure` says why (max_retries | permanent).
 *              retry → queued (attempts reset; the input may be replaced).
 *   cancelled  stopped by a person or a client. retry → queued (attempts reset;
 *              the input may be replaced).
 */
import { Errors } from './errors.js';
import {
  MIN_PRIORITY,
  type FailureReason,
  type Job,
  type JobError,
  type JobState,
  type Json,
  type NewJob,
} from './job.js';
import type { AttemptOutcome } from './outcome.js';

export type JobEvent =
  | { type: 'promote' }
  /** A callback's parents decided it runs, with `input`. */
  | { type: 'fire'; input: Json }
  /** A callback's parents decided it never runs; `message` says why. */
  | { type: 'drop'; message: string }
  /** `node` is the node the attempt runs on. */
  | { type: 'start'; node: string }
  /**
   * `retryDelayMs` is the backoff to use if the outcome leads to a retry;
   * `lowerPriority` (the category's `lowerPriorityOnRetry`, default true)
   * whether such a retry lowers the job's priority by 1.
   */
  | { type: 'settle'; outcome: AttemptOutcome; retryDelayMs: number; lowerPriority?: boolean }
  | { type: 'cancel' }
  /** `input`, when given, replaces the job's input. */
  | { type: 'retry'; input?: Json }
  | { type: 'lose' }
  | { type: 'interrupt' };

export type JobEventType = JobEvent['type'];

export const TRANSITIONS: Readonly<Record<JobEventType, readonly JobState[]>> = {
  promote: ['delayed', 'retrying'],
  fire: ['waiting'],
  drop: ['waiting'],
  start: ['queued'],
  settle: ['running'],
  cancel: ['waiting', 'delayed', 'queued', 'running', 'retrying'],
  retry: ['failed', 'cancelled'],
  lose: ['running'],
  interrupt: ['running'],
};

export function canTransition(job: Job, type: JobEventType): boolean {
  return TRANSITIONS[type].includes(job.state);
}

/**
 * The ISO text of an epoch-ms time. The last one is kept: a batch (a submit
 * of 1,000 jobs, a claim, a batch's outcomes) formats the same `now` for
 * every job, and formatting a date costs more than the rest of a transition.
 */
let lastMs = NaN;
let lastIso = '';
function iso(ms: number): string {
  if (ms !== lastMs) {
    lastIso = new Date(ms).toISOString();
    lastMs = ms;
  }
  return lastIso;
}
/** The last instant a `Date` can hold. */
const MAX_TIME_MS = 8.64e15;

/** Builds the record of a new job: waiting if it is a callback, delayed if it must wait, else queued. */
export function createJob(spec: NewJob, now: number): Job {
  const trigger = spec.trigger ?? null;
  const delayed = trigger === null && spec.runAtMs !== null && spec.runAtMs > now;
  return {
    id: spec.id,
    key: spec.key,
    category: spec.category,
    task: spec.task,
    input: spec.input,
    state: trigger !== null ? 'waiting' : delayed ? 'delayed' : 'queued',
    attempts: 0,
    maxRetries: spec.maxRetries,
    timeoutMs: spec.timeoutMs,
    priority: spec.priority ?? 0,
    runAt: delayed ? iso(spec.runAtMs as number) : null,
    createdAt: iso(now),
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    progress: null,
    result: null,
    lastError: null,
    failure: null,
    node: null,
    flowId: spec.flowId ?? null,
    flowRole: spec.flowRole ?? null,
    parents: spec.parents ? [...spec.parents] : [],
    trigger,
    schedule: spec.schedule ?? null,
  };
}

/** Returns the job after `event` at time `now`, or throws ERR_INVALID_TRANSITION. */
export function transition(job: Job, event: JobEvent, now: number): Job {
  if (!TRANSITIONS[event.type].includes(job.state)) {
    throw Errors.invalidTransition(job.id, job.state, event.type);
  }
  switch (event.type) {
    case 'promote':
      // runAt stays: it tells when the job became due, so its wait can be measured.
      return { ...job, state: 'queued' };
    case 'fire':
      return { ...job, state: 'queued', input: event.input, runAt: iso(now) };
    case 'drop':
      return finish(job, 'cancelled', now, {
        runAt: null,
        lastError: { message: event.message, kind: 'upstream' },
      });
    case 'start':
      return {
        ...job,
        state: 'running',
        node: event.node,
        attempts: job.attempts + 1,
        startedAt: iso(now),
        finishedAt: null,
        durationMs: null,
        progress: null,
      };
    case 'cancel':
      return finish(job, 'cancelled', now, { runAt: null });
    case 'retry':
      return {
        ...job,
        input: event.input === undefined ? job.input : event.input,
        state: 'queued',
        attempts: 0,
        runAt: iso(now),
        startedAt: null,
        finishedAt: null,
        durationMs: null,
        progress: null,
        result: null,
        failure: null,
      };
    case 'lose': {
      const lastError: JobError = {
        message: 'the process stopped while the job was running',
        kind: 'lost',
      };
      if (retriesLeft(job)) {
        return { ...job, state: 'queued', runAt: iso(now), lastError, progress: null };
      }
      return finish(job, 'failed', now, { lastError, failure: 'max_retries' });
    }
    case 'interrupt':
      // Not the job's fault (a graceful stop, or its thread died under another
      // job of its batch), so the attempt is given back.
      return {
        ...job,
        state: 'queued',
        attempts: Math.max(0, job.attempts - 1),
        runAt: iso(now),
        progress: null,
        lastError: {
          message:
            'cadre stopped the attempt through no fault of the job (a graceful stop, or its thread died under another job of its batch); queued again, the attempt not counted',
          kind: 'interrupted',
        },
      };
    case 'settle':
      return settle(job, event, now);
  }
}

function settle(job: Job, event: Extract<JobEvent, { type: 'settle' }>, now: number): Job {
  const { outcome, retryDelayMs } = event;
  const lower = event.lowerPriority !== false;
  const durationMs = job.startedAt === null ? null : Math.max(0, now - Date.parse(job.startedAt));
  switch (outcome.kind) {
    case 'ok':
      return finish(job, 'succeeded', now, { durationMs, result: outcome.value, progress: 100 });
    case 'cancelled':
      return finish(job, 'cancelled', now, { durationMs });
    case 'error': {
      // The task chose retryAfterMs: one that is not a number of ms falls back to the backoff.
      const after = outcome.retryAfterMs;
      const delayMs = after !== undefined && Number.isFinite(after) ? after : retryDelayMs;
      return fail(
        job,
        { message: outcome.message, kind: 'exception' },
        outcome.retryable ? delayMs : null,
        durationMs,
        lower,
        now,
      );
    }
    case 'timeout':
      return fail(
        job,
        { message: outcome.message, kind: 'timeout' },
        retryDelayMs,
        durationMs,
        lower,
        now,
      );
    case 'crash':
      return fail(
        job,
        { message: outcome.message, kind: 'crash' },
        retryDelayMs,
        durationMs,
        lower,
        now,
      );
  }
}

/**
 * `delayMs === null` means the failure is permanent. A retry lowers the
 * priority by 1 when `lower` is set (riaktq's rule: a failing job yields to
 * fresh work), never below MIN_PRIORITY.
 */
function fail(
  job: Job,
  lastError: JobError,
  delayMs: number | null,
  durationMs: number | null,
  lower: boolean,
  now: number,
): Job {
  if (delayMs !== null && retriesLeft(job)) {
    return {
      ...job,
      state: 'retrying',
      priority: lower ? Math.max(MIN_PRIORITY, job.priority - 1) : job.priority,
      // NaN counts as no delay; beyond the last valid Date, toISOString would throw.
      runAt: iso(Math.min(now + (delayMs > 0 ? delayMs : 0), MAX_TIME_MS)),
      durationMs,
      lastError,
    };
  }
  const failure: FailureReason = delayMs === null ? 'permanent' : 'max_retries';
  return finish(job, 'failed', now, { durationMs, lastError, failure });
}

function finish(job: Job, state: JobState, now: number, fields: Partial<Job>): Job {
  return { ...job, ...fields, state, finishedAt: iso(now) };
}

/** Whether a failure of the latest attempt may be retried. */
export function retriesLeft(job: Job): boolean {
  return job.attempts <= job.maxRetries;
}

/** Records progress reported by a running attempt; ignored in any other state. */
export function withProgress(job: Job, percent: number): Job {
  if (job.state !== 'running' || !Number.isFinite(percent)) return job;
  return { ...job, progress: Math.min(100, Math.max(0, percent)) };
}
