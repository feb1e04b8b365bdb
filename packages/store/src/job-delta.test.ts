import { describe, expect, it } from 'vitest';
import {
  TRANSITIONS,
  transition,
  type AttemptOutcome,
  type Job,
  type JobEvent,
  type JobEventType,
} from '@cadre/core';
import { applyJobDelta, diffJob, isoToMs, jobDeltaProblem, type JobDelta } from './job-delta.js';
import { makeJob } from './test-support/jobs.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** What the journal would give back: the delta through JSON, applied to the record before. */
const replay = (prev: Job, next: Job): Job =>
  applyJobDelta(prev, JSON.parse(JSON.stringify(diffJob(prev, next))) as JobDelta);

const queued = makeJob('j1', { maxRetries: 2 });
const start = (job: Job, now: number): Job => transition(job, { type: 'start', node: 'n1' }, now);
const settle = (job: Job, outcome: AttemptOutcome, now: number, retryDelayMs = 1000): Job =>
  transition(job, { type: 'settle', outcome, retryDelayMs }, now);

const OUTCOMES: [string, AttemptOutcome][] = [
  ['ok', { kind: 'ok', value: { echoed: [1, 'two', null, { deep: 'ü ✓' }] } }],
  ['ok null', { kind: 'ok', value: null }],
  ['retryable error', { kind: 'error', message: 'boom', retryable: true }],
  [
    'error with retryAfterMs',
    { kind: 'error', message: 'later', retryable: true, retryAfterMs: 5 },
  ],
  ['permanent error', { kind: 'error', message: 'bad input', retryable: false }],
  ['timeout', { kind: 'timeout', message: 'took too long' }],
  ['crash', { kind: 'crash', message: 'worker died' }],
  ['cancelled', { kind: 'cancelled' }],
];

/** Every event a record in each state can take, with the outcomes a settle can have. */
function eventsFor(job: Job): JobEvent[] {
  const events: JobEvent[] = [];
  for (const [type, from] of Object.entries(TRANSITIONS) as [JobEventType, readonly string[]][]) {
    if (!from.includes(job.state)) continue;
    if (type === 'settle') {
      for (const [, outcome] of OUTCOMES) events.push({ type, outcome, retryDelayMs: 1000 });
    } else if (type === 'retry') {
      events.push({ type }, { type, input: { replaced: true } });
    } else if (type === 'start') {
      events.push({ type, node: job.node === 'n1' ? 'n2' : 'n1' }, { type, node: 'n1' });
    } else {
      events.push({ type } as JobEvent);
    }
  }
  return events;
}

describe('diffJob and applyJobDelta', () => {
  it('give back, through JSON, exactly the record every transition makes, from every state', () => {
    // Walk the machine breadth first from a queued and a delayed job, a few steps deep.
    let frontier: Job[] = [
      queued,
      makeJob('j2', { state: 'delayed', runAt: '2026-01-01T01:00:00.000Z' }),
    ];
    let checked = 0;
    for (let depth = 0; depth < 5; depth++) {
      const next: Job[] = [];
      for (const [i, job] of frontier.entries()) {
        for (const event of eventsFor(job)) {
          const after = transition(job, event, T0 + 1000 * (depth + 1) + i);
          expect(replay(job, after), `${job.state} --${event.type}-->`).toEqual(after);
          checked++;
          if (next.length < 200) next.push(after);
        }
      }
      frontier = next;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('sees a change of any one field of a record', () => {
    const other: { [K in keyof Job]: Job[K] } = {
      id: 'j1',
      key: 'k',
      category: 'mail',
      task: 'send',
      input: { other: true },
      state: 'failed',
      attempts: 3,
      maxRetries: 9,
      timeoutMs: 5,
      priority: -4,
      runAt: '2026-03-01T00:00:00.000Z',
      createdAt: '2026-03-02T00:00:00.000Z',
      startedAt: '2026-03-03T00:00:00.000Z',
      finishedAt: '2026-03-04T00:00:00.000Z',
      durationMs: 7,
      progress: 40,
      result: [1],
      lastError: { message: 'x', kind: 'crash' },
      failure: 'permanent',
      node: 'n9',
      schedule: 'nightly',
      flowId: 'f1',
      flowRole: 'chord',
      parents: ['p1', 'p2'],
      trigger: { on: 'success', pass: 'results' },
    };
    for (const field of Object.keys(other) as (keyof Job)[]) {
      if (field === 'id') continue;
      const next = { ...queued, [field]: other[field] };
      expect(Object.keys(diffJob(queued, next)), field).toEqual(['id', field]);
      expect(replay(queued, next), field).toEqual(next);
    }
  });

  it('keeps a start to the fields it changes, times in epoch ms, no input', () => {
    const running = start(queued, T0 + 1234);
    const delta = diffJob(queued, running);
    expect(delta).toEqual({
      id: 'j1',
      state: 'running',
      attempts: 1,
      node: 'n1',
      startedAt: T0 + 1234,
    });
  });

  it('keeps a finish to the fields it changes', () => {
    const running = start(queued, T0 + 1000);
    const ok = settle(running, { kind: 'ok', value: { sum: 3 } }, T0 + 1250);
    expect(diffJob(running, ok)).toEqual({
      id: 'j1',
      state: 'succeeded',
      durationMs: 250,
      progress: 100,
      result: { sum: 3 },
      finishedAt: T0 + 1250,
    });
    const retrying = settle(running, { kind: 'timeout', message: 'slow' }, T0 + 1250, 500);
    expect(diffJob(running, retrying)).toEqual({
      id: 'j1',
      state: 'retrying',
      priority: -1,
      durationMs: 250,
      lastError: { message: 'slow', kind: 'timeout' },
      runAt: T0 + 1750,
    });
  });

  it('carries a replaced input, and only then', () => {
    const failed = settle(
      start(queued, T0),
      { kind: 'error', message: 'x', retryable: false },
      T0 + 1,
    );
    expect(diffJob(failed, transition(failed, { type: 'retry' }, T0 + 2))).not.toHaveProperty(
      'input',
    );
    const replaced = transition(failed, { type: 'retry', input: { fixed: true } }, T0 + 2);
    expect(diffJob(failed, replaced).input).toEqual({ fixed: true });
    expect(replay(failed, replaced)).toEqual(replaced);
  });

  it('is empty but for the id when nothing changed', () => {
    expect(diffJob(queued, { ...queued })).toEqual({ id: 'j1' });
    expect(applyJobDelta(queued, { id: 'j1' })).toEqual(queued);
  });

  it('leaves the result out when the caller writes it itself', () => {
    const running = start(queued, T0);
    const ok = settle(running, { kind: 'ok', value: [1] }, T0 + 5);
    expect(diffJob(running, ok, { withoutResult: true })).not.toHaveProperty('result');
    expect(diffJob(running, ok, { withoutResult: false }).result).toEqual([1]);
  });

  it('keeps as a string a time it does not read as toISOString writes it', () => {
    const odd = [
      // Date.parse takes these, but they would come back as another string.
      '2026-02-30T00:00:00.000Z',
      '2026-01-01T24:00:00.000Z',
      '2026-01-01T00:00:00Z',
      // Written by toISOString, but outside the years read by hand.
      new Date(8.64e15).toISOString(),
      '0050-06-01T00:00:00.000Z',
      'soon',
    ];
    for (const time of odd) {
      const next = { ...queued, runAt: time };
      expect(diffJob(queued, next).runAt).toBe(time);
      expect(replay(queued, next)).toEqual(next);
    }
  });

  it('writes a time cleared to null as null', () => {
    const delayed = makeJob('j1', { state: 'delayed', runAt: '2026-01-01T01:00:00.000Z' });
    const cancelled = transition(delayed, { type: 'cancel' }, T0 + 7);
    expect(diffJob(delayed, cancelled)).toEqual({
      id: 'j1',
      state: 'cancelled',
      runAt: null,
      finishedAt: T0 + 7,
    });
    expect(replay(delayed, cancelled)).toEqual(cancelled);
  });

  it('gives the same times when many records share one `now`, and when they do not', () => {
    const jobs = Array.from({ length: 5 }, (_, i) => makeJob(`j${i}`));
    const at = [T0 + 1, T0 + 1, T0 + 2, T0 + 1, T0 + 3];
    const started = jobs.map((job, i) => start(job, at[i]!));
    expect(started.map((job, i) => diffJob(jobs[i]!, job).startedAt)).toEqual(at);
  });
});

describe('isoToMs', () => {
  it('reads every time toISOString writes for the years 100 to 9999, as Date.parse does', () => {
    // A fixed walk over the range, in steps that move every field.
    const from = Date.UTC(100, 0, 1);
    const to = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
    let n = 0;
    for (let t = from; t <= to; t += 86_399_999 * 997 + 12_345) {
      expect(isoToMs(new Date(t).toISOString())).toBe(t);
      n++;
    }
    for (const t of [
      from,
      to,
      0,
      T0,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2000, 1, 29),
    ]) {
      expect(isoToMs(new Date(t).toISOString())).toBe(t);
    }
    expect(n).toBeGreaterThan(1000);
  });

  it.each([
    '2026-02-29T00:00:00.000Z',
    '1900-02-29T00:00:00.000Z',
    '2026-04-31T00:00:00.000Z',
    '2026-00-10T00:00:00.000Z',
    '2026-13-10T00:00:00.000Z',
    '2026-01-00T00:00:00.000Z',
    '2026-01-01T24:00:00.000Z',
    '2026-01-01T00:60:00.000Z',
    '2026-01-01T00:00:60.000Z',
    '2026-01-01T00:00:00.000+',
    '2026-01-01 00:00:00.000Z',
    '2026-01-01T00:00:00.0a0Z',
    '0099-12-31T00:00:00.000Z',
    '+012026-01-01T00:00:00.000Z',
  ])('refuses %s', (iso) => {
    expect(isoToMs(iso)).toBeNull();
  });
});

describe('jobDeltaProblem', () => {
  it('accepts what diffJob writes, with the keys of its envelope', () => {
    const running = start(queued, T0);
    expect(jobDeltaProblem({ ...diffJob(queued, running) })).toBeNull();
    expect(jobDeltaProblem({ op: 'update', ...diffJob(queued, running) }, ['op'])).toBeNull();
  });

  it.each([
    [{ state: 'running' }, /non-empty string id/],
    [{ id: '', state: 'running' }, /non-empty string id/],
    [{ id: 'a', op: 'update' }, /unknown field "op"/],
    [{ id: 'a', colour: 'red' }, /unknown field "colour"/],
    [{ id: 'a', state: 3 }, /no valid state/],
    [{ id: 'a', startedAt: 'x', finishedAt: true }, /invalid time in finishedAt/],
    [{ id: 'a', runAt: 9e15 }, /invalid time in runAt/],
    [{ id: 'a', runAt: Number.NaN }, /invalid time in runAt/],
  ])('refuses %j', (value, why) => {
    expect(jobDeltaProblem(value as Record<string, unknown>)).toMatch(why);
  });
});
