import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pruneCount, type FinishedJobRef } from './retention.js';

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
