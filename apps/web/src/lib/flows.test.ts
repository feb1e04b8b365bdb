import { describe, expect, it } from 'vitest';
import {
  FLOW_POLL_MS,
  allFlowJobs,
  countStates,
  describeTrigger,
  hasFired,
  linkJobIds,
  nextPollMs,
} from './flows.js';

describe('a flow’s jobs', () => {
  it('lists steps or members, then the chord, then the other callbacks', () => {
    expect(allFlowJobs({ jobs: ['a', 'b'], callback: 'c', callbacks: ['d'] })).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
    expect(allFlowJobs({ jobs: ['a'], callback: null, callbacks: ['d'] })).toEqual(['a', 'd']);
  });

  it('counts states in the lifecycle’s order, leaving out empty ones', () => {
    const jobs = (['succeeded', 'waiting', 'running', 'succeeded', 'failed'] as const).map(
      (state) => ({ state }),
    );
    expect(countStates(jobs)).toEqual([
      ['waiting', 1],
      ['running', 1],
      ['succeeded', 2],
      ['failed', 1],
    ]);
    expect(countStates([])).toEqual([]);
  });
});

describe('a callback that fired', () => {
  it.each([
    ['waiting', null, false],
    ['queued', null, true],
    ['running', '2025-01-01T00:00:00.000Z', true],
    ['succeeded', '2025-01-01T00:00:00.000Z', true],
    ['failed', '2025-01-01T00:00:00.000Z', true],
    // Dropped (upstream) or cancelled while it waited: it never ran.
    ['cancelled', null, false],
    ['cancelled', '2025-01-01T00:00:00.000Z', true],
  ] as const)('%s, started %s: %s', (state, startedAt, fired) => {
    expect(hasFired({ state, startedAt })).toBe(fired);
  });
});

describe('polling a running flow', () => {
  it.each([
    [5, FLOW_POLL_MS],
    [0, FLOW_POLL_MS],
    [Number.NaN, FLOW_POLL_MS],
    [600, 2400],
    [60_000, 10_000],
  ])('after a poll of %s ms, waits %s ms', (took, wait) => {
    expect(nextPollMs(took)).toBe(wait);
  });

  it('asks less often for a big flow', () => {
    expect(nextPollMs(20, 10)).toBe(FLOW_POLL_MS);
    expect(nextPollMs(20, 1001)).toBe(2002);
    expect(nextPollMs(800, 1001)).toBe(3200);
  });
});

describe('a trigger in words', () => {
  it.each([
    [{ on: 'success', pass: 'result' }, 'on success, with its parent’s result'],
    [{ on: 'success', pass: 'results' }, 'on success, with the results of all its parents'],
    [{ on: 'error', pass: 'error' }, 'on error, with its parent’s error'],
    [{ on: 'success', pass: 'nothing' }, 'on success, with its own input'],
  ] as const)('%j', (trigger, words) => {
    expect(describeTrigger(trigger)).toBe(words);
  });
});

describe('an upstream message', () => {
  it('links the ids of the jobs it names that are known', () => {
    expect(linkJobIds('job p1 failed: boom at job zz', ['p1'])).toEqual([
      { text: 'job ' },
      { jobId: 'p1' },
      { text: ' failed: boom at job zz' },
    ]);
    expect(linkJobIds('job p2, which it waited for, no longer exists', ['p1', 'p2'])).toEqual([
      { text: 'job ' },
      { jobId: 'p2' },
      { text: ', which it waited for, no longer exists' },
    ]);
  });

  it('leaves a message that names no known job as it is', () => {
    expect(linkJobIds('the job failed', ['p1'])).toEqual([{ text: 'the job failed' }]);
    expect(linkJobIds('', [])).toEqual([]);
  });
});
