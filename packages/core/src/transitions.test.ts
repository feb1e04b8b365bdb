import { describe, expect, it } from 'vitest';
import { CadreError } from './errors.js';
import { JOB_STATES, type Job, type JobState, type NewJob } from './job.js';
import type { AttemptOutcome } from './outcome.js';
import {
  TRANSITIONS,
  canTransition,
  createJob,
  retriesLeft,
  transition,
  withProgress,
  type JobEvent,
  type JobEventType,
} from './transitions.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();

const spec = (over: Partial<NewJob> = {}): NewJob => ({
  id: 'j1',
  key: null,
  category: 'default',
  task: 'echo',
  input: { n: 1 },
  maxRetries: 2,
  timeoutMs: null,
  runAtMs: null,
  ...over,
});

/** A job in any state, as if it had got there; only the fields that matter are set. */
const jobIn = (state: JobState, over: Partial<Job> = {}): Job => ({
  ...createJob(spec(), T0),
  state,
  ...over,
});

/** A job whose attempt number `attempt` started at `startedAtMs`. */
const runningJob = (attempt: number, maxRetries: number, startedAtMs = T0): Job =>
  jobIn('running', { attempts: attempt, maxRetries, startedAt: iso(startedAtMs) });

const EVENTS: Record<JobEventType, JobEvent> = {
  promote: { type: 'promote' },
  fire: { type: 'fire', input: [1] },
  drop: { type: 'drop', message: 'job j0 failed' },
  start: { type: 'start', node: 'n1' },
  settle: { type: 'settle', outcome: { kind: 'ok', value: null }, retryDelayMs: 1000 },
  cancel: { type: 'cancel' },
  retry: { type: 'retry' },
  lose: { type: 'lose' },
  interrupt: { type: 'interrupt' },
};
const EVENT_TYPES = Object.keys(EVENTS) as JobEventType[];

const settle = (job: Job, outcome: AttemptOutcome, now: number, retryDelayMs = 1000) =>
  transition(job, { type: 'settle', outcome, retryDelayMs }, now);

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('TRANSITIONS table', () => {
  // The documented machine, written out independently of the table it checks.
  const expected: Record<string, JobState> = {
    'delayed promote': 'queued',
    'retrying promote': 'queued',
    'waiting fire': 'queued',
    'waiting drop': 'cancelled',
    'waiting cancel': 'cancelled',
    'queued start': 'running',
    'running settle': 'succeeded',
    'delayed cancel': 'cancelled',
    'queued cancel': 'cancelled',
    'running cancel': 'cancelled',
    'retrying cancel': 'cancelled',
    'failed retry': 'queued',
    'cancelled retry': 'queued',
    'running lose': 'queued',
    'running interrupt': 'queued',
  };
  const pairs = JOB_STATES.flatMap((state) => EVENT_TYPES.map((type) => ({ state, type })));

  it('allows exactly the documented pairs', () => {
    const allowed = pairs
      .filter(({ state, type }) => TRANSITIONS[type].includes(state))
      .map(({ state, type }) => `${state} ${type}`);
    expect(allowed.sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(pairs.filter(({ state, type }) => `${state} ${type}` in expected))(
    '$state --$type--> allowed',
    ({ state, type }) => {
      const job = jobIn(state, { attempts: 1, startedAt: iso(T0) });
      expect(canTransition(job, type)).toBe(true);
      const next = transition(job, EVENTS[type], T0 + 10);
      expect(next.state).toBe(expected[`${state} ${type}`]);
    },
  );

  it.each(pairs.filter(({ state, type }) => !(`${state} ${type}` in expected)))(
    '$state --$type--> throws ERR_INVALID_TRANSITION',
    ({ state, type }) => {
      const job = jobIn(state, { attempts: 1, startedAt: iso(T0) });
      expect(canTransition(job, type)).toBe(false);
      const err = caught(() => transition(job, EVENTS[type], T0 + 10));
      expect(err).toBeInstanceOf(CadreError);
      expect(err).toMatchObject({
        code: 'ERR_INVALID_TRANSITION',
        details: { from: state, event: type },
      });
      expect((err as Error).message).toContain(job.id);
    },
  );

  it('never mutates the job it is given', () => {
    const job = Object.freeze(runningJob(1, 2));
    expect(() => settle(job, { kind: 'ok', value: 1 }, T0 + 5)).not.toThrow();
    expect(job.state).toBe('running');
  });

  it('is the only writer of state: finished states leave only by retry', () => {
    for (const state of ['succeeded', 'failed', 'cancelled'] as const) {
      const leaving = EVENT_TYPES.filter((t) => TRANSITIONS[t].includes(state));
      expect(leaving).toEqual(state === 'succeeded' ? [] : ['retry']);
    }
  });
});

describe('createJob', () => {
  it('queues a job with no runAt', () => {
    const job = createJob(spec(), T0);
    expect(job).toEqual({
      id: 'j1',
      key: null,
      category: 'default',
      task: 'echo',
      input: { n: 1 },
      state: 'queued',
      attempts: 0,
      maxRetries: 2,
      timeoutMs: null,
      priority: 0,
      runAt: null,
      createdAt: iso(T0),
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      progress: null,
      result: null,
      lastError: null,
      failure: null,
      node: null,
      flowId: null,
      flowRole: null,
      parents: [],
      trigger: null,
      schedule: null,
    });
  });

  it('names the schedule whose tick made it', () => {
    expect(createJob(spec({ schedule: 'nightly' }), T0).schedule).toBe('nightly');
  });

  it('delays a job whose runAt is in the future', () => {
    const job = createJob(spec({ runAtMs: T0 + 5000 }), T0);
    expect(job.state).toBe('delayed');
    expect(job.runAt).toBe(iso(T0 + 5000));
  });

  it.each([
    ['now', T0],
    ['in the past', T0 - 5000],
  ])('queues at once a job whose runAt is %s', (_, runAtMs) => {
    const job = createJob(spec({ runAtMs }), T0);
    expect(job.state).toBe('queued');
    expect(job.runAt).toBeNull();
  });

  it('takes the priority from the spec', () => {
    expect(createJob(spec({ priority: -7 }), T0).priority).toBe(-7);
  });

  it('keeps key, timeout and retries from the spec', () => {
    const job = createJob(spec({ key: 'k', timeoutMs: 250, maxRetries: 0 }), T0);
    expect(job).toMatchObject({ key: 'k', timeoutMs: 250, maxRetries: 0 });
  });
});

describe('callbacks: waiting, fire and drop', () => {
  const trigger = { on: 'success', pass: 'result' } as const;

  it('creates a callback waiting, with its flow, parents and trigger, even if it has a runAt', () => {
    const job = createJob(
      spec({ trigger, parents: ['p1'], flowId: 'f1', flowRole: 'step', runAtMs: T0 + 5000 }),
      T0,
    );
    expect(job).toMatchObject({
      state: 'waiting',
      runAt: null,
      parents: ['p1'],
      flowId: 'f1',
      flowRole: 'step',
      trigger,
    });
  });

  it('a plain job has no flow, no parents and no trigger', () => {
    expect(createJob(spec(), T0)).toMatchObject({
      flowId: null,
      flowRole: null,
      parents: [],
      trigger: null,
    });
  });

  it('fire queues it with the input it runs with, due now', () => {
    const job = createJob(spec({ trigger, parents: ['p1'] }), T0);
    const fired = transition(job, { type: 'fire', input: [7, 'a'] }, T0 + 10);
    expect(fired).toMatchObject({ state: 'queued', input: [7, 'a'], runAt: iso(T0 + 10) });
  });

  it('drop cancels it without running, kind upstream', () => {
    const job = createJob(spec({ trigger, parents: ['p1'] }), T0);
    const dropped = transition(job, { type: 'drop', message: 'job p1 failed: boom' }, T0 + 10);
    expect(dropped).toMatchObject({
      state: 'cancelled',
      attempts: 0,
      finishedAt: iso(T0 + 10),
      lastError: { kind: 'upstream', message: 'job p1 failed: boom' },
    });
  });
});

describe('promote and start', () => {
  it('promote keeps runAt: when the job became due', () => {
    const job = createJob(spec({ runAtMs: T0 + 5000 }), T0);
    expect(transition(job, { type: 'promote' }, T0 + 5100)).toMatchObject({
      state: 'queued',
      runAt: iso(T0 + 5000),
    });
  });

  it('start counts the attempt and clears the previous attempt', () => {
    const job = jobIn('queued', {
      attempts: 1,
      finishedAt: iso(T0),
      durationMs: 7,
      progress: 40,
    });
    expect(transition(job, { type: 'start', node: 'n1' }, T0 + 100)).toMatchObject({
      state: 'running',
      attempts: 2,
      startedAt: iso(T0 + 100),
      finishedAt: null,
      durationMs: null,
      progress: null,
    });
  });
});

describe('settle', () => {
  it('ok → succeeded with result, duration and full progress', () => {
    const job = runningJob(1, 2, T0);
    const next = settle(job, { kind: 'ok', value: { sum: 3 } }, T0 + 250);
    expect(next).toMatchObject({
      state: 'succeeded',
      result: { sum: 3 },
      durationMs: 250,
      progress: 100,
      finishedAt: iso(T0 + 250),
      failure: null,
    });
  });

  it('measures no negative duration when the clock goes back', () => {
    const next = settle(runningJob(1, 2, T0), { kind: 'ok', value: null }, T0 - 10);
    expect(next.durationMs).toBe(0);
  });

  it('retryable error with retries left → retrying at now + retryDelayMs', () => {
    const next = settle(
      runningJob(1, 2, T0),
      { kind: 'error', message: 'boom', retryable: true },
      T0 + 100,
      3000,
    );
    expect(next).toMatchObject({
      state: 'retrying',
      runAt: iso(T0 + 100 + 3000),
      durationMs: 100,
      lastError: { message: 'boom', kind: 'exception' },
      failure: null,
      finishedAt: null,
    });
  });

  it.each([
    ['a retryable error', { kind: 'error', message: 'boom', retryable: true }],
    ['a timeout', { kind: 'timeout', message: 'slow' }],
    ['a crash', { kind: 'crash', message: 'gone' }],
  ] as const)('%s that leads to a retry lowers the priority by 1', (_, outcome) => {
    const job = { ...runningJob(1, 2), priority: 7 };
    expect(settle(job, outcome, T0 + 100)).toMatchObject({ state: 'retrying', priority: 6 });
  });

  it('a retry never lowers the priority below -100', () => {
    const job = { ...runningJob(1, 2), priority: -100 };
    const next = settle(job, { kind: 'crash', message: 'x' }, T0 + 100);
    expect(next).toMatchObject({ state: 'retrying', priority: -100 });
  });

  it('keeps the priority on a retry when the event says not to lower it', () => {
    const job = { ...runningJob(1, 2), priority: 3 };
    const outcome = { kind: 'error', message: 'boom', retryable: true } as const;
    const event = { type: 'settle', outcome, retryDelayMs: 0, lowerPriority: false } as const;
    expect(transition(job, event, T0 + 100)).toMatchObject({ state: 'retrying', priority: 3 });
  });

  it.each([
    ['a success', { kind: 'ok', value: 1 }, 2],
    ['a permanent failure', { kind: 'error', message: 'no', retryable: false }, 2],
    ['a failure with no retries left', { kind: 'crash', message: 'x' }, 3],
  ] as const)('%s keeps the priority', (_, outcome, attempt) => {
    const job = { ...runningJob(attempt, 2), priority: 5 };
    expect(settle(job, outcome, T0 + 100).priority).toBe(5);
  });

  it('a loss or an interrupt keeps the priority (no failure of the job)', () => {
    const job = { ...runningJob(1, 2), priority: 5 };
    expect(transition(job, { type: 'lose' }, T0 + 100)).toMatchObject({
      state: 'queued',
      priority: 5,
    });
    expect(transition(job, { type: 'interrupt' }, T0 + 100).priority).toBe(5);
  });

  it('retryAfterMs overrides the backoff', () => {
    const next = settle(
      runningJob(1, 2, T0),
      { kind: 'error', message: 'later', retryable: true, retryAfterMs: 60_000 },
      T0 + 100,
      3000,
    );
    expect(next).toMatchObject({ state: 'retrying', runAt: iso(T0 + 100 + 60_000) });
  });

  it('retryAfterMs still counts against maxRetries', () => {
    const next = settle(
      runningJob(3, 2, T0),
      { kind: 'error', message: 'later', retryable: true, retryAfterMs: 60_000 },
      T0 + 100,
    );
    expect(next).toMatchObject({ state: 'failed', failure: 'max_retries' });
  });

  it('a negative delay retries at once, never in the past', () => {
    const next = settle(
      runningJob(1, 2, T0),
      { kind: 'error', message: 'x', retryable: true, retryAfterMs: -5 },
      T0 + 100,
    );
    expect(next.runAt).toBe(iso(T0 + 100));
  });

  it.each([NaN, Infinity, -Infinity])('a retryAfterMs of %s falls back to the backoff', (after) => {
    const next = settle(
      runningJob(1, 2, T0),
      { kind: 'error', message: 'x', retryable: true, retryAfterMs: after },
      T0 + 100,
      3000,
    );
    expect(next.runAt).toBe(iso(T0 + 100 + 3000));
  });

  it('a delay beyond the last valid date retries then, instead of throwing', () => {
    const next = settle(
      runningJob(1, 2, T0),
      { kind: 'error', message: 'x', retryable: true, retryAfterMs: 1e300 },
      T0,
    );
    expect(next).toMatchObject({ state: 'retrying', runAt: new Date(8.64e15).toISOString() });
  });

  it('a NaN backoff retries at once instead of throwing', () => {
    const next = settle(runningJob(1, 2, T0), { kind: 'crash', message: 'x' }, T0 + 100, NaN);
    expect(next.runAt).toBe(iso(T0 + 100));
  });

  it('non-retryable error → failed/permanent even with retries left', () => {
    const next = settle(
      runningJob(1, 5, T0),
      { kind: 'error', message: 'bad input', retryable: false, retryAfterMs: 10 },
      T0 + 100,
    );
    expect(next).toMatchObject({
      state: 'failed',
      failure: 'permanent',
      lastError: { message: 'bad input', kind: 'exception' },
      finishedAt: iso(T0 + 100),
      durationMs: 100,
    });
  });

  // maxRetries counts retries after the first attempt: attempts allowed = maxRetries + 1.
  it.each([
    { maxRetries: 0, attempt: 1, state: 'failed' },
    { maxRetries: 1, attempt: 1, state: 'retrying' },
    { maxRetries: 1, attempt: 2, state: 'failed' },
    { maxRetries: 3, attempt: 3, state: 'retrying' },
    { maxRetries: 3, attempt: 4, state: 'failed' },
  ])(
    'maxRetries $maxRetries, attempt $attempt fails → $state',
    ({ maxRetries, attempt, state }) => {
      const job = runningJob(attempt, maxRetries);
      expect(retriesLeft(job)).toBe(state === 'retrying');
      const next = settle(job, { kind: 'error', message: 'e', retryable: true }, T0 + 1);
      expect(next.state).toBe(state);
      expect(next.failure).toBe(state === 'failed' ? 'max_retries' : null);
    },
  );

  it.each(['timeout', 'crash'] as const)('%s is retried while retries are left', (kind) => {
    const next = settle(runningJob(1, 1, T0), { kind, message: `${kind}!` }, T0 + 50, 700);
    expect(next).toMatchObject({
      state: 'retrying',
      runAt: iso(T0 + 50 + 700),
      lastError: { message: `${kind}!`, kind },
    });
  });

  it.each(['timeout', 'crash'] as const)('%s fails with max_retries when exhausted', (kind) => {
    const next = settle(runningJob(2, 1, T0), { kind, message: `${kind}!` }, T0 + 50);
    expect(next).toMatchObject({
      state: 'failed',
      failure: 'max_retries',
      lastError: { message: `${kind}!`, kind },
      finishedAt: iso(T0 + 50),
    });
  });

  it('cancelled outcome → cancelled with duration, not failed', () => {
    const next = settle(runningJob(1, 0, T0), { kind: 'cancelled' }, T0 + 30);
    expect(next).toMatchObject({
      state: 'cancelled',
      durationMs: 30,
      finishedAt: iso(T0 + 30),
      failure: null,
    });
  });
});

describe('cancel', () => {
  it.each(['delayed', 'queued', 'retrying'] as const)('from %s clears runAt', (state) => {
    const job = jobIn(state, { runAt: iso(T0 + 9000) });
    expect(transition(job, { type: 'cancel' }, T0 + 1)).toMatchObject({
      state: 'cancelled',
      runAt: null,
      finishedAt: iso(T0 + 1),
    });
  });

  it('from running finishes the job as cancelled', () => {
    const next = transition(runningJob(1, 2, T0), { type: 'cancel' }, T0 + 40);
    expect(next).toMatchObject({ state: 'cancelled', finishedAt: iso(T0 + 40), attempts: 1 });
  });
});

describe('retry', () => {
  it('resets attempts, failure, result and timing of a failed job', () => {
    let job = runningJob(1, 0, T0);
    job = settle(job, { kind: 'error', message: 'e', retryable: false }, T0 + 5);
    expect(job.state).toBe('failed');
    const next = transition(job, { type: 'retry' }, T0 + 10);
    expect(next).toMatchObject({
      state: 'queued',
      attempts: 0,
      failure: null,
      result: null,
      runAt: iso(T0 + 10),
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      progress: null,
    });
    // The last error stays visible as history until the next attempt settles.
    expect(next.lastError).toEqual({ message: 'e', kind: 'exception' });
  });

  it('gives a retried job its full retries again', () => {
    let job = jobIn('failed', { attempts: 3, maxRetries: 2, failure: 'max_retries' });
    job = transition(job, { type: 'retry' }, T0);
    job = transition(job, { type: 'start', node: 'n1' }, T0 + 1);
    const next = settle(job, { kind: 'error', message: 'e', retryable: true }, T0 + 2);
    expect(next.state).toBe('retrying');
  });

  it('re-queues a cancelled job', () => {
    const job = jobIn('cancelled', { attempts: 1, finishedAt: iso(T0), result: null });
    expect(transition(job, { type: 'retry' }, T0 + 1)).toMatchObject({
      state: 'queued',
      attempts: 0,
    });
  });

  it('keeps the input unless the retry brings a new one, null included', () => {
    const job = jobIn('failed', { input: { to: 'a' } });
    expect(transition(job, { type: 'retry' }, T0).input).toEqual({ to: 'a' });
    expect(transition(job, { type: 'retry', input: { to: 'b' } }, T0).input).toEqual({ to: 'b' });
    expect(transition(job, { type: 'retry', input: null }, T0).input).toBeNull();
  });
});

describe('lose', () => {
  it('re-queues with lastError.kind lost, counting the attempt', () => {
    const next = transition(runningJob(1, 1, T0), { type: 'lose' }, T0 + 100);
    expect(next).toMatchObject({
      state: 'queued',
      attempts: 1,
      runAt: iso(T0 + 100),
      progress: null,
      failure: null,
      lastError: { kind: 'lost' },
    });
  });

  it('fails with max_retries when no retries are left', () => {
    const next = transition(runningJob(1, 0, T0), { type: 'lose' }, T0 + 100);
    expect(next).toMatchObject({
      state: 'failed',
      failure: 'max_retries',
      finishedAt: iso(T0 + 100),
      lastError: { kind: 'lost' },
    });
  });
});

describe('interrupt', () => {
  it('re-queues without counting the attempt, and says why', () => {
    const next = transition(runningJob(1, 0, T0), { type: 'interrupt' }, T0 + 100);
    expect(next).toMatchObject({
      state: 'queued',
      attempts: 0,
      runAt: iso(T0 + 100),
      progress: null,
      failure: null,
      lastError: { kind: 'interrupted' },
    });
  });

  it('never fails a job, even one with no retries left', () => {
    let job = runningJob(1, 0, T0);
    for (let i = 0; i < 5; i++) {
      job = transition(job, { type: 'interrupt' }, T0 + i);
      expect(job.state).toBe('queued');
      job = transition(job, { type: 'start', node: 'n1' }, T0 + i);
    }
    expect(job.attempts).toBe(1);
  });
});

describe('withProgress', () => {
  it.each([
    [42, 42],
    [12.5, 12.5],
    [-3, 0],
    [150, 100],
  ])('records %s as %s while running', (reported, recorded) => {
    expect(withProgress(runningJob(1, 0), reported).progress).toBe(recorded);
  });

  it.each([NaN, Infinity, -Infinity])('ignores %s', (reported) => {
    const job = runningJob(1, 0);
    expect(withProgress({ ...job, progress: 7 }, reported).progress).toBe(7);
  });

  it.each(JOB_STATES.filter((s) => s !== 'running'))('ignores progress while %s', (state) => {
    const job = jobIn(state);
    expect(withProgress(job, 50)).toBe(job);
  });
});
