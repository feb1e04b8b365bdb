import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RetentionPolicy } from './config.js';
import type { FinishedState, Job } from './job.js';
import {
  FinishedJobs,
  forgottenAtEnd,
  isRetainedAs,
  pruneCount,
  type FinishedJobRef,
  type RetainedJobRef,
} from './retention.js';
import { createJob } from './transitions.js';

const NOW = 1_000_000;
/** Finished jobs `ages` ms ago, oldest first. */
const finishedAgo = (...ages: number[]): FinishedJobRef[] =>
  ages.map((age, i) => ({ id: `j${i}`, finishedAtMs: NOW - age }));

describe('pruneCount', () => {
  const policy = { maxAgeMs: 1000, maxCount: 2 };

  it('prunes nothing from an empty list', () => {
    expect(pruneCount([], policy, NOW)).toBe(0);
  });

  it('keeps everything while within the count, however old', () => {
    expect(pruneCount(finishedAgo(99_999, 50_000), policy, NOW)).toBe(0);
  });

  it('keeps everything while young, however many', () => {
    expect(pruneCount(finishedAgo(900, 800, 700, 600, 10), policy, NOW)).toBe(0);
  });

  it('prunes the old jobs beyond the count', () => {
    expect(pruneCount(finishedAgo(5000, 4000, 3000, 2000), policy, NOW)).toBe(2);
  });

  it('stops at the first young job', () => {
    expect(pruneCount(finishedAgo(5000, 4000, 500, 400, 300), policy, NOW)).toBe(2);
  });

  it('keeps the newest maxCount even when they are old', () => {
    expect(pruneCount(finishedAgo(9000, 8000, 7000, 6000), policy, NOW)).toBe(2);
  });

  it('keeps a job exactly maxAgeMs old (kept at least that long)', () => {
    expect(pruneCount(finishedAgo(1000, 1000, 1000), { maxAgeMs: 1000, maxCount: 0 }, NOW)).toBe(0);
    expect(pruneCount(finishedAgo(1001, 1000), { maxAgeMs: 1000, maxCount: 0 }, NOW)).toBe(1);
  });

  it('with maxCount 0 prunes every old job', () => {
    expect(pruneCount(finishedAgo(3000, 2000, 10), { maxAgeMs: 1000, maxCount: 0 }, NOW)).toBe(2);
  });

  it('counts from `from`, as if the entries before it were gone', () => {
    const finished = finishedAgo(9000, 8000, 7000, 6000, 500);
    expect(pruneCount(finished, policy, NOW, 0)).toBe(3);
    expect(pruneCount(finished, policy, NOW, 2)).toBe(1);
    expect(pruneCount(finished, policy, NOW, 3)).toBe(0);
    expect(pruneCount(finished, policy, NOW, 5)).toBe(0);
  });

  it('gives the same count from an offset as on the list cut there', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 30 }),
        fc.nat(),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 10 }),
        (ages, pick, maxAgeMs, maxCount) => {
          const finished = finishedAgo(...ages.sort((a, b) => b - a));
          const from = pick % (finished.length + 1);
          expect(pruneCount(finished, { maxAgeMs, maxCount }, NOW, from)).toBe(
            pruneCount(finished.slice(from), { maxAgeMs, maxCount }, NOW),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('prunes only jobs both old and beyond the count', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 20 }),
        (ages, maxAgeMs, maxCount) => {
          const finished = finishedAgo(...ages.sort((a, b) => b - a));
          const n = pruneCount(finished, { maxAgeMs, maxCount }, NOW);
          expect(n).toBeGreaterThanOrEqual(0);
          expect(finished.length - n).toBeGreaterThanOrEqual(Math.min(maxCount, finished.length));
          for (const j of finished.slice(0, n))
            expect(NOW - j.finishedAtMs).toBeGreaterThan(maxAgeMs);
          // Nothing more could go: the next one is young or within the count.
          const next = finished[n];
          if (next !== undefined) {
            const young = NOW - next.finishedAtMs <= maxAgeMs;
            expect(young || finished.length - n <= maxCount).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('FinishedJobs', () => {
  const HOUR = 3_600_000;
  const DAY = 24 * HOUR;
  /** The shipped defaults. */
  const policy: RetentionPolicy = {
    maxAgeMs: HOUR,
    maxCount: 50_000,
    failed: { maxAgeMs: 7 * DAY, maxCount: 100_000 },
  };
  const ids = (refs: readonly RetainedJobRef[]) => refs.map((r) => r.id);

  it('keeps a failure through a flood of successes that outnumbers the count', () => {
    const finished = new FinishedJobs();
    finished.add('failure', 'failed', 0);
    // Two hours of successes, far beyond maxCount, all older than maxAgeMs by the end.
    for (let i = 0; i < 120_000; i++) finished.add(`ok${i}`, 'succeeded', 1 + i * 50);
    const now = 2 * HOUR + 6_000_000;
    const pruned = ids(finished.prune(policy, now));
    expect(pruned).not.toContain('failure');
    // The successes still go as before: the old ones beyond the newest 50,000.
    expect(pruned).toHaveLength(70_000);
    expect(pruned[0]).toBe('ok0');
    expect(pruned.at(-1)).toBe('ok69999');
    expect(finished.size).toBe(50_001);
  });

  it('prunes failures under their own limits', () => {
    const finished = new FinishedJobs();
    const small: RetentionPolicy = { ...policy, failed: { maxAgeMs: DAY, maxCount: 2 } };
    for (let i = 0; i < 5; i++) finished.add(`f${i}`, 'failed', i);
    expect(finished.prune(small, DAY)).toEqual([]); // young: kept however many
    expect(ids(finished.prune(small, DAY + 3))).toEqual(['f0', 'f1', 'f2']);
    expect(ids(finished.prune(small, 10 * DAY))).toEqual([]); // the newest 2 stay
    expect(finished.size).toBe(2);
  });

  it('counts cancelled jobs with the succeeded ones, not with the failed ones', () => {
    const finished = new FinishedJobs();
    const small: RetentionPolicy = {
      maxAgeMs: 10,
      maxCount: 2,
      failed: { maxAgeMs: 10, maxCount: 2 },
    };
    finished.add('f0', 'failed', 0);
    finished.add('c0', 'cancelled', 1);
    finished.add('s0', 'succeeded', 2);
    finished.add('c1', 'cancelled', 3);
    finished.add('f1', 'failed', 4);
    // Three in the class of the rest, two failures: only the oldest of the rest goes.
    expect(ids(finished.prune(small, 100))).toEqual(['c0']);
  });

  it('hands out each ref once, oldest first within its class', () => {
    const finished = new FinishedJobs();
    const none: RetentionPolicy = {
      maxAgeMs: 0,
      maxCount: 0,
      failed: { maxAgeMs: 0, maxCount: 0 },
    };
    finished.add('a', 'succeeded', 1);
    finished.add('b', 'failed', 2);
    finished.add('c', 'cancelled', 3);
    expect(ids(finished.prune(none, 10))).toEqual(['b', 'a', 'c']);
    expect(finished.prune(none, 10)).toEqual([]);
    finished.add('d', 'failed', 11);
    expect(finished.prune(none, 20)).toEqual([{ id: 'd', state: 'failed', finishedAtMs: 11 }]);
    expect(finished.size).toBe(0);
  });

  it('prunes refs added out of order, once sorted, as if added in order', () => {
    const refs: RetainedJobRef[] = [
      { id: 'a', state: 'succeeded', finishedAtMs: 30 },
      { id: 'b', state: 'failed', finishedAtMs: 10 },
      { id: 'c', state: 'succeeded', finishedAtMs: 20 },
      { id: 'd', state: 'failed', finishedAtMs: 5 },
      { id: 'e', state: 'cancelled', finishedAtMs: 25 },
    ];
    const none: RetentionPolicy = {
      maxAgeMs: 0,
      maxCount: 1,
      failed: { maxAgeMs: 0, maxCount: 1 },
    };
    const recovered = new FinishedJobs();
    for (const r of refs) recovered.add(r.id, r.state, r.finishedAtMs);
    recovered.sort();
    const inOrder = new FinishedJobs();
    for (const r of [...refs].sort((x, y) => x.finishedAtMs - y.finishedAtMs))
      inOrder.add(r.id, r.state, r.finishedAtMs);
    const pruned = recovered.prune(none, 100);
    expect(ids(pruned)).toEqual(['d', 'c', 'e']);
    expect(pruned).toEqual(inOrder.prune(none, 100));
  });

  it('prunes exactly what pruneCount says, class by class, over time', () => {
    const states: FinishedState[] = ['succeeded', 'failed', 'cancelled'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ state: fc.constantFrom(...states), gap: fc.nat(50), prune: fc.boolean() }),
          { maxLength: 3000 },
        ),
        fc.record({ maxAgeMs: fc.nat(500), maxCount: fc.nat(30) }),
        fc.record({ maxAgeMs: fc.nat(500), maxCount: fc.nat(30) }),
        (steps, rest, failed) => {
          const p: RetentionPolicy = { ...rest, failed };
          const finished = new FinishedJobs();
          const model = { failed: [] as RetainedJobRef[], rest: [] as RetainedJobRef[] };
          let now = 0;
          steps.forEach(({ state, gap, prune }, i) => {
            now += gap;
            finished.add(`j${i}`, state, now);
            (state === 'failed' ? model.failed : model.rest).push({
              id: `j${i}`,
              state,
              finishedAtMs: now,
            });
            if (!prune) return;
            const nf = pruneCount(model.failed, failed, now);
            const nr = pruneCount(model.rest, rest, now);
            const expected = [...model.failed.splice(0, nf), ...model.rest.splice(0, nr)];
            expect(finished.prune(p, now)).toEqual(expected);
            expect(finished.size).toBe(model.failed.length + model.rest.length);
          });
        },
      ),
      { numRuns: 100 },
    );
  });
});

/** A job as created, for the tests of one finished record. */
const base = createJob(
  {
    id: 'j',
    key: null,
    category: 'c',
    task: 't',
    input: null,
    maxRetries: 0,
    timeoutMs: null,
    runAtMs: null,
  },
  0,
);

describe('isRetainedAs', () => {
  const at = (ms: number) => new Date(ms).toISOString();
  const finishedJob = (state: Job['state'], ms: number): Job => ({
    ...base,
    state,
    finishedAt: at(ms),
  });

  it('is true for the finish the ref recorded', () => {
    expect(
      isRetainedAs(finishedJob('failed', 5), { id: 'j', state: 'failed', finishedAtMs: 5 }),
    ).toBe(true);
  });

  it('is false once the job was retried: live again, or finished later or differently', () => {
    const ref: RetainedJobRef = { id: 'j', state: 'failed', finishedAtMs: 5 };
    expect(isRetainedAs({ ...base, state: 'queued' }, ref)).toBe(false);
    expect(isRetainedAs(finishedJob('failed', 9), ref)).toBe(false);
    // Retried and succeeded within the same millisecond: only the state tells.
    expect(isRetainedAs(finishedJob('succeeded', 5), ref)).toBe(false);
  });
});

describe('forgottenAtEnd', () => {
  const none = { maxAgeMs: 0, maxCount: 0 };
  const some = { maxAgeMs: 0, maxCount: 1 };
  const policy = (rest: typeof none, failed: typeof none): RetentionPolicy => ({
    ...rest,
    failed,
  });
  const ended = (state: Job['state'], flowId: string | null = null): Job => ({
    ...base,
    state,
    flowId,
  });

  it('forgets a finished job whose class keeps nothing, by its own class', () => {
    expect(forgottenAtEnd(ended('succeeded'), policy(none, some))).toBe(true);
    expect(forgottenAtEnd(ended('cancelled'), policy(none, some))).toBe(true);
    expect(forgottenAtEnd(ended('failed'), policy(none, some))).toBe(false);
    expect(forgottenAtEnd(ended('failed'), policy(some, none))).toBe(true);
    expect(forgottenAtEnd(ended('succeeded'), policy(some, none))).toBe(false);
  });

  it('keeps a class that keeps anything, by age or by count', () => {
    expect(forgottenAtEnd(ended('succeeded'), policy({ maxAgeMs: 1, maxCount: 0 }, none))).toBe(
      false,
    );
    expect(forgottenAtEnd(ended('succeeded'), policy({ maxAgeMs: 0, maxCount: 1 }, none))).toBe(
      false,
    );
  });

  it('never forgets a live job, nor a job of a flow', () => {
    for (const state of ['queued', 'running', 'retrying', 'delayed', 'waiting'] as const) {
      expect(forgottenAtEnd(ended(state), policy(none, none))).toBe(false);
    }
    expect(forgottenAtEnd(ended('succeeded', 'flow-1'), policy(none, none))).toBe(false);
  });
});
